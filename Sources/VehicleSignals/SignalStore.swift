public import Foundation
import Synchronization

/// An actuation request a client made: the target value for an actuator.
public struct ActuationRequest: Sendable, Hashable {
  /// The actuator's path.
  public let path: String
  /// The validated target value.
  public let value: SignalValue
  /// Who asked (a D-Bus sender, `cli`, `scenario`).
  public let source: String

  /// Creates a request.
  public init(path: String, value: SignalValue, source: String) {
    self.path = path
    self.value = value
    self.source = source
  }
}

/// Identifies a change subscription for ``SignalStore/unsubscribe(_:)``.
public struct SubscriptionToken: Sendable, Hashable {
  fileprivate let id: UInt64
}

/// The current readings of every signal of a catalog, with validation, freshness and change
/// notification. Safe to use from any thread.
///
/// A provider (the simulator, a gateway) calls ``publish(_:source:now:)``; clients read, ask for
/// actuation with ``requestActuation(_:to:source:)`` and subscribe to batches of changes. A change is
/// reported when a signal's value or status differs from its previous reading.
public final class SignalStore: Sendable {
  /// The catalog every value is checked against.
  public let catalog: SignalCatalog

  private struct State {
    var freshness: FreshnessPolicy
    var readings: [String: SignalReading] = [:]
    var targets: [String: SignalValue] = [:]
    var pendingActuations: [ActuationRequest] = []
    var subscribers: [UInt64: @Sendable (SignalBatch) -> Void] = [:]
    var nextSubscriber: UInt64 = 0
  }

  private let state: Mutex<State>

  /// Creates an empty store; every signal starts without a value.
  public init(catalog: SignalCatalog, freshness: FreshnessPolicy = FreshnessPolicy()) {
    self.catalog = catalog
    self.state = Mutex(State(freshness: freshness))
  }

  /// The freshness bounds in force.
  public var freshness: FreshnessPolicy { state.withLock { $0.freshness } }

  /// The current reading of a signal; a signal never published reads as unavailable at the epoch.
  public func read(_ path: String) throws(SignalValidationError) -> SignalReading {
    _ = try catalog.definition(path)
    return state.withLock { $0.readings[path] } ?? Self.neverPublished
  }

  /// The readings of every signal at or below a path that has been published, keyed by path.
  public func readings(under path: String) -> [String: SignalReading] {
    state.withLock { state in
      state.readings.filter { SignalPath.isPath($0.key, within: path) }
    }
  }

  /// Every published reading, keyed by path.
  public func snapshot() -> [String: SignalReading] { state.withLock { $0.readings } }

  /// The last target requested for an actuator, if any.
  public func target(of path: String) -> SignalValue? { state.withLock { $0.targets[path] } }

  /// Validates an actuation request (the signal must be an actuator; type, range and allowed list
  /// are checked), records the target and queues it for the provider. Returns the normalized value.
  @discardableResult
  public func requestActuation(_ path: String, to value: SignalValue, source: String)
    throws(SignalValidationError)
    -> SignalValue
  {
    let normalized = try catalog.definition(path).validateActuation(value)
    state.withLock { state in
      state.targets[path] = normalized
      state.pendingActuations.append(ActuationRequest(path: path, value: normalized, source: source))
    }
    return normalized
  }

  /// Removes and returns the queued actuation requests, oldest first (the provider's side).
  public func takeActuationRequests() -> [ActuationRequest] {
    state.withLock { state in
      defer { state.pendingActuations.removeAll() }
      return state.pendingActuations
    }
  }

