public import VehicleSignals

/// The maximum rate at which each signal's changes are sent to subscribers.
///
/// Keys: `defaultRate` (changes per second for every signal, default 10) and `rates` (per-path
/// overrides; by default 100 for `Vehicle.Speed` and `Vehicle.Chassis.SteeringWheel.Angle`).
public struct ThrottleConfiguration: Sendable, Hashable {
  /// Changes per second for signals without an override.
  public var defaultRate: Double
  /// Per-path maximum rates.
  public var rates: [String: Double]

  /// Creates a configuration; rates must be positive.
  public init(
    defaultRate: Double = 10,
    rates: [String: Double] = ["Vehicle.Speed": 100, "Vehicle.Chassis.SteeringWheel.Angle": 100]
  ) {
    self.defaultRate = defaultRate
    self.rates = rates
  }

  /// The shortest time between two sends of `path`, in seconds.
  public func minimumInterval(for path: String) -> Double { 1 / max(rates[path] ?? defaultRate, 1e-3) }
}

/// Limits each signal to its maximum rate without ever losing its latest value: a change that comes
/// too soon waits (replaced by any newer one) until its interval has passed.
///
/// Times are seconds on any monotonic clock. A pure value; its owner serialises access.
public struct SignalThrottle: Sendable {
  /// The rates in force.
  public let configuration: ThrottleConfiguration
  private var lastSent: [String: Double] = [:]
  private var pending: [String: SignalReading] = [:]

  /// Creates a throttle that has sent nothing yet.
  public init(configuration: ThrottleConfiguration) { self.configuration = configuration }

  /// Takes new changes and returns those that may go out now; the rest wait for ``takeDue(now:)``.
  public mutating func offer(_ changes: [SignalChange], now: Double) -> [SignalChange] {
    var ready: [SignalChange] = []
    for change in changes {
      if pending[change.path] == nil, isDue(change.path, now: now) {
        lastSent[change.path] = now
        ready.append(change)
      } else {
        pending[change.path] = change.reading
      }
    }
    return ready
  }

  /// Returns the waiting changes whose interval has passed, in path order.
  public mutating func takeDue(now: Double) -> [SignalChange] {
    var ready: [SignalChange] = []
    for (path, reading) in pending where isDue(path, now: now) {
      ready.append(SignalChange(path: path, reading: reading))
    }
    for change in ready {
      pending[change.path] = nil
      lastSent[change.path] = now
    }
    return ready.sorted { $0.path < $1.path }
  }

  /// When the next waiting change becomes due, or `nil` when nothing waits.
  public var nextDeadline: Double? {
    pending.keys.map { (lastSent[$0] ?? 0) + configuration.minimumInterval(for: $0) }.min()
  }

  private func isDue(_ path: String, now: Double) -> Bool {
    guard let last = lastSent[path] else { return true }
    return now - last >= configuration.minimumInterval(for: path)
  }
}
