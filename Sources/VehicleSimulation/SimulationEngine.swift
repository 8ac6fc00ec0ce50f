public import Foundation
public import VehicleSignals

/// Something the engine reports besides signal changes (those go through the store).
public enum SimulationEvent: Sendable, Hashable {
  /// A fault began.
  case faultStarted(Fault)
  /// A fault ended (its duration ran out or it was cleared).
  case faultEnded(Fault)
  /// The provider disappeared: the front end should release its bus name.
  case providerLost
  /// The provider is back: the front end should own its bus name again.
  case providerRestored
  /// The scenario reached its duration.
  case finished
}

/// The deterministic heart of the simulator: a virtual clock stepped by its owner, the scenario's
/// timeline, the behaviours and the faults. Each step publishes one batch into the store.
///
/// Not thread-safe: one owner (the ``Simulator`` actor, or a test) drives it. Same scenario and
/// seed, same calls at the same steps: same published values, byte for byte.
public final class SimulationEngine {
  /// The scenario being run.
  public let scenario: Scenario
  /// The store the engine publishes into.
  public let store: SignalStore
  /// Called for every ``SimulationEvent``, synchronously during the step that causes it.
  public var onEvent: (@Sendable (SimulationEvent) -> Void)?
  /// Number of steps taken.
  public private(set) var tickCount = 0
  /// False while a provider-loss fault is active.
  public private(set) var isProviderAvailable = true

  struct ActiveFault {
    let fault: Fault
    let start: Double
    /// For a stuck fault: the value published when it began.
    var stuckValue: SignalValue?
  }

  struct Ramp {
    let from: Double
    let to: Double
    let start: Double
    let end: Double
  }

  var truth: [String: SignalValue] = [:]
  var statusOverrides: [String: SignalStatus] = [:]
  var targets: [String: Double] = [:]
  var ramps: [String: Ramp] = [:]
  var faults: [ActiveFault] = []
  var rng: SeededGenerator
  var timelineIndex = 0
  var recordingIndex = 0
  var previousSpeed = 0.0
  var previousHeading: Double?
  var distance = 0.0
  var odometerStart = 0.0
  var tripStart = 0.0
  var energy = 0.0
  var lowBeamOn = false

  /// Creates an engine, resets the store to the scenario's freshness policy and publishes the
  /// initial state at time 0 (with the timeline events at time 0).
  public init(scenario: Scenario, store: SignalStore) throws(SignalValidationError) {
    self.scenario = scenario
    self.store = store
    self.rng = SeededGenerator(seed: scenario.seed)
    store.reset(freshness: FreshnessPolicy(overrides: scenario.freshnessOverrides))
    for (path, value) in scenario.initial {
      truth[path] = value
      if let number = value.numericValue, isRateLimited(path) { targets[path] = number }
    }
    setUpBehaviours()
    try advance(dt: 0)
  }

  /// Seconds of virtual time since the scenario start.
  public var elapsed: Double { Double(tickCount) * scenario.tick }

  /// The virtual wall-clock time.
  public var now: Date { scenario.start.addingTimeInterval(elapsed) }

  /// True once the scenario's duration is reached.
  public var isFinished: Bool { elapsed >= scenario.duration - scenario.tick / 2 }

  /// The faults in force, oldest first.
  public var activeFaults: [Fault] { faults.map(\.fault) }

  /// The model's own value of a signal, before faults (what the vehicle "really" does).
  public func modelValue(_ path: String) -> SignalValue? { truth[path] }

  /// Advances one tick; does nothing once finished.
  public func step() throws(SignalValidationError) {
    guard !isFinished else { return }
    tickCount += 1
    try advance(dt: scenario.tick)
    if isFinished { onEvent?(.finished) }
  }

  /// Steps until `time` seconds (or the end of the scenario), as fast as possible.
  public func run(until time: Double) throws(SignalValidationError) {
    while !isFinished, elapsed + scenario.tick / 2 < time { try step() }
  }

