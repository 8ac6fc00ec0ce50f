import Foundation
import Testing
import VehicleSignals
import VehicleSimulation

@Suite("Fault injection")
struct FaultTests {
  let catalog: SignalCatalog
  let store: SignalStore
  let log: ChangeLog

  init() throws {
    catalog = try Fixtures.catalog()
    store = SignalStore(catalog: catalog)
    log = ChangeLog(store)
  }

  /// 40 s at a steady 50 km/h while the outside temperature climbs 1 °C per second from 0.
  func engine(_ faults: [ScenarioEvent] = []) throws -> SimulationEngine {
    var scenario = Scenario(name: "faults", duration: 40)
    scenario.behaviours = [.motion]
    scenario.initial = [
      "Vehicle.Speed": .double(50), "Vehicle.Exterior.AirTemperature": .double(0),
      "Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed": .uint(40),
    ]
    scenario.timeline =
      [ScenarioEvent(time: 0, action: .ramp(path: "Vehicle.Exterior.AirTemperature", to: 40, over: 40))]
      + faults
    return try SimulationEngine(scenario: scenario, store: store)
  }

  func at(_ time: Double, _ kind: FaultKind, _ path: String?, for duration: Double?) -> ScenarioEvent {
    ScenarioEvent(time: time, action: .fault(Fault(kind: kind, path: path, duration: duration)))
  }

  @Test("dropout: the subscriber sees unavailable without a value, then the value again")
  func dropout() throws {
    try engine([at(10, .dropout, "Vehicle.Speed", for: 5)]).runToEnd()
    let readings = log.readings("Vehicle.Speed")
    #expect(readings.map(\.status) == [.available, .unavailable, .available])
    #expect(readings[1].value == nil)
    #expect(readings[1].timestamp == readings[0].timestamp.addingTimeInterval(10))
  }

  @Test("stuck: the published value stops following the model")
  func stuck() throws {
    let engine = try engine([at(10, .stuck, "Vehicle.Exterior.AirTemperature", for: 10)])
    try engine.run(until: 15)
    #expect(try store.read("Vehicle.Exterior.AirTemperature").value == .double(10))
    #expect(engine.modelValue("Vehicle.Exterior.AirTemperature") == .double(15))
    try engine.run(until: 25)
    #expect(try store.read("Vehicle.Exterior.AirTemperature").value == .double(25))
  }

  @Test("noise: readings scatter around the model value")
  func noise() throws {
    try engine([at(10, .noise(standardDeviation: 2), "Vehicle.Speed", for: 20)]).runToEnd()
    let values = log.readings("Vehicle.Speed").compactMap { $0.value?.numericValue }
    #expect(values.count > 150)
    let mean = values.reduce(0, +) / Double(values.count)
    #expect(abs(mean - 50) < 0.5)
    #expect(values.contains { abs($0 - 50) > 1 })
  }

  @Test("bias: readings are offset, then return")
  func bias() throws {
    let engine = try engine()
    try engine.run(until: 5)
    try engine.inject(Fault(kind: .bias(offset: 3.5), path: "Vehicle.Speed", duration: nil))
    try engine.step()
    #expect(try store.read("Vehicle.Speed").value == .double(53.5))
    engine.clearFaults(path: "Vehicle.Speed")
    try engine.step()
    #expect(try store.read("Vehicle.Speed").value == .double(50))
  }

  @Test("out-of-range: the subscriber sees status error with the impossible value")
  func outOfRange() throws {
    try engine([at(5, .outOfRange(value: nil), "Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed", for: 2)])
      .runToEnd()
    let readings = log.readings("Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed")
    #expect(readings.map(\.status) == [.available, .error, .available])
    #expect(readings[1].value == .uint(150))
  }

  @Test("stale timestamps: the subscriber sees stale, then fresh values")
  func staleTimestamps() throws {
    try engine([at(10, .staleTimestamps(lag: 8), "Vehicle.Speed", for: 5)]).runToEnd()
    let readings = log.readings("Vehicle.Speed")
    #expect(readings.map(\.status) == [.available, .stale, .available])
    #expect(readings[1].timestamp == readings[0].timestamp.addingTimeInterval(2))
  }

  @Test("provider loss: events announce the loss and return; readings go stale meanwhile")
  func providerLoss() throws {
    let events = EventLog()
    let engine = try engine([at(10, .providerLoss, nil, for: 8)])
    engine.onEvent = { events.append($0) }
    try engine.run(until: 12)
    #expect(!engine.isProviderAvailable)
    try engine.runToEnd()
    let loss = Fault(kind: .providerLoss, path: nil, duration: 8)
    #expect(
      events.events == [.faultStarted(loss), .providerLost, .faultEnded(loss), .providerRestored, .finished])
    #expect(log.readings("Vehicle.Speed").map(\.status) == [.available, .stale, .available])
  }

  @Test("faults on a non-numeric signal or without a path are refused")
  func invalidFaults() throws {
    let engine = try engine()
    #expect(throws: SignalValidationError.self) {
      try engine.inject(Fault(kind: .noise(standardDeviation: 1), path: "Vehicle.IsMoving", duration: 1))
    }
    #expect(throws: SignalValidationError.self) {
      try engine.inject(Fault(kind: .dropout, path: nil, duration: 1))
    }
    #expect(throws: SignalValidationError.self) {
      try engine.inject(Fault(kind: .outOfRange(value: nil), path: "Vehicle.Speed", duration: 1))
    }
    #expect(engine.activeFaults.isEmpty)
  }
}
