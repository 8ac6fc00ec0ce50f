public import Foundation
import Synchronization
public import VehicleSignals

/// Fans engine events out to every `events()` stream; shared with the engine's callback.
private final class EventBroadcaster: Sendable {
  private let continuations = Mutex<[UUID: AsyncStream<SimulationEvent>.Continuation]>([:])

  func add(_ id: UUID, _ continuation: AsyncStream<SimulationEvent>.Continuation) {
    continuations.withLock { $0[id] = continuation }
  }

  func remove(_ id: UUID) { _ = continuations.withLock { $0.removeValue(forKey: id) } }

  func yield(_ event: SimulationEvent) {
    for continuation in continuations.withLock({ Array($0.values) }) { continuation.yield(event) }
  }
}

/// A control request the simulator refuses, with the reason.
public struct SimulatorError: Error, Sendable, Equatable, CustomStringConvertible {
  /// Why the request was refused.
  public let reason: String

  /// Creates an error.
  public init(_ reason: String) { self.reason = reason }

  /// The reason.
  public var description: String { reason }
}

/// What the simulator is doing, for `org.cabin.Simulator1` properties and `cabin sim status`.
public struct SimulatorStatus: Sendable, Hashable {
  /// The loaded scenario's name.
  public let scenario: String
  /// Seconds of virtual time since the scenario start.
  public let time: Double
  /// The scenario's length in seconds.
  public let duration: Double
  /// True while playing (and not finished).
  public let isPlaying: Bool
  /// Virtual seconds per real second; `nil` for as fast as possible.
  public let rate: Double?
  /// False while a provider-loss fault is active.
  public let isProviderAvailable: Bool
  /// True while recording.
  public let isRecording: Bool
  /// The faults in force.
  public let faults: [Fault]
}

