import CabinDBus
import CabinTestKit
import Foundation
import Testing

@Suite("a service that loses its name", .timeLimit(.minutes(1)))
struct NameLossTests {
  @Test(
    "cabin-sim logs and exits non-zero when another connection replaces one of its names",
    arguments: ["org.cabin.Vehicle1", "org.cabin.Simulator1"])
  func simulatorExitsOnLoss(name: String) async throws {
    let bus = try PrivateBus()
    defer { bus.stop() }
    let busName = try BusName(validating: name)
    async let simulator = ExternalTool.run(
      ExternalTool.built("cabin-sim"),
      [
        "--scenario", "city-rain", "--bus", bus.address, "--config-dir",
        PrivateBus.packageRoot.appendingPathComponent("Config").path,
      ], timeout: .seconds(45))
    let rival = try bus.connect()
    defer { rival.close() }
    let deadline = ContinuousClock.now + .seconds(30)
    while try await rival.nameOwner(busName) == nil {
      try #require(ContinuousClock.now < deadline, "cabin-sim never owned \(name)")
      try await Task.sleep(for: .milliseconds(50))
    }
    #expect(try await rival.requestName(busName, flags: [.replaceExisting, .doNotQueue]) == .primaryOwner)
    let result = try await simulator
    #expect(result.status != 0)
    #expect(result.error.contains("lost a well-known name"), "\(result.error)")
    #expect(result.error.contains("dbus.name=\(name)"), "\(result.error)")
  }
}
