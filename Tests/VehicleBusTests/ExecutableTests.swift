import CabinTestKit
import Foundation
import Testing

@Suite("cabin-sim executable", .serialized, .timeLimit(.minutes(1)))
struct ExecutableTests {
  static let config = PrivateBus.packageRoot.appendingPathComponent("Config")

  @Test("the committed introspection XML equals what cabin-sim --print-introspection prints")
  func committedIntrospection() async throws {
    let sim = ExternalTool.built("cabin-sim")
    let result = try await ExternalTool.run(sim, ["--print-introspection", "--config-dir", Self.config.path])
    #expect(result.status == 0, "\(result.error)")
    var printed: [String: String] = [:]
    var current: String?
    for line in result.output.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("<!-- org.cabin."), line.hasSuffix(".xml -->") {
        current = String(line.dropFirst(5).dropLast(4))
        printed[current ?? ""] = ""
      } else if let current {
        printed[current, default: ""] += line + "\n"
      }
    }
    #expect(Set(printed.keys) == ["org.cabin.Vehicle1.xml", "org.cabin.Simulator1.xml"])
    for (file, xml) in printed {
      let committed = try String(
        contentsOf: Self.config.appendingPathComponent("dbus/interfaces").appendingPathComponent(file),
        encoding: .utf8)
      #expect(
        committed.trimmingCharacters(in: .newlines) == xml.trimmingCharacters(in: .newlines),
        "Config/dbus/interfaces/\(file) differs from --print-introspection")
    }
  }

  @Test("a bad scenario file stops cabin-sim with file, line and reason")
  func badScenario() async throws {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).yaml")
    try "name: broken\nduration: 60\ninitial:\n  Vehicle.Speed: fast\n".write(
      to: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: file) }
    let sim = ExternalTool.built("cabin-sim")
    let result = try await ExternalTool.run(
      sim, ["--scenario", file.path, "--config-dir", Self.config.path, "--bus", "unix:path=/nonexistent"])
    #expect(result.status != 0)
    #expect(result.error.contains("\(file.path):4"), "\(result.error)")
  }
}