  /// Applies a provider's updates, then turns every reading older than its freshness bound stale,
  /// and notifies subscribers of the resulting batch (when it is not empty).
  ///
  /// Unknown paths and values of the wrong type are provider bugs and reject the whole call. A value
  /// outside the signal's range or allowed list is kept but its status becomes `error`, so
  /// consumers see the fault. An update whose timestamp is already older than the bound is stored
  /// as `stale`.
  @discardableResult
  public func publish(_ updates: [SignalUpdate], source: String, now: Date) throws(SignalValidationError)
    -> SignalBatch
  {
    var accepted: [(SignalDefinition, SignalUpdate)] = []
    for var update in updates {
      let definition = try catalog.definition(update.path)
      if let value = update.value {
        do {
          update.value = try definition.validate(value)
        } catch let error where error.rule == .outOfRange || error.rule == .notAllowed {
          update.status = .error
        }
      }
      accepted.append((definition, update))
    }
    let batch = state.withLock { state in
      var changed: [String: SignalReading] = [:]
      for (definition, update) in accepted {
        var reading = SignalReading(
          value: update.status == .unavailable ? nil : update.value, status: update.status,
          timestamp: update.timestamp, source: source)
        if reading.status == .available,
          isExpired(definition, policy: state.freshness, timestamp: reading.timestamp, now: now)
        {
          reading.status = .stale
        }
        let previous = state.readings[update.path]
        state.readings[update.path] = reading
        if previous?.value != reading.value || previous?.status != reading.status {
          changed[update.path] = reading
        }
      }
      expire(&state, now: now, into: &changed)
      return SignalBatch(
        time: now,
        changes: changed.sorted { $0.key < $1.key }.map { SignalChange(path: $0.key, reading: $0.value) })
    }
    notify(batch)
    return batch
  }

  /// Turns every reading older than its freshness bound stale and notifies subscribers.
  @discardableResult
  public func expireStale(now: Date) -> SignalBatch {
    let batch = state.withLock { state in
      var changed: [String: SignalReading] = [:]
      expire(&state, now: now, into: &changed)
      return SignalBatch(
        time: now,
        changes: changed.sorted { $0.key < $1.key }.map { SignalChange(path: $0.key, reading: $0.value) })
    }
    notify(batch)
    return batch
  }

  /// Forgets every reading, target and queued request and puts a new freshness policy in force;
  /// subscribers stay.
  public func reset(freshness: FreshnessPolicy) {
    state.withLock { state in
      state.freshness = freshness
      state.readings.removeAll()
      state.targets.removeAll()
      state.pendingActuations.removeAll()
    }
  }

  /// Calls `handler` with every non-empty batch, synchronously on the publishing thread.
  public func subscribe(_ handler: @escaping @Sendable (SignalBatch) -> Void) -> SubscriptionToken {
    state.withLock { state in
      state.nextSubscriber += 1
      state.subscribers[state.nextSubscriber] = handler
      return SubscriptionToken(id: state.nextSubscriber)
    }
  }

  /// Stops a subscription.
  public func unsubscribe(_ token: SubscriptionToken) {
    _ = state.withLock { $0.subscribers.removeValue(forKey: token.id) }
  }

  /// The batches as an asynchronous sequence; ends the subscription when the iteration stops.
  public func batches(bufferingNewest limit: Int = 1024) -> AsyncStream<SignalBatch> {
    let (stream, continuation) = AsyncStream.makeStream(
      of: SignalBatch.self, bufferingPolicy: .bufferingNewest(limit))
    let token = subscribe { continuation.yield($0) }
    continuation.onTermination = { [weak self] _ in self?.unsubscribe(token) }
    return stream
  }

  private static let neverPublished = SignalReading(
    value: nil, status: .unavailable, timestamp: Date(timeIntervalSince1970: 0), source: "")

  private func isExpired(_ definition: SignalDefinition, policy: FreshnessPolicy, timestamp: Date, now: Date)
    -> Bool
  {
    guard let bound = policy.bound(for: definition) else { return false }
    return now.timeIntervalSince(timestamp) > bound
  }

  private func expire(_ state: inout State, now: Date, into changed: inout [String: SignalReading]) {
    for (path, reading) in state.readings where reading.status == .available {
      guard let definition = catalog.signals[path],
        isExpired(definition, policy: state.freshness, timestamp: reading.timestamp, now: now)
      else { continue }
      var stale = reading
      stale.status = .stale
      state.readings[path] = stale
      changed[path] = stale
    }
  }

  private func notify(_ batch: SignalBatch) {
    guard !batch.changes.isEmpty else { return }
    let handlers = state.withLock { $0.subscribers.sorted { $0.key < $1.key }.map(\.value) }
    for handler in handlers { handler(batch) }
  }
}
