import Foundation
import Testing
import VehicleSignals
import VehicleSimulation

@Suite("Simulator control")
struct SimulatorTests {
  let catalog: SignalCatalog

  init() throws { catalog = try Fixtures.catalog() }

  func simulator(duration: Double = 60) throws -> Simulator {
    var scenario = Scenario(name: "control", duration: duration)
    scenario.timeline = [ScenarioEvent(time: 0, action: .ramp(path: "Vehicle.Speed", to: 60, over: 30))]
    return try Simulator(scenario: scenario, store: SignalStore(catalog: catalog))
  }

  @Test("rates outside 0.1...1000 are refused; nil means as fast as possible")
  func rates() async throws {
    let simulator = try simulator()
    await #expect(throws: SimulatorError.self) { try await simulator.setRate(0.05) }
    await #expect(throws: SimulatorError.self) { try await simulator.setRate(1001) }
    try await simulator.setRate(1000)
    #expect(await simulator.rate == 1000)
    try await simulator.setRate(nil)
    #expect(await simulator.rate == nil)
  }

  @Test("seeking back replays to exactly the same state")
  func seek() async throws {
    let simulator = try simulator()
    try await simulator.seek(to: 20)
    let at20 = try simulator.store.read("Vehicle.TraveledDistanceSinceStart")
    try await simulator.seek(to: 50)
    #expect(await simulator.status.time == 50)
    try await simulator.seek(to: 20)
    #expect(try simulator.store.read("Vehicle.TraveledDistanceSinceStart") == at20)
    await #expect(throws: SimulatorError.self) { try await simulator.seek(to: 61) }
  }

  @Test("set and fault commands act on the next step; recording captures the changes")
  func commands() async throws {
    let simulator = try simulator()
    await simulator.startRecording()
    try await simulator.set("Vehicle.Exterior.AirTemperature", to: .double(-3))
    try await simulator.inject(Fault(kind: .dropout, path: "Vehicle.Speed", duration: nil))
    await #expect(throws: SignalValidationError.self) {
      try await simulator.set("Vehicle.Exterior.AirTemperature", to: .string("cold"))
    }
    try await simulator.advance(by: 1)
    #expect(try simulator.store.read("Vehicle.Exterior.AirTemperature").value == .double(-3))
    #expect(try simulator.store.read("Vehicle.Speed").status == .unavailable)
    #expect(await simulator.status.faults.count == 1)
    await simulator.clearFaults(path: nil)
    try await simulator.advance(by: 1)
    #expect(try simulator.store.read("Vehicle.Speed").status == .available)
    let recording = try #require(await simulator.stopRecording())
    let text = try #require(String(data: recording, encoding: .utf8))
    #expect(
      text.contains("\"path\":\"Vehicle.Exterior.AirTemperature\",\"value\":-3.0,\"status\":\"available\""))
    #expect(text.contains("\"path\":\"Vehicle.Speed\",\"value\":null,\"status\":\"unavailable\""))
    #expect(await simulator.stopRecording() == nil)
  }

  @Test("the real-time driver plays a scenario at 1000x to its end", .timeLimit(.minutes(1)))
  func realTimeDriver() async throws {
    let simulator = try simulator(duration: 5)
    let events = await simulator.events()
    try await simulator.setRate(1000)
    let loop = Task { try await simulator.run() }
    await simulator.play()
    var finished = false
    for await event in events where event == .finished {
      finished = true
      break
    }
    loop.cancel()
    try await loop.value
    #expect(finished)
    let status = await simulator.status
    #expect(status.time == 5 && !status.isPlaying)
  }

  @Test("while paused the driver leaves virtual time alone, and cancelling ends it", .timeLimit(.minutes(1)))
  func pauseAndCancel() async throws {
    let simulator = try simulator()
    let loop = Task { try await simulator.run() }
    try await Task.sleep(for: .milliseconds(50))
    #expect(await simulator.status.time == 0)
    loop.cancel()
    try await loop.value
  }

  /// Regression: seeking while playing kept the driver's old clock anchor, so after a forward
  /// seek virtual time froze until real time caught up with the new position.
  @Test("seeking while playing continues from the new time", .timeLimit(.minutes(1)))
  func seekWhilePlaying() async throws {
    let simulator = try simulator(duration: 600)
    try await simulator.setRate(100)
    let loop = Task { try await simulator.run() }
    await simulator.play()
    try await Task.sleep(for: .milliseconds(50))
    try await simulator.seek(to: 300)
    // With the bug, time stood still for 3 s of real time (300 s at 100x); a loaded machine may
    // delay the driver a little, so progress is awaited for up to 2 s.
    var afterSeek = await simulator.status.time
    let deadline = ContinuousClock.now + .seconds(2)
    while afterSeek <= 305, ContinuousClock.now < deadline {
      try await Task.sleep(for: .milliseconds(20))
      afterSeek = await simulator.status.time
    }
    loop.cancel()
    try await loop.value
    #expect(afterSeek > 305 && afterSeek < 600)
  }
}
