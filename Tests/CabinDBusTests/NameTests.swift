import CabinDBus
import CabinService
import CabinTestKit
import Foundation
import Logging
import Testing

@Suite("Bus names and the service host", .timeLimit(.minutes(1)))
struct NameTests {
  @Test func doNotQueueOnAnOwnedNameAnswersExists() async throws {
    let fixture = try await BusFixture()
    let other = try fixture.bus.connect()
    defer { other.close() }
    #expect(try await other.requestName(TestObject.name, flags: .doNotQueue) == .exists)
    #expect(try await fixture.server.requestName(TestObject.name) == .alreadyOwner)
    #expect(try await other.nameOwner(TestObject.name) == fixture.server.uniqueName)
  }

  @Test func replaceExistingTakesANameThatAllowsReplacement() async throws {
    let bus = try PrivateBus()
    defer { bus.stop() }
    let first = try bus.connect()
    let second = try bus.connect()
    defer {
      first.close()
      second.close()
    }
    let name: BusName = "org.cabin.Swap1"
    let lost = try await first.signals(
      matching: DBusMatchRule(
        sender: .bus, path: "/org/freedesktop/DBus", interface: .bus, member: "NameLost", arg0: name.rawValue)
    )
    #expect(try await first.requestName(name, flags: [.allowReplacement]) == .primaryOwner)
    #expect(try await second.requestName(name, flags: [.replaceExisting, .doNotQueue]) == .primaryOwner)
    let signal = try #require(await firstMessage(of: lost))
    #expect(signal.body == [.string(name.rawValue)])
    #expect(try await first.nameOwner(name) == second.uniqueName)
  }

  @Test func replaceExistingFailsWithoutAllowReplacement() async throws {
    let fixture = try await BusFixture()
    let other = try fixture.bus.connect()
    defer { other.close() }
    #expect(try await other.requestName(TestObject.name, flags: [.replaceExisting, .doNotQueue]) == .exists)
  }

  @Test func serviceHostStopsWhenItsBusGoesAway() async throws {
    let bus = try PrivateBus()
    let interface = TestObject.makeInterface()
    let host = DBusServiceHost(
      definition: DBusServiceDefinition(
        busName: "org.cabin.Hosted1", objects: [(TestObject.path, [interface])]),
      bus: .address(bus.address), logger: Logger(label: "test"))
    let running = Task { try await host.run() }
    let client = try bus.connect()
    let deadline = ContinuousClock.now + .seconds(10)
    while try await client.nameOwner("org.cabin.Hosted1") == nil {
      try #require(ContinuousClock.now < deadline, "the host never owned its name")
      try await Task.sleep(for: .milliseconds(20))
    }
    client.close()
    let started = ContinuousClock.now
    bus.stop()
    _ = try? await running.value
    #expect(ContinuousClock.now - started < .seconds(5))
  }
}
