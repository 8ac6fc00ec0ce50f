import Foundation
import Synchronization
import Testing
import VehicleSignals

@Suite("Signal store")
struct SignalStoreTests {
  let store: SignalStore
  let t0 = Date(timeIntervalSince1970: 1_800_000_000)

  init() throws { store = SignalStore(catalog: try Fixtures.projectCatalog()) }

  /// Collects every batch a subscriber receives.
  final class Collector: Sendable {
    let batches = Mutex<[SignalBatch]>([])
    var changes: [SignalChange] { batches.withLock { $0.flatMap(\.changes) } }
  }

  func collect() -> Collector {
    let collector = Collector()
    _ = store.subscribe { batch in collector.batches.withLock { $0.append(batch) } }
    return collector
  }

  @Test("published values are readable with status, timestamp and source")
  func publishAndRead() throws {
    try store.publish(
      [SignalUpdate(path: "Vehicle.Speed", value: .int(50), timestamp: t0)], source: "test", now: t0)
    let reading = try store.read("Vehicle.Speed")
    #expect(reading == SignalReading(value: .double(50), status: .available, timestamp: t0, source: "test"))
    #expect(try store.read("Vehicle.IsMoving").status == .unavailable)
    #expect(throws: SignalValidationError.self) { try store.read("Vehicle.Nope") }
  }

  @Test("subscribers get a change only when value or status changes")
  func changeSemantics() throws {
    let collector = collect()
    let update = SignalUpdate(path: "Vehicle.Speed", value: .double(30), timestamp: t0)
    try store.publish([update], source: "test", now: t0)
    try store.publish([update], source: "test", now: t0.addingTimeInterval(1))
    try store.publish(
      [SignalUpdate(path: "Vehicle.Speed", value: nil, status: .unavailable, timestamp: t0)], source: "test",
      now: t0.addingTimeInterval(2))
    #expect(collector.changes.map(\.reading.status) == [.available, .unavailable])
    #expect(collector.changes.last?.reading.value == nil)
  }

  @Test("a signal not refreshed within its bound turns stale and subscribers see it")
  func freshness() throws {
    let collector = collect()
    try store.publish(
      [SignalUpdate(path: "Vehicle.Speed", value: .double(30), timestamp: t0)], source: "test", now: t0)
    #expect(store.expireStale(now: t0.addingTimeInterval(4.9)).changes.isEmpty)
    let batch = store.expireStale(now: t0.addingTimeInterval(5.1))
    #expect(batch.changes.map(\.path) == ["Vehicle.Speed"])
    #expect(try store.read("Vehicle.Speed").status == .stale)
    #expect(collector.changes.last?.reading.status == .stale)
    #expect(collector.changes.last?.reading.value == .double(30))
  }

  @Test("freshness bounds can be overridden per signal or branch, or switched off")
  func freshnessOverrides() throws {
    let catalog = try Fixtures.projectCatalog()
    let overrides: [String: Double?] = ["Vehicle.Speed": 1, "Vehicle.Cabin": nil]
    let policy = FreshnessPolicy(overrides: overrides)
    #expect(policy.bound(for: try catalog.definition("Vehicle.Speed")) == 1)
    #expect(policy.bound(for: try catalog.definition("Vehicle.Cabin.HVAC.IsAirConditioningActive")) == nil)
    #expect(policy.bound(for: try catalog.definition("Vehicle.IsMoving")) == 5)
    #expect(policy.bound(for: try catalog.definition("Vehicle.Powertrain.Type")) == nil)
    store.reset(freshness: policy)
    try store.publish(
      [SignalUpdate(path: "Vehicle.Speed", value: .double(30), timestamp: t0)], source: "test", now: t0)
    #expect(store.expireStale(now: t0.addingTimeInterval(1.5)).changes.first?.reading.status == .stale)
  }

  @Test("an update already older than its bound arrives stale")
  func staleTimestamp() throws {
    let batch = try store.publish(
      [SignalUpdate(path: "Vehicle.Speed", value: .double(30), timestamp: t0.addingTimeInterval(-10))],
      source: "test", now: t0)
    #expect(batch.changes.first?.reading.status == .stale)
  }

  @Test("a provider value outside the range is kept with status error")
  func providerOutOfRange() throws {
    let batch = try store.publish(
      [
        SignalUpdate(
          path: "Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed", value: .uint(150), timestamp: t0)
      ],
      source: "test", now: t0)
    #expect(
      batch.changes.first?.reading
        == SignalReading(value: .uint(150), status: .error, timestamp: t0, source: "test"))
  }

  @Test("a provider value of the wrong type rejects the whole publication")
  func providerWrongType() throws {
    #expect(throws: SignalValidationError.self) {
      try store.publish(
        [
          SignalUpdate(path: "Vehicle.Speed", value: .double(1), timestamp: t0),
          SignalUpdate(path: "Vehicle.IsMoving", value: .string("no"), timestamp: t0),
        ], source: "test", now: t0)
    }
    #expect(store.snapshot().isEmpty)
  }

  @Test("actuation requests are validated, remembered as targets and queued once")
  func actuation() throws {
    let path = "Vehicle.Cabin.Door.Row1.DriverSide.Window.Position"
    #expect(try store.requestActuation(path, to: .int(60), source: "client") == .uint(60))
    #expect(store.target(of: path) == .uint(60))
    #expect(
      store.takeActuationRequests() == [ActuationRequest(path: path, value: .uint(60), source: "client")])
    #expect(store.takeActuationRequests().isEmpty)
    #expect(throws: SignalValidationError.self) {
      try store.requestActuation("Vehicle.Speed", to: .double(1), source: "c")
    }
    #expect(store.takeActuationRequests().isEmpty)
  }

  @Test("the async sequence delivers batches and ends its subscription when dropped")
  func asyncBatches() async throws {
    let stream = store.batches()
    try store.publish(
      [SignalUpdate(path: "Vehicle.Speed", value: .double(12), timestamp: t0)], source: "test", now: t0)
    var iterator = stream.makeAsyncIterator()
    let batch = try #require(await iterator.next())
    #expect(batch.changes.map(\.path) == ["Vehicle.Speed"])
    #expect(batch.time == t0)
  }
}
