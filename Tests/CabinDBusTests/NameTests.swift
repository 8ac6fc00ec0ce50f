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

  @Test func serviceHostStopsWithAnErrorWhenAnotherConnectionTakesItsName() async throws {
    let bus = try PrivateBus()
    defer { bus.stop() }
    let host = DBusServiceHost(
      definition: DBusServiceDefinition(
        busName: "org.cabin.Hosted1", objects: [(TestObject.path, [TestObject.makeInterface()])]),
      bus: .address(bus.address), logger: Logger(label: "test"))
    let running = Task { try await host.run() }
    let rival = try bus.connect()
    defer { rival.close() }
    let deadline = ContinuousClock.now + .seconds(10)
    while try await rival.nameOwner("org.cabin.Hosted1") == nil {
      try #require(ContinuousClock.now < deadline, "the host never owned its name")
      try await Task.sleep(for: .milliseconds(20))
    }
    #expect(
      try await rival.requestName("org.cabin.Hosted1", flags: [.replaceExisting, .doNotQueue])
        == .primaryOwner)
    do {
      try await running.value
      Issue.record("the host must fail when its name is taken")
    } catch let lost as BusNameLost {
      #expect(lost.name == "org.cabin.Hosted1")
      #expect(lost.newOwner == rival.uniqueName)
    }
  }

  @Test func aNameReleasedOnPurposeAndRequestedAgainIsNoLoss() async throws {
    let bus = try PrivateBus()
    defer { bus.stop() }
    let connection = try bus.connect()
    let rival = try bus.connect()
    defer {
      connection.close()
      rival.close()
    }
    let names = try await OwnedBusNames(connection: connection)
    let name: BusName = "org.cabin.Flapping1"
    let watching = Task { try await names.watch() }
    for _ in 0..<3 {
      try await names.request(name)
      try await names.release(name)
    }
    try await names.request(name)
    // The NameLost of each release has reached the watch by the time a Ping round trip is done.
    _ = try await connection.call(
      destination: .bus, path: "/org/freedesktop/DBus", interface: .peer, member: "Ping")
    try await Task.sleep(for: .milliseconds(200))
    #expect(try await connection.nameOwner(name) == connection.uniqueName)
    #expect(try await rival.requestName(name, flags: [.replaceExisting, .doNotQueue]) == .primaryOwner)
    do {
      try await watching.value
      Issue.record("losing a held name must end the watch with BusNameLost")
    } catch let lost as BusNameLost {
      #expect(lost.name == name)
      #expect(lost.newOwner == rival.uniqueName)
    }
  }
}
