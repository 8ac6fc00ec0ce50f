import CabinDBus
import CabinTestKit
import Foundation
import Testing

@Suite("Properties, signals and the object manager on a private bus", .timeLimit(.minutes(1)))
struct PropertySignalTests {
  private func properties(_ fixture: BusFixture, _ member: MemberName, _ arguments: [DBusValue]) async throws
    -> [DBusValue]
  {
    try await fixture.client.call(
      destination: TestObject.name, path: TestObject.path, interface: .properties, member: member, arguments)
  }

  @Test func getSetAndGetAll() async throws {
    let fixture = try await BusFixture()
    let interface = DBusValue.string(TestObject.interfaceName.rawValue)
    #expect(try await properties(fixture, "Get", [interface, .string("Volume")]) == [.variant(.uint32(5))])
    _ = try await properties(fixture, "Set", [interface, .string("Volume"), .variant(.uint32(8))])
    #expect(try await properties(fixture, "Get", [interface, .string("Volume")]) == [.variant(.uint32(8))])
    let all = try [String: DBusVariant](
      dbusValue: try #require(try await properties(fixture, "GetAll", [interface]).first))
    #expect(
      all == [
        "Name": DBusVariant(.string("cabin")), "Volume": DBusVariant(.uint32(8)),
        "Count": DBusVariant(.int32(0)),
      ])
    do {
      _ = try await properties(fixture, "Get", [interface, .string("Secret")])
      Issue.record("a write-only property was read")
    } catch DBusError.Name.accessDenied {}
    do {
      _ = try await properties(fixture, "Set", [interface, .string("Name"), .variant(.string("x"))])
      Issue.record("a read-only property was written")
    } catch DBusError.Name.propertyReadOnly {}
    do {
      _ = try await properties(fixture, "Get", [interface, .string("Missing")])
      Issue.record("an unknown property was read")
    } catch DBusError.Name.unknownProperty {}
  }

  @Test func aBatchOfChangesIsOnePropertiesChangedSignal() async throws {
    let fixture = try await BusFixture()
    let changes = try await fixture.client.signals(
      matching: DBusMatchRule(
        sender: TestObject.name, path: TestObject.path, interface: .properties, member: "PropertiesChanged"))
    var iterator = changes.makeAsyncIterator()
    try fixture.interface.setProperties(["Volume": .uint32(7), "Count": .int32(3), "Name": .string("batch")])
    // A later single change marks the end: whatever arrives before it belongs to the batch.
    try fixture.interface.setProperty("Volume", .uint32(1))
    let batch = try #require(await iterator.next())
    #expect(batch.body.count == 3)
    #expect(batch.body.first == .string(TestObject.interfaceName.rawValue))
    let changed = try [String: DBusVariant](dbusValue: batch.body[1])
    #expect(changed == ["Volume": DBusVariant(.uint32(7)), "Name": DBusVariant(.string("batch"))])
    #expect(batch.body[2] == .array(.string, [.string("Count")]))
    let marker = try #require(await iterator.next())
    #expect(try [String: DBusVariant](dbusValue: marker.body[1]) == ["Volume": DBusVariant(.uint32(1))])
    #expect(marker.body[2] == .array(.string, []))
  }

  @Test func objectManagerListsAndAnnouncesObjects() async throws {
    let fixture = try await BusFixture()
    let reply = try await fixture.client.call(
      destination: TestObject.name, path: "/org/cabin", interface: .objectManager, member: "GetManagedObjects"
    )
    let managed = try [ObjectPath: [String: [String: DBusVariant]]](dbusValue: try #require(reply.first))
    #expect(Array(managed.keys) == [TestObject.path])
    #expect(managed[TestObject.path]?["org.cabin.Test1"]?["Volume"] == DBusVariant(.uint32(5)))
    #expect(managed[TestObject.path]?["org.cabin.Test1"]?["Secret"] == nil)

    let announcements = try await fixture.client.signals(
      matching: DBusMatchRule(sender: TestObject.name, path: "/org/cabin", interface: .objectManager))
    var iterator = announcements.makeAsyncIterator()
    let extra = DBusInterface(
      "org.cabin.Extra1", properties: [DBusProperty("Level", .byte, value: .byte(3))])
    try fixture.server.export([extra], at: "/org/cabin/Extra")
    let added = try #require(await iterator.next())
    #expect(added.member == "InterfacesAdded")
    #expect(added.body.first == .objectPath("/org/cabin/Extra"))
    let interfaces = try [String: [String: DBusVariant]](dbusValue: added.body[1])
    #expect(interfaces == ["org.cabin.Extra1": ["Level": DBusVariant(.byte(3))]])

    try fixture.server.unexport("/org/cabin/Extra")
    let removed = try #require(await iterator.next())
    #expect(removed.member == "InterfacesRemoved")
    #expect(
      removed.body == [.objectPath("/org/cabin/Extra"), .array(.string, [.string("org.cabin.Extra1")])])
  }

