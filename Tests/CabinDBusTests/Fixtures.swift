import CabinDBus
import CabinTestKit
import Foundation

/// The test object every bus test exports: echo methods, a slow method, failing methods,
/// properties of each access kind, and a signal.
enum TestObject {
  static let name: BusName = "org.cabin.Test1"
  static let path: ObjectPath = "/org/cabin/Test"
  static let interfaceName: InterfaceName = "org.cabin.Test1"

  struct Refusal: DBusErrorConvertible {
    var dbusError: DBusError { DBusError("org.cabin.Test1.Error.Refused", "refused on purpose") }
  }

  struct Unmapped: Error {}

  static func makeInterface() -> DBusInterface {
    DBusInterface(
      interfaceName, documentation: "A test object.",
      methods: [
        .immediate("Echo", in: [.init("value", .variant)], out: [.init("value", .variant)]) { call in
          call.arguments
        },
        DBusMethod("EchoAsync", in: [.init("value", .variant)], out: [.init("value", .variant)]) { call in
          call.arguments
        },
        .immediate("Add", in: [.init("a", .int32), .init("b", .int32)], out: [.init("sum", .int32)]) { call in
          let (a, b) = try call.decode(Int32.self, Int32.self)
          return [.int32(a &+ b)]
        },
        DBusMethod("Sleep", in: [.init("milliseconds", .uint32)]) { call in
          try await Task.sleep(for: .milliseconds(Int(try call.argument(0, as: UInt32.self))))
          return []
        },
        .immediate("Refuse") { _ in throw Refusal() },
        .immediate("Crash") { _ in throw Unmapped() },
        .immediate("WrongReply", out: [.init("text", .string)]) { _ in [.int32(1)] },
        DBusMethod("WhoAmI", out: [.init("uid", .uint32), .init("pid", .uint32)]) { call in
          let credentials = try await call.credentials()
          return [.uint32(credentials.userID ?? .max), .uint32(credentials.processID ?? .max)]
        },
        .immediate("Emit", in: [.init("text", .string)]) { call in
          try call.connection.emit(path: path, interface: interfaceName, member: "Said", call.arguments)
          return []
        },
      ],
      properties: [
        DBusProperty("Name", .string, value: .string("cabin"), documentation: "Read-only."),
        DBusProperty(
          "Volume", .uint32, access: .readWrite, value: .uint32(5), documentation: "0 to 10."
        ) { value, _ in
          guard let level = try? UInt32(dbusValue: value), level <= 10 else {
            throw DBusError(.invalidArgs, "Volume must be 0 to 10")
          }
          return value
        },
        DBusProperty("Secret", .string, access: .write, value: .string(""), documentation: "Write-only."),
        DBusProperty("Count", .int32, change: .invalidates, value: .int32(0)),
      ],
      signals: [DBusSignalDescription("Said", [.init("text", .string)])])
  }
}

/// A private bus with the test object exported by a server connection and a client connected.
final class BusFixture: Sendable {
  let bus: PrivateBus
  let server: DBusConnection
  let client: DBusConnection
  let interface: DBusInterface

  init() async throws {
    bus = try PrivateBus()
    server = try bus.connect()
    client = try bus.connect()
    interface = TestObject.makeInterface()
    server.addObjectManager(at: "/org/cabin")
    try server.export([interface], at: TestObject.path)
    let reply = try await server.requestName(TestObject.name, flags: .doNotQueue)
    precondition(reply == .primaryOwner)
  }

  func call(_ member: MemberName, _ arguments: [DBusValue] = []) async throws -> [DBusValue] {
    try await client.call(
      destination: TestObject.name, path: TestObject.path, interface: TestObject.interfaceName,
      member: member, arguments)
  }

  deinit {
    client.close()
    server.close()
    bus.stop()
  }
}
