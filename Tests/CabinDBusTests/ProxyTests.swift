import CabinDBus
import CabinTestKit
import Testing

@Suite("Client proxies and peer-to-peer connections", .timeLimit(.minutes(1)))
struct ProxyTests {
  func proxy(_ fixture: BusFixture) -> DBusProxy {
    DBusProxy(
      connection: fixture.client, destination: TestObject.name, path: TestObject.path,
      interface: TestObject.interfaceName)
  }

  @Test func typedCallsAndProperties() async throws {
    let fixture = try await BusFixture()
    let proxy = proxy(fixture)
    #expect(try await proxy.call("Add", [.int32(2), .int32(2)], returning: Int32.self) == 4)
    #expect(try await proxy.property("Name", as: String.self) == "cabin")
    try await proxy.setProperty("Volume", .uint32(9))
    #expect(try await proxy.property("Volume", as: UInt32.self) == 9)
    let all = try await proxy.allProperties()
    #expect(all["Secret"] == nil, "a write-only property is not readable")
    #expect(all["Volume"] == .uint32(9))
  }

  @Test func setterChecksAndAccessRulesAnswerWithStandardErrors() async throws {
    let fixture = try await BusFixture()
    let proxy = proxy(fixture)
    do {
      try await proxy.setProperty("Volume", .uint32(11))
      Issue.record("out of range must be refused")
    } catch DBusError.Name.invalidArgs {}
    do {
      try await proxy.setProperty("Volume", .string("loud"))
      Issue.record("a wrong type must be refused")
    } catch DBusError.Name.invalidArgs {}
    do {
      try await proxy.setProperty("Name", .string("other"))
      Issue.record("a read-only property must be refused")
    } catch DBusError.Name.propertyReadOnly {}
    do {
      _ = try await proxy.property("Secret")
      Issue.record("a write-only property must not be readable")
    } catch DBusError.Name.accessDenied {}
    do {
      _ = try await proxy.property("Missing")
      Issue.record("an unknown property must be refused")
    } catch DBusError.Name.unknownProperty {}
    #expect(try await proxy.property("Volume", as: UInt32.self) == 5)
  }

  @Test func propertyCacheFollowsServerChangesIncludingInvalidations() async throws {
    let fixture = try await BusFixture()
    let cache = try await proxy(fixture).propertyCache()
    #expect(cache["Volume"] == .uint32(5))
    var updates = cache.updates().makeAsyncIterator()
    try fixture.interface.setProperties(["Volume": .uint32(7), "Name": .string("renamed")])
    let first = await updates.next()
    #expect(first == ["Volume": .uint32(7), "Name": .string("renamed")], "one coalesced change")
    try fixture.interface.setProperty("Count", .int32(3))
    let second = await updates.next()
    #expect(second == ["Count": .int32(3)], "an invalidated property is fetched again")
    #expect(cache["Count"] == .int32(3))
    cache.close()
  }

  @Test func signalsReachSubscribersThroughTheProxy() async throws {
    let fixture = try await BusFixture()
    let proxy = proxy(fixture)
    var said = try await proxy.signals("Said").makeAsyncIterator()
    _ = try await proxy.call("Emit", [.string("hello")])
    let message = await said.next()
    #expect(message?.body == [.string("hello")])
    #expect(message?.sender == fixture.server.uniqueName)
  }

  @Test func peerToPeerConnectionCarriesCallsWithoutABus() async throws {
    let server = try DBusServer()
    var accepted = server.connections.makeAsyncIterator()
    let client = try DBusConnection.connectPeer(address: server.address)
    guard let peer = await accepted.next() else {
      Issue.record("no connection accepted")
      return
    }
    try peer.export([TestObject.makeInterface()], at: TestObject.path)
    let reply = try await client.call(
      destination: nil, path: TestObject.path, interface: TestObject.interfaceName, member: "Add",
      [.int32(20), .int32(22)])
    #expect(reply == [.int32(42)])
    #expect(client.uniqueName == nil)
    do {
      _ = try await client.call(
        destination: nil, path: TestObject.path, interface: TestObject.interfaceName, member: "WhoAmI")
      Issue.record("credentials need a bus")
    } catch DBusError.Name.accessDenied {}
    client.close()
    peer.close()
    server.close()
  }

  @Test func closedConnectionRefusesCallsWithDisconnected() async throws {
    let fixture = try await BusFixture()
    fixture.client.close()
    #expect(!fixture.client.isConnected)
    do {
      _ = try await fixture.call("Add", [.int32(1), .int32(1)])
      Issue.record("a closed connection must refuse calls")
    } catch DBusError.Name.disconnected {}
  }
}