/// The simulator's control surface, the API behind `org.cabin.Simulator1`
/// (load/play/pause/seek/rate/set/fault/record), and its real-time driver.
///
/// ``run()`` is the long-running loop (a thin real-time driver over ``SimulationEngine``): it steps
/// the engine while playing, at ``rate`` times real time. Signal changes reach consumers through
/// ``store``; other events through ``events()``.
public actor Simulator {
  /// The slowest and fastest scaled rates.
  public static let rateLimits: ClosedRange<Double> = 0.1...1000

  /// The store the engine publishes into; the D-Bus front end reads and subscribes here.
  public nonisolated let store: SignalStore
  private var engine: SimulationEngine
  private var playing = false
  /// Bumped whenever virtual time jumps or the rate changes, so the driver re-anchors its clock.
  private var clockEpoch = 0
  private var rateValue: Double? = 1
  private var recorder: (recorder: SignalRecorder, token: SubscriptionToken)?
  private let broadcaster: EventBroadcaster
  private var wakeUp: CheckedContinuation<Void, Never>?

  /// Creates a simulator with a scenario loaded and paused at time 0.
  public init(scenario: Scenario, store: SignalStore) throws(SignalValidationError) {
    let broadcaster = EventBroadcaster()
    self.store = store
    self.broadcaster = broadcaster
    self.engine = try Self.makeEngine(scenario, store: store, broadcaster: broadcaster)
  }

  /// The loaded scenario.
  public var scenario: Scenario { engine.scenario }

  /// The current status.
  public var status: SimulatorStatus {
    SimulatorStatus(
      scenario: engine.scenario.name, time: engine.elapsed, duration: engine.scenario.duration,
      isPlaying: playing && !engine.isFinished, rate: rateValue,
      isProviderAvailable: engine.isProviderAvailable,
      isRecording: recorder != nil, faults: engine.activeFaults)
  }

  /// Virtual seconds per real second, or `nil` for as fast as possible.
  public var rate: Double? { rateValue }

  /// Replaces the scenario (already checked) and pauses at its time 0.
  public func load(_ scenario: Scenario) throws(SignalValidationError) {
    engine = try makeEngine(scenario)
    playing = false
    clockEpoch += 1
  }

  /// Loads a scenario file, checked against the store's catalog; on error nothing changes.
  public func load(contentsOf url: URL) throws(ScenarioError) {
    let scenario = try Scenario.load(contentsOf: url, catalog: store.catalog)
    do {
      try load(scenario)
    } catch {
      throw ScenarioError(file: url.path, line: nil, reason: error.description)
    }
  }

  /// Starts or resumes stepping in ``run()``.
  public func play() {
    playing = true
    resumeLoop()
  }

  /// Stops stepping; the state stays.
  public func pause() { playing = false }

  /// Sets virtual seconds per real second (0.1 to 1000), or `nil` for as fast as possible.
  public func setRate(_ rate: Double?) throws(SimulatorError) {
    if let rate, !Self.rateLimits.contains(rate) {
      throw SimulatorError(
        "rate \(rate) is outside \(Self.rateLimits.lowerBound)...\(Self.rateLimits.upperBound)")
    }
    rateValue = rate
    clockEpoch += 1
    resumeLoop()
  }

  /// Jumps to a time. Going back replays the scenario from its start (determinism keeps the result
  /// identical to playing up to that time); faults and sets made on command are not replayed.
  public func seek(to time: Double) throws(SimulatorError) {
    guard (0...engine.scenario.duration).contains(time) else {
      throw SimulatorError("time \(time) is outside 0...\(engine.scenario.duration)")
    }
    do {
      clockEpoch += 1
      if time < engine.elapsed { engine = try makeEngine(engine.scenario) }
      try engine.run(until: time)
    } catch {
      throw SimulatorError(error.description)
    }
  }

  /// Advances as fast as possible by `seconds` (or to the end), whatever the play state.
  public func advance(by seconds: Double) throws(SignalValidationError) {
    clockEpoch += 1
    try engine.run(until: engine.elapsed + seconds)
  }

  /// Runs the rest of the scenario as fast as possible.
  public func runToEnd() throws(SignalValidationError) {
    clockEpoch += 1
    try engine.runToEnd()
  }

  /// Sets a signal's value in the model (validated against the catalog), as a test bench would.
  public func set(_ path: String, to value: SignalValue) throws(SignalValidationError) {
    try engine.set(path, to: value)
  }

  /// Injects a fault now.
  public func inject(_ fault: Fault) throws(SignalValidationError) { try engine.inject(fault) }

  /// Clears the faults on a signal, or all faults when `path` is `nil`.
  public func clearFaults(path: String?) { engine.clearFaults(path: path) }

  /// Starts recording every published change as JSON Lines (times from the scenario start).
  public func startRecording() {
    guard recorder == nil else { return }
    let newRecorder = SignalRecorder(start: engine.scenario.start)
    recorder = (newRecorder, store.subscribe { newRecorder.record($0) })
  }

  /// Stops recording and returns what was recorded (`nil` when not recording).
  public func stopRecording() -> Data? {
    guard let active = recorder else { return nil }
    store.unsubscribe(active.token)
    recorder = nil
    return active.recorder.data
  }

  /// Engine events (faults, provider loss and return, end of scenario) as they happen.
  public func events() -> AsyncStream<SimulationEvent> {
    let (stream, continuation) = AsyncStream.makeStream(of: SimulationEvent.self)
    let id = UUID()
    broadcaster.add(id, continuation)
    continuation.onTermination = { [broadcaster] _ in broadcaster.remove(id) }
    return stream
  }

  /// The real-time driver: steps the engine while playing until the task is cancelled.
  ///
  /// At a scaled rate it keeps virtual time at `rate` times the real time elapsed since playing
  /// resumed; with no rate it steps as fast as possible, yielding between steps.
  public func run() async throws(SignalValidationError) {
    let clock = ContinuousClock()
    var anchor: (real: ContinuousClock.Instant, virtual: Double, epoch: Int)?
    while !Task.isCancelled {
      guard playing, !engine.isFinished else {
        anchor = nil
        await waitForWakeUp()
        continue
      }
      guard let rate = rateValue else {
        try engine.step()
        await Task.yield()
        continue
      }
      if anchor?.epoch != clockEpoch { anchor = (clock.now, engine.elapsed, clockEpoch) }
      guard let start = anchor else { continue }
      let realSeconds = (clock.now - start.real) / .seconds(1)
      try engine.run(until: start.virtual + realSeconds * rate)
      try? await Task.sleep(for: .seconds(engine.scenario.tick / rate), tolerance: .milliseconds(1))
    }
  }

  private func makeEngine(_ scenario: Scenario) throws(SignalValidationError) -> SimulationEngine {
    try Self.makeEngine(scenario, store: store, broadcaster: broadcaster)
  }

  private static func makeEngine(
    _ scenario: Scenario, store: SignalStore, broadcaster: EventBroadcaster
  ) throws(SignalValidationError) -> SimulationEngine {
    let engine = try SimulationEngine(scenario: scenario, store: store)
    engine.onEvent = { broadcaster.yield($0) }
    return engine
  }

  private func waitForWakeUp() async {
    await withTaskCancellationHandler {
      await withCheckedContinuation { continuation in
        if Task.isCancelled { continuation.resume() } else { wakeUp = continuation }
      }
    } onCancel: {
      Task { await self.resumeLoop() }
    }
  }

  private func resumeLoop() {
    wakeUp?.resume()
    wakeUp = nil
  }
}
