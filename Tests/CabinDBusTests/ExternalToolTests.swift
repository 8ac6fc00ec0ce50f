import CabinDBus
import CabinTestKit
import Foundation
import Testing

/// `busctl`, `gdbus`, `dbus-send` and `xmllint` read our wire format and introspection XML with
/// parsers of their own.
@Suite("External tools against the test object", .timeLimit(.minutes(1)))
struct ExternalToolTests {
  private func busctl(_ fixture: BusFixture, _ arguments: String...) async throws -> ToolResult {
    try await ExternalTool.run("/usr/bin/busctl", ["--address=\(fixture.bus.address)"] + arguments)
  }

  private func gdbus(_ fixture: BusFixture, _ command: String, _ arguments: [String]) async throws
    -> ToolResult
  {
    try await ExternalTool.run(
      "/usr/bin/gdbus",
      [command, "--address", fixture.bus.address, "--dest", TestObject.name.rawValue] + arguments)
  }

  private func json(_ text: String) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try #require(object as? [String: Any], "not a JSON object: \(text)")
  }

  @Test func busctlTreeListsTheTestObject() async throws {
    let fixture = try await BusFixture()
    let tree = try await busctl(fixture, "--list", "tree", TestObject.name.rawValue)
    #expect(tree.status == 0, "\(tree.error)")
    let paths = Set(tree.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
    #expect(paths.isSuperset(of: ["/", "/org", "/org/cabin", "/org/cabin/Test"]))
  }

  @Test func busctlIntrospectShowsMembersAndCurrentValues() async throws {
    let fixture = try await BusFixture()
    let result = try await busctl(fixture, "introspect", TestObject.name.rawValue, TestObject.path.rawValue)
    #expect(result.status == 0, "\(result.error)")
    let rows = result.output.split(separator: "\n").map {
      $0.split(separator: " ", omittingEmptySubsequences: true)
    }
    func row(_ name: String) -> [Substring]? { rows.first { $0.first.map(String.init) == name } }
    #expect(row(".Echo")?.dropFirst().prefix(3).map(String.init) == ["method", "v", "v"])
    #expect(row(".Add")?.dropFirst().prefix(3).map(String.init) == ["method", "ii", "i"])
    #expect(row(".Volume")?.dropFirst().prefix(3).map(String.init) == ["property", "u", "5"])
    #expect(row(".Volume")?.contains("writable") == true)
    #expect(row(".Name")?.dropFirst().prefix(3).map(String.init) == ["property", "s", "\"cabin\""])
    #expect(row(".Count")?.contains("emits-invalidation") == true)
    #expect(row(".Said")?.dropFirst().prefix(2).map(String.init) == ["signal", "s"])
    #expect(row(".PropertiesChanged")?.dropFirst().prefix(2).map(String.init) == ["signal", "sa{sv}as"])
  }

  @Test func busctlCallReturnsTheEchoedValues() async throws {
    let fixture = try await BusFixture()
    let path = TestObject.path.rawValue
    let echo = try await busctl(
      fixture, "--json=short", "--", "call", TestObject.name.rawValue, path,
      TestObject.interfaceName.rawValue, "Echo", "v", "(sxad)", "grüße", "-9000000000", "2", "0.5", "-1.25")
    #expect(echo.status == 0, "\(echo.error)")
    let reply = try json(echo.output)
    #expect(reply["type"] as? String == "v")
    let variant = try #require((reply["data"] as? [Any])?.first as? [String: Any])
    #expect(variant["type"] as? String == "(sxad)")
    let fields = try #require(variant["data"] as? [Any])
    #expect(fields[0] as? String == "grüße")
    #expect((fields[1] as? NSNumber)?.int64Value == -9_000_000_000)
    #expect(fields[2] as? [Double] == [0.5, -1.25])

    let add = try await busctl(
      fixture, "--json=short", "call", TestObject.name.rawValue, path, TestObject.interfaceName.rawValue,
      "Add", "ii", "40", "2")
    #expect(try json(add.output)["data"] as? [Int] == [42])
  }

  @Test func busctlGetAndSetProperty() async throws {
    let fixture = try await BusFixture()
    let target = [TestObject.name.rawValue, TestObject.path.rawValue, TestObject.interfaceName.rawValue]
    let get = try await ExternalTool.run(
      "/usr/bin/busctl",
      ["--address=\(fixture.bus.address)", "--json=short", "get-property"] + target + ["Volume"])
    #expect(try json(get.output)["data"] as? Int == 5)

    let set = try await ExternalTool.run(
      "/usr/bin/busctl",
      ["--address=\(fixture.bus.address)", "set-property"] + target + ["Volume", "u", "9"])
    #expect(set.status == 0, "\(set.error)")
    #expect(fixture.interface.value(of: "Volume") == .uint32(9))

    let tooLoud = try await ExternalTool.run(
      "/usr/bin/busctl",
      ["--address=\(fixture.bus.address)", "set-property"] + target + ["Volume", "u", "11"])
    #expect(tooLoud.status != 0)
    #expect(tooLoud.error.contains("Volume must be 0 to 10"))
    #expect(fixture.interface.value(of: "Volume") == .uint32(9))

    let readOnly = try await ExternalTool.run(
      "/usr/bin/busctl", ["--address=\(fixture.bus.address)", "set-property"] + target + ["Name", "s", "x"])
    #expect(readOnly.status != 0)
    #expect(readOnly.error.contains("read-only"))
    #expect(fixture.interface.value(of: "Name") == .string("cabin"))
  }

  @Test func gdbusCallSeesTypedValuesAndErrorNames() async throws {
    let fixture = try await BusFixture()
    let path = ["--object-path", TestObject.path.rawValue]
    let echo = try await gdbus(
      fixture, "call",
      path + [
        "--method", "org.cabin.Test1.Echo",
        "<(int16 -3, [uint64 1, 2], {'a': <@as ['x']>}, objectpath '/o')>",
      ])
    #expect(echo.status == 0, "\(echo.error)")
    #expect(
      echo.output.trimmingCharacters(in: .whitespacesAndNewlines)
        == "(<(int16 -3, [uint64 1, 2], {'a': <['x']>}, objectpath '/o')>,)")

    let readOnly = try await gdbus(
      fixture, "call",
      path + ["--method", "org.freedesktop.DBus.Properties.Set", "org.cabin.Test1", "Name", "<'x'>"])
    #expect(readOnly.status != 0)
    #expect(readOnly.error.contains("org.freedesktop.DBus.Error.PropertyReadOnly"))

    let outOfRange = try await gdbus(
      fixture, "call",
      path + ["--method", "org.freedesktop.DBus.Properties.Set", "org.cabin.Test1", "Volume", "<uint32 99>"])
    #expect(outOfRange.error.contains("org.freedesktop.DBus.Error.InvalidArgs: Volume must be 0 to 10"))
  }

  @Test func gdbusIntrospectParsesEveryNode() async throws {
    let fixture = try await BusFixture()
    let result = try await gdbus(fixture, "introspect", ["--object-path", "/", "--recurse"])
    #expect(result.status == 0, "\(result.error)")
    let lines = result.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    for node in ["/", "/org", "/org/cabin", "/org/cabin/Test"] {
      #expect(lines.contains("node \(node) {"))
    }
    #expect(lines.contains("interface org.freedesktop.DBus.ObjectManager {"))
    #expect(lines.contains("readwrite u Volume = 5;"))
    #expect(lines.contains("writeonly s Secret;"))
    #expect(lines.contains("@org.freedesktop.DBus.Property.EmitsChangedSignal(\"invalidates\")"))
    #expect(lines.contains("Echo(in  v value,"))
  }

  @Test(arguments: ["/", "/org", "/org/cabin", "/org/cabin/Test"] as [ObjectPath])
  func introspectionXMLValidatesAgainstTheDTD(path: ObjectPath) async throws {
    let fixture = try await BusFixture()
    let reply = try await fixture.client.call(
      destination: TestObject.name, path: path, interface: .introspectable, member: "Introspect")
    let xml = try String(dbusValue: try #require(reply.first))
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("cabin-introspect-\(UUID()).xml")
    try xml.write(to: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: file) }
    let lint = try await ExternalTool.run(
      "/usr/bin/xmllint",
      ["--noout", "--nonet", "--dtdvalid", "/usr/share/xml/dbus-1/introspect.dtd", file.path])
    #expect(lint.status == 0, "xmllint rejected the XML for \(path): \(lint.error)")
    #expect(lint.error.isEmpty)
  }
}