  @Test func signalsComeOnlyFromTheMatchedSender() async throws {
    let fixture = try await BusFixture()
    let impostor = try fixture.bus.connect()
    defer { impostor.close() }
    let said = try await fixture.client.signals(
      matching: DBusMatchRule(sender: TestObject.name, interface: TestObject.interfaceName, member: "Said"))
    var iterator = said.makeAsyncIterator()
    try impostor.emit(
      path: TestObject.path, interface: TestObject.interfaceName, member: "Said", [.string("fake")])
    // A round trip through the bus from the impostor: its signal has been routed before this returns.
    _ = try await impostor.nameOwner(TestObject.name)
    _ = try await fixture.call("Emit", [.string("real")])
    let first = try #require(await iterator.next())
    #expect(first.body == [.string("real")])
    #expect(first.sender == fixture.server.uniqueName)
  }

  /// Regression: the connection yielded each signal to its streams while holding its subscription
  /// lock. A yield takes the waiting task's status lock, and cancelling that task holds the same
  /// status lock while its stream's end takes the subscription lock, so a vehicle service stopping
  /// while signals arrived deadlocked. Here subscribers are cancelled while signals pour in.
  @Test func cancellingSubscribersWhileSignalsArriveDoesNotDeadlock() async throws {
    let fixture = try await BusFixture()
    let sender = try fixture.bus.connect()
    defer { sender.close() }
    let flood = Task.detached {
      var count: UInt32 = 0
      while !Task.isCancelled {
        try sender.emit(
          path: TestObject.path, interface: TestObject.interfaceName, member: "Said", [.uint32(count)])
        count += 1
        if count % 5 == 0 { try? await Task.sleep(for: .milliseconds(1)) }
      }
      return count
    }
    let rule = DBusMatchRule(path: TestObject.path, interface: TestObject.interfaceName, member: "Said")
    var received = 0
    for _ in 0..<300 {
      let said = try await fixture.client.signals(matching: rule)
      let consumer = Task {
        var count = 0
        for await _ in said { count += 1 }
        return count
      }
      try await Task.sleep(for: .milliseconds(1))
      consumer.cancel()
      received += await consumer.value
    }
    flood.cancel()
    #expect(try await flood.value > 0)
    #expect(received > 0)
  }

  @Test func wellKnownSenderRulesFollowTheNewOwner() async throws {
    let fixture = try await BusFixture()
    let said = try await fixture.client.signals(
      matching: DBusMatchRule(sender: TestObject.name, interface: TestObject.interfaceName, member: "Said"))
    var iterator = said.makeAsyncIterator()
    let successor = try fixture.bus.connect()
    defer { successor.close() }
    let queued = try await successor.requestName(TestObject.name)
    #expect(queued == .inQueue)
    try await fixture.server.releaseName(TestObject.name)
    #expect(try await fixture.client.nameOwner(TestObject.name) == successor.uniqueName)
    // The former owner's signal is routed before the round trip that follows it returns.
    try fixture.server.emit(
      path: TestObject.path, interface: TestObject.interfaceName, member: "Said", [.string("old")])
    _ = try await fixture.server.nameOwner(TestObject.name)
    try successor.emit(
      path: TestObject.path, interface: TestObject.interfaceName, member: "Said", [.string("new")])
    let first = try #require(await iterator.next())
    #expect(first.body == [.string("new")])
    #expect(first.sender == successor.uniqueName)
  }
}
