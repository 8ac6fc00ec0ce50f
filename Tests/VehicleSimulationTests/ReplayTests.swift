import Foundation
import Testing
import VehicleSignals
import VehicleSimulation

@Suite("Drive-trace replay")
struct ReplayTests {
  struct Cycle: Sendable, CustomTestStringConvertible {
    let file: String
    let duration: Double
    let kilometres: Double
    var testDescription: String { file }
  }

  static let cycles: [Cycle] = [
    Cycle(file: "fastsim_udds.csv", duration: 1369, kilometres: 11.99),
    Cycle(file: "fastsim_hwfet.csv", duration: 765, kilometres: 16.51),
    Cycle(file: "fastsim_wltc_3b.csv", duration: 1800, kilometres: 23.27),
    Cycle(file: "fastsim_us06.csv", duration: 600, kilometres: 12.89),
  ]

  @Test("replaying a standard cycle integrates to its distance within 0.5%", arguments: cycles)
  func distance(_ cycle: Cycle) throws {
    let catalog = try Fixtures.catalog()
    let trace = try DriveTrace(csvContentsOf: Fixtures.driveCycles.appendingPathComponent(cycle.file))
    #expect(trace.duration == cycle.duration)
    var scenario = Scenario(name: cycle.file, duration: trace.duration)
    scenario.trace = .drive(trace)
    scenario.behaviours = [.motion]
    let store = SignalStore(catalog: catalog)
    let engine = try SimulationEngine(scenario: scenario, store: store)
    try engine.runToEnd()
    let reading = try store.read("Vehicle.TraveledDistanceSinceStart")
    let metres = try #require(reading.value?.numericValue)
    #expect(abs(metres / 1000 - cycle.kilometres) / cycle.kilometres < 0.005, "\(metres) m")
    #expect(abs(trace.distance / 1000 - cycle.kilometres) / cycle.kilometres < 0.005)
    #expect(try store.read("Vehicle.IsMoving").value == .bool(false))
  }

  @Test("a byte-order mark before the header is skipped")
  func byteOrderMark() throws {
    let trace = try DriveTrace(
      csv: "\u{FEFF}cycSecs,cycMps,cycGrade,cycRoadType\n0,0,0,0\n1,2.5,0,0\n", source: "bom.csv")
    #expect(trace.samples.count == 2)
    #expect(trace.speed(at: 0.5) == 1.25)
  }

  @Test(
    "a broken trace names the file, line and reason",
    arguments: [
      ("speed,time\n0,0\n", 1, "header"),
      ("cycSecs,cycMps\n0,0\n1,fast\n", 3, "cycMps"),
      ("cycSecs,cycMps\n0,0\n2,1\n1,1\n", 4, "does not increase"),
      ("cycSecs,cycMps\n0,0\n1\n", 3, "expected 2 fields"),
      ("cycSecs,cycMps\n0,-3\n", 2, "speed >= 0"),
    ])
  func brokenTrace(_ text: String, _ line: Int, _ reason: String) {
    #expect {
      try DriveTrace(csv: text, source: "bad.csv")
    } throws: { error in
      guard let error = error as? ScenarioError else { return false }
      return error.file == "bad.csv" && error.line == line && error.reason.contains(reason)
        && error.description.hasPrefix("bad.csv:\(line): ")
    }
  }
}
