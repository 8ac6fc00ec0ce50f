import Foundation
import Testing
import VehicleSignals
import VehicleSimulation

@Suite("Scenario files")
struct ScenarioTests {
  struct Broken: Sendable, CustomTestStringConvertible {
    let yaml: String
    let line: Int?
    let reason: String
    var testDescription: String { reason }
  }

  static let header = "name: broken\nduration: 60\n"

  static let broken: [Broken] = [
    Broken(yaml: header + "initial:\n  Vehicle.Speed: [1, 2\n", line: 5, reason: "not valid YAML"),
    Broken(yaml: "name: broken\n", line: 1, reason: "missing required key \"duration\""),
    Broken(yaml: header + "durration: 5\n", line: 3, reason: "unknown key \"durration\""),
    Broken(yaml: header + "duration: 70\n", line: 2, reason: "\"duration\" appears twice"),
    Broken(yaml: "name: broken\nduration: -5\n", line: 2, reason: "duration must be greater than 0"),
    Broken(
      yaml: header + "initial:\n  Vehicle.Warp.Factor: 9\n", line: 4,
      reason: "Vehicle.Warp.Factor: no such signal"),
    Broken(yaml: header + "initial:\n  Vehicle.IsMoving: maybe\n", line: 4, reason: "expects true or false"),
    Broken(
      yaml: header + "initial:\n  Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed: 140\n", line: 4,
      reason: "above max 100"),
    Broken(
      yaml: header + "initial:\n  Vehicle.Body.Windshield.Front.Wiping.Mode: TURBO\n", line: 4,
      reason: "not one of"),
    Broken(
      yaml: header
        + "timeline:\n  - at: 5\n    set: Vehicle.Speed\n    value: 3\n  - at: 90\n    set: Vehicle.Speed\n    value: 4\n",
      line: 7, reason: "outside 0...60"),
    Broken(
      yaml: header + "timeline:\n  - at: 5\n    actuate: Vehicle.Speed\n    value: 30\n", line: 5,
      reason: "only actuators accept actuate"),
    Broken(
      yaml: header + "timeline:\n  - at: 5\n    set: Vehicle.Speed\n    ramp: Vehicle.Speed\n", line: 4,
      reason: "exactly one of"),
    Broken(
      yaml: header + "timeline:\n  - at: 5\n    fault: melt\n    path: Vehicle.Speed\n", line: 5,
      reason: "unknown fault \"melt\""),
    Broken(
      yaml: header + "timeline:\n  - at: 5\n    fault: noise\n    path: Vehicle.IsMoving\n    amount: 1\n",
      line: 6,
      reason: "needs a numeric signal"),
    Broken(
      yaml: header
        + "timeline:\n  - at: 5\n    ramp: Vehicle.Body.Lights.LightSwitch\n    to: 3\n    over: 2\n",
      line: 5, reason: "only numeric signals can ramp"),
    Broken(yaml: header + "behaviours: [motion, teleport]\n", line: 3, reason: "unknown behaviour"),
    Broken(yaml: header + "trace:\n  file: traces/missing.csv\n", line: nil, reason: "cannot read the trace"),
    Broken(yaml: header + "start: yesterday\n", line: 3, reason: "ISO 8601"),
    Broken(yaml: header + "tick: 5\n", line: 3, reason: "tick must be at most 1 second"),
  ]