  /// Steps to the end of the scenario, as fast as possible.
  public func runToEnd() throws(SignalValidationError) { try run(until: scenario.duration) }

  /// Sets a signal's value in the model at once (any kind of signal, as a test bench would),
  /// checked against the catalog; cancels a ramp on it. Published with the next step.
  public func set(_ path: String, to value: SignalValue) throws(SignalValidationError) {
    let definition = try store.catalog.definition(path)
    let normalized = try definition.validate(value)
    ramps[path] = nil
    truth[path] = normalized
    statusOverrides[path] = nil
    if let number = normalized.numericValue, isRateLimited(path) { targets[path] = number }
  }

  /// Starts a fault now; it ends after its duration, or when cleared.
  public func inject(_ fault: Fault) throws(SignalValidationError) {
    if let path = fault.path {
      let definition = try store.catalog.definition(path)
      switch fault.kind {
      case .noise, .bias:
        guard definition.dataType.isNumeric else {
          throw SignalValidationError(
            path: path, rule: .wrongType,
            reason: "\(fault.kind.name) needs a numeric signal, this is \(definition.dataType)")
        }
      case .outOfRange(let value):
        guard value != nil || FaultKind.valueOutsideRange(of: definition) != nil else {
          throw SignalValidationError(
            path: path, rule: .outOfRange, reason: "has no range to leave; give a value")
        }
      default: break
      }
    } else if fault.kind != .providerLoss {
      throw SignalValidationError(
        path: "", rule: .unknownSignal, reason: "\(fault.kind.name) needs a signal path")
    }
    faults.append(ActiveFault(fault: fault, start: elapsed, stuckValue: nil))
    onEvent?(.faultStarted(fault))
    if fault.kind == .providerLoss, isProviderAvailable {
      isProviderAvailable = false
      onEvent?(.providerLost)
    }
  }

  /// Ends every fault on a signal, or every fault when `path` is `nil`.
  public func clearFaults(path: String?) {
    endFaults { path == nil || $0.fault.path == path }
  }

  // MARK: - Stepping

  private func advance(dt: Double) throws(SignalValidationError) {
    let t = elapsed
    endFaults { active in active.fault.duration.map { t >= active.start + $0 - scenario.tick / 2 } ?? false }
    while timelineIndex < scenario.timeline.count,
      scenario.timeline[timelineIndex].time <= t + scenario.tick / 2
    {
      try apply(scenario.timeline[timelineIndex].action)
      timelineIndex += 1
    }
    if case .recording(let events) = scenario.trace {
      while recordingIndex < events.count, events[recordingIndex].time <= t + scenario.tick / 2 {
        let event = events[recordingIndex]
        truth[event.path] = event.value
        statusOverrides[event.path] = event.status == .available ? nil : event.status
        recordingIndex += 1
      }
    }
    for request in store.takeActuationRequests() { actuate(request.path, request.value) }
    for (path, ramp) in ramps.sorted(by: { $0.key < $1.key }) {
      let fraction = min(1, max(0, (t - ramp.start) / (ramp.end - ramp.start)))
      let value = ramp.from + (ramp.to - ramp.from) * fraction
      setNumber(path, value)
      if isRateLimited(path) { targets[path] = value }
      if fraction >= 1 { ramps[path] = nil }
    }
    if dt > 0 { runBehaviours(t: t, dt: dt) }
    if isProviderAvailable {
      try store.publish(faultedUpdates(), source: "sim", now: now)
    } else {
      store.expireStale(now: now)
    }
  }

  private func apply(_ action: ScenarioAction) throws(SignalValidationError) {
    switch action {
    case .set(let path, let value): try set(path, to: value)
    case .ramp(let path, let to, let over):
      ramps[path] = Ramp(from: number(path) ?? 0, to: to, start: elapsed, end: elapsed + over)
    case .actuate(let path, let value): try store.requestActuation(path, to: value, source: "scenario")
    case .fault(let fault): try inject(fault)
    case .clearFaults(let path): clearFaults(path: path)
    }
  }

