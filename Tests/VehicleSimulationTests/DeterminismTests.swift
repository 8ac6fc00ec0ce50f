import Foundation
import Testing
import VehicleSignals
import VehicleSimulation

@Suite("Determinism and recordings")
struct DeterminismTests {
  /// Runs a scenario to its end with a recorder attached and returns the JSON Lines bytes.
  func record(_ scenario: Scenario, catalog: SignalCatalog) throws -> Data {
    let store = SignalStore(catalog: catalog)
    let recorder = SignalRecorder(start: scenario.start)
    _ = store.subscribe { recorder.record($0) }
    let engine = try SimulationEngine(scenario: scenario, store: store)
    try engine.runToEnd()
    return recorder.data
  }

  func noisyCity(seed: UInt64, catalog: SignalCatalog) throws -> Scenario {
    var scenario = try Scenario.load(
      contentsOf: Fixtures.scenarios.appendingPathComponent("city-rain.yaml"), catalog: catalog)
    scenario.seed = seed
    scenario.timeline.append(
      ScenarioEvent(
        time: 100,
        action: .fault(Fault(kind: .noise(standardDeviation: 2), path: "Vehicle.Speed", duration: 60))))
    return scenario
  }

  @Test("the same scenario and seed record the same bytes")
  func sameSeedSameBytes() throws {
    let catalog = try Fixtures.catalog()
    let first = try record(try noisyCity(seed: 42, catalog: catalog), catalog: catalog)
    let second = try record(try noisyCity(seed: 42, catalog: catalog), catalog: catalog)
    #expect(first.count > 100_000)
    #expect(first == second)
    let other = try record(try noisyCity(seed: 43, catalog: catalog), catalog: catalog)
    #expect(other != first)
  }

  @Test("a recording parses back and replays to the same readings")
  func recordingRoundTrip() throws {
    let catalog = try Fixtures.catalog()
    var scenario = Scenario(name: "short", duration: 30)
    scenario.initial = ["Vehicle.Exterior.AirTemperature": .double(12)]
    scenario.timeline = [ScenarioEvent(time: 1, action: .ramp(path: "Vehicle.Speed", to: 50, over: 10))]
    let bytes = try record(scenario, catalog: catalog)
    let text = try #require(String(data: bytes, encoding: .utf8))
    let events = try SignalRecordingFormat.parse(text, source: "run.jsonl", catalog: catalog)
    #expect(events.contains { $0.path == "Vehicle.Speed" && $0.value == .double(50) })
    #expect(text.split(separator: "\n").first?.hasPrefix("{\"time\":0.000,\"path\":\"Vehicle.") == true)

    var replay = Scenario(name: "replay", duration: 30)
    replay.behaviours = []
    replay.trace = .recording(events)
    let store = SignalStore(catalog: catalog)
    let engine = try SimulationEngine(scenario: replay, store: store)
    try engine.runToEnd()
    #expect(try store.read("Vehicle.Speed").value == .double(50))
    #expect(
      try store.read("Vehicle.TraveledDistanceSinceStart").value
        == events.last { $0.path == "Vehicle.TraveledDistanceSinceStart" }?.value)
  }

  @Test(
    "a broken recording names the file, line and reason",
    arguments: [
      ("{\"time\":0,\"path\":\"Vehicle.Speed\",\"value\":1,\"status\":\"available\"}\n{oops}\n", 2, "JSON"),
      ("{\"time\":0,\"path\":\"Vehicle.Warp\",\"value\":1,\"status\":\"available\"}\n", 1, "no such signal"),
      (
        "{\"time\":0,\"path\":\"Vehicle.Speed\",\"value\":\"fast\",\"status\":\"available\"}\n", 1,
        "not a float"
      ),
      (
        "{\"time\":5,\"path\":\"Vehicle.Speed\",\"value\":1,\"status\":\"available\"}\n{\"time\":4,\"path\":\"Vehicle.Speed\",\"value\":1,\"status\":\"available\"}\n",
        2, "backwards"
      ),
      ("{\"time\":0,\"path\":\"Vehicle.Speed\",\"value\":1,\"status\":\"fine\"}\n", 1, "status"),
    ])
  func brokenRecording(_ text: String, _ line: Int, _ reason: String) throws {
    let catalog = try Fixtures.catalog()
    #expect {
      try SignalRecordingFormat.parse(text, source: "rec.jsonl", catalog: catalog)
    } throws: { error in
      guard let error = error as? ScenarioError else { return false }
      return error.file == "rec.jsonl" && error.line == line && error.reason.contains(reason)
    }
  }
}