  @Test("a bad scenario file gives the file, the line and the reason", arguments: broken)
  func badScenario(_ broken: Broken) throws {
    let catalog = try Fixtures.catalog()
    #expect {
      try Fixtures.scenario(broken.yaml, catalog: catalog, source: "bad.yaml")
    } throws: { error in
      guard let error = error as? ScenarioError else { return false }
      let fileMatches = broken.line == nil || error.file == "bad.yaml"
      return fileMatches && error.line == broken.line && error.reason.contains(broken.reason)
    }
  }

  @Test("a bad file on disk is reported with its path and nothing is loaded")
  func badFileOnDisk() async throws {
    let catalog = try Fixtures.catalog()
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cabin-scenario-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("typo.yaml")
    try Data((Self.header + "initial:\n  Vehicle.Sped: 3\n").utf8).write(to: url)
    let simulator = try Simulator(
      scenario: try Scenario.load(
        contentsOf: Fixtures.scenarios.appendingPathComponent("city-rain.yaml"), catalog: catalog),
      store: SignalStore(catalog: catalog))
    await #expect(
      throws: ScenarioError(file: url.path, line: 4, reason: "Vehicle.Sped: no such signal in the catalog")
    ) {
      try await simulator.load(contentsOf: url)
    }
    #expect(await simulator.status.scenario == "City drive with a rain shower")
  }

  static let shipped = ["city-rain.yaml", "highway-night.yaml", "parked-charging.yaml", "cold-morning.yaml"]

  @Test("each shipped scenario loads and runs for its whole duration", arguments: shipped)
  func shippedScenario(_ file: String) throws {
    let catalog = try Fixtures.catalog()
    let scenario = try Scenario.load(
      contentsOf: Fixtures.scenarios.appendingPathComponent(file), catalog: catalog)
    let store = SignalStore(catalog: catalog)
    let engine = try SimulationEngine(scenario: scenario, store: store)
    try engine.runToEnd()
    #expect(engine.isFinished)
    #expect(abs(engine.elapsed - scenario.duration) < scenario.tick)
    let readings = store.snapshot()
    #expect(readings.count >= 30)
    #expect(
      readings.values.allSatisfy { $0.status == .available },
      "\(readings.filter { $0.value.status != .available }.keys)")
  }

  @Test("a scenario can drive from its own CSV trace relative to the file")
  func relativeTrace() throws {
    let catalog = try Fixtures.catalog()
    let scenario = try Scenario.load(
      contentsOf: Fixtures.scenarios.appendingPathComponent("city-rain.yaml"), catalog: catalog)
    guard case .drive(let trace) = scenario.trace else {
      Issue.record("city-rain.yaml should have a drive trace")
      return
    }
    #expect(trace.duration > 800 && trace.distance > 5000)
  }

  @Test("a scenario's freshness bounds reach the store: a 2 s bound makes a 3 s lag stale")
  func freshnessFromScenario() throws {
    let catalog = try Fixtures.catalog()
    let yaml = """
      name: freshness
      duration: 20
      freshness:
        Vehicle.Speed: 2
        Vehicle.Cabin: null
      initial:
        Vehicle.Speed: 30
        Vehicle.Exterior.AirTemperature: 5
      timeline:
        - at: 5
          fault: stale
          path: Vehicle.Speed
          amount: 3
        - at: 5
          fault: stale
          path: Vehicle.Exterior.AirTemperature
          amount: 3
      """
    let scenario = try Fixtures.scenario(yaml, catalog: catalog)
    let store = SignalStore(catalog: catalog)
    let engine = try SimulationEngine(scenario: scenario, store: store)
    try engine.run(until: 6)
    #expect(try store.read("Vehicle.Speed").status == .stale)
    #expect(try store.read("Vehicle.Exterior.AirTemperature").status == .available)
    #expect(
      store.freshness.bound(for: try catalog.definition("Vehicle.Cabin.HVAC.IsAirConditioningActive")) == nil)
  }

  @Test("a scenario can replay a JSON Lines recording given as its trace")
  func recordingTrace() throws {
    let catalog = try Fixtures.catalog()
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cabin-trace-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let lines = [
      RecordedEvent(time: 0, path: "Vehicle.Speed", value: .double(0), status: .available),
      RecordedEvent(time: 2, path: "Vehicle.Speed", value: .double(36), status: .available),
      RecordedEvent(time: 4, path: "Vehicle.Exterior.AirTemperature", value: nil, status: .unavailable),
    ].map(SignalRecordingFormat.line(for:))
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(
      to: directory.appendingPathComponent("run.jsonl"))
    let yamlURL = directory.appendingPathComponent("replay.yaml")
    try Data("name: replay\nduration: 10\nbehaviours: []\ntrace:\n  file: run.jsonl\n".utf8).write(
      to: yamlURL)
    let scenario = try Scenario.load(contentsOf: yamlURL, catalog: catalog)
    let store = SignalStore(catalog: catalog)
    let engine = try SimulationEngine(scenario: scenario, store: store)
    try engine.run(until: 3)
    #expect(try store.read("Vehicle.Speed").value == .double(36))
    try engine.runToEnd()
    #expect(try store.read("Vehicle.Exterior.AirTemperature").status == .unavailable)
  }
}