  private func endFaults(where shouldEnd: (ActiveFault) -> Bool) {
    let ending = faults.filter(shouldEnd)
    guard !ending.isEmpty else { return }
    faults.removeAll(where: shouldEnd)
    for active in ending { onEvent?(.faultEnded(active.fault)) }
    if !isProviderAvailable, !faults.contains(where: { $0.fault.kind == .providerLoss }) {
      isProviderAvailable = true
      onEvent?(.providerRestored)
    }
  }

  private func faultedUpdates() -> [SignalUpdate] {
    let timestamp = now
    var updates: [SignalUpdate] = []
    for path in truth.keys.sorted() {
      guard let definition = store.catalog[path] else { continue }
      var update = SignalUpdate(
        path: path, value: truth[path].map { published($0, as: definition.dataType) },
        status: statusOverrides[path] ?? .available, timestamp: timestamp)
      if update.value == nil, update.status == .available { update.status = .unavailable }
      for index in faults.indices where faults[index].fault.path == path {
        applyFault(&faults[index], to: &update, definition)
      }
      updates.append(update)
    }
    return updates
  }

  private func applyFault(
    _ active: inout ActiveFault, to update: inout SignalUpdate, _ definition: SignalDefinition
  ) {
    let numeric = update.value?.numericValue
    switch active.fault.kind {
    case .dropout:
      update.value = nil
      update.status = .unavailable
    case .stuck:
      if active.stuckValue == nil { active.stuckValue = update.value }
      update.value = active.stuckValue
    case .noise(let deviation):
      if let numeric { update.value = clamped(numeric + rng.gaussian() * deviation, definition) }
    case .bias(let offset):
      if let numeric { update.value = clamped(numeric + offset, definition) }
    case .outOfRange(let value):
      if let raw = value ?? FaultKind.valueOutsideRange(of: definition) {
        update.value = published(.double(raw), as: definition.dataType)
      }
    case .staleTimestamps(let lag):
      update.timestamp = update.timestamp.addingTimeInterval(-lag)
    case .providerLoss:
      break
    }
  }

  /// Converts a model value to the signal's datatype, clamping numbers to what the type can hold.
  private func published(_ value: SignalValue, as type: SignalDataType) -> SignalValue {
    guard let number = value.numericValue, type.isNumeric else { return value }
    let bounded = type.integerBounds.map { min(max(number, $0.lowerBound), $0.upperBound) } ?? number
    return SignalValue.number(bounded, as: type) ?? value
  }

  /// A noisy or biased number kept inside the signal's range, so only the out-of-range fault
  /// produces range errors.
  private func clamped(_ number: Double, _ definition: SignalDefinition) -> SignalValue {
    var value = number
    if let low = definition.min { value = max(value, low) }
    if let high = definition.max { value = min(value, high) }
    return published(.double(value), as: definition.dataType)
  }

  // MARK: - Model access for behaviours

  func has(_ path: String) -> Bool { store.catalog[path] != nil }

  func number(_ path: String) -> Double? { truth[path]?.numericValue }

  func setNumber(_ path: String, _ value: Double) {
    guard has(path) else { return }
    truth[path] = .double(value)
  }

  func setBool(_ path: String, _ value: Bool) {
    guard has(path) else { return }
    truth[path] = .bool(value)
  }

  func string(_ path: String) -> String? { truth[path]?.stringValue }
}

extension FaultKind {
  /// A value just outside a signal's range that its datatype can still carry, or `nil`.
  static func valueOutsideRange(of definition: SignalDefinition) -> Double? {
    let bounds =
      definition.dataType.integerBounds ?? -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude
    let span = max(1, ((definition.max ?? 0) - (definition.min ?? 0)) / 2)
    if let high = definition.max, bounds.contains(high + span) { return high + span }
    if let high = definition.max, high + 1 <= bounds.upperBound { return bounds.upperBound }
    if let low = definition.min, bounds.contains(low - span) { return low - span }
    if let low = definition.min, low - 1 >= bounds.lowerBound { return bounds.lowerBound }
    return nil
  }
}
