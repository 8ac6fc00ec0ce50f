public import Foundation

/// The quality of a signal's current reading.
public enum SignalStatus: String, Sendable, Hashable, CaseIterable {
  /// A valid, fresh value.
  case available
  /// The provider reports no value (sensor missing, signal dropped out).
  case unavailable
  /// The provider reports a fault, or the value broke the catalog's range rules.
  case error
  /// The value was not refreshed within its freshness bound.
  case stale
}

/// A signal's reading: the value with its status, timestamp and source.
public struct SignalReading: Sendable, Hashable {
  /// The value; `nil` when the signal has none (never published, or unavailable).
  public var value: SignalValue?
  /// The reading's status.
  public var status: SignalStatus
  /// When the provider measured the value.
  public var timestamp: Date
  /// Who provided it (`sim`, `replay`, `client`).
  public var source: String

  /// Creates a reading.
  public init(value: SignalValue?, status: SignalStatus, timestamp: Date, source: String) {
    self.value = value
    self.status = status
    self.timestamp = timestamp
    self.source = source
  }
}

/// One changed signal inside a batch.
public struct SignalChange: Sendable, Hashable {
  /// The signal path.
  public let path: String
  /// Its new reading.
  public let reading: SignalReading

  /// Creates a change.
  public init(path: String, reading: SignalReading) {
    self.path = path
    self.reading = reading
  }
}

/// The changes one publication produced, in path order.
public struct SignalBatch: Sendable, Hashable {
  /// The time of the publication (virtual time in the simulator).
  public let time: Date
  /// The changed signals, sorted by path.
  public let changes: [SignalChange]

  /// Creates a batch.
  public init(time: Date, changes: [SignalChange]) {
    self.time = time
    self.changes = changes
  }
}

/// A provider's new value for one signal.
public struct SignalUpdate: Sendable, Hashable {
  /// The signal path.
  public var path: String
  /// The value; `nil` for unavailable.
  public var value: SignalValue?
  /// The status the provider reports.
  public var status: SignalStatus
  /// The measurement time the provider reports.
  public var timestamp: Date

  /// Creates an update.
  public init(path: String, value: SignalValue?, status: SignalStatus = .available, timestamp: Date) {
    self.path = path
    self.value = value
    self.status = status
    self.timestamp = timestamp
  }
}

/// How long a reading stays fresh, per signal kind, with per-path or per-branch overrides.
public struct FreshnessPolicy: Sendable, Hashable {
  /// Bound for sensors, in seconds; `nil` means never stale.
  public var sensorBound: Double?
  /// Bound for actuators, in seconds; `nil` means never stale.
  public var actuatorBound: Double?
  /// Bound for attributes, in seconds; `nil` means never stale.
  public var attributeBound: Double?
  /// Overrides keyed by signal path or branch path; the longest matching key wins. A `nil` bound
  /// turns staleness off for those signals.
  public var overrides: [String: Double?]

  /// Creates a policy. The defaults: sensors and actuators 5 s, attributes never stale.
  public init(
    sensorBound: Double? = 5, actuatorBound: Double? = 5, attributeBound: Double? = nil,
    overrides: [String: Double?] = [:]
  ) {
    self.sensorBound = sensorBound
    self.actuatorBound = actuatorBound
    self.attributeBound = attributeBound
    self.overrides = overrides
  }

  /// The freshness bound of a signal in seconds, `nil` when it never turns stale.
  public func bound(for definition: SignalDefinition) -> Double? {
    let match = overrides.keys.filter { SignalPath.isPath(definition.path, within: $0) }.max {
      $0.count < $1.count
    }
    if let match, let bound = overrides[match] { return bound }
    switch definition.kind {
    case .sensor: return sensorBound
    case .actuator: return actuatorBound
    case .attribute: return attributeBound
    }
  }
}
