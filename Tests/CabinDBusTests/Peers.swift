import CabinDBus
import CabinTestKit
import Foundation

/// Helpers for the conformance suites: the Python peers and the canonical text form shared with
/// `Peers/canonical.py`.
enum Peers {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Peers")
  /// Debian's Python, which has python3-dbus and python3-gi (the default python3 lacks them).
  static let python = "/usr/bin/python3"

  /// Runs `Peers/echo_client.py ADDRESS DESTINATION PATH ARGUMENTS...` and returns its output
  /// lines, failing with its standard error when it exits non-zero.
  static func client(
    _ address: String, _ destination: BusName, _ path: ObjectPath, _ arguments: String...
  ) async throws -> [String] {
    let result = try await ExternalTool.run(
      python,
      [directory.appendingPathComponent("echo_client.py").path, address, destination.rawValue, path.rawValue]
        + arguments)
    guard result.status == 0 else {
      throw DBusError(.failed, "echo_client.py \(arguments) exited \(result.status): \(result.error)")
    }
    return result.output.split(separator: "\n").map(String.init)
  }

  /// The resident set size of this test process in KiB, from /proc/self/status.
  static func residentKiB() throws -> Int {
    let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
    guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
      let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    else { throw DBusError(.failed, "no VmRSS line in /proc/self/status") }
    return kib
  }
}

/// The canonical text of a value, identical to what `Peers/canonical.py` writes for the same
/// value: type code, then the value; doubles by their bits, strings with non-ASCII escaped.
func canonical(_ value: DBusValue) -> String {
  switch value {
  case .byte(let v): "y:\(v)"
  case .boolean(let v): "b:\(v)"
  case .int16(let v): "n:\(v)"
  case .uint16(let v): "q:\(v)"
  case .int32(let v): "i:\(v)"
  case .uint32(let v): "u:\(v)"
  case .int64(let v): "x:\(v)"
  case .uint64(let v): "t:\(v)"
  case .double(let v):
    "d:" + String(repeating: "0", count: 16 - String(v.bitPattern, radix: 16).count)
      + String(v.bitPattern, radix: 16)
  case .string(let v): "s:" + canonicalString(v)
  case .objectPath(let v): "o:\(v)"
  case .signature(let v): "g:\(v)"
  case .unixFD: "h:fd"
  case .variant(let inner): "v:" + canonical(inner)
  case .array(let element, let items): "a\(element)[" + items.map(canonical).joined(separator: ",") + "]"
  case .dictionary(let key, let valueType, let entries):
    "a{\(key)\(valueType)}{"
      + entries.map { canonical($0.key) + "=" + canonical($0.value) }.joined(separator: ",") + "}"
  case .structure(let fields): "(" + fields.map(canonical).joined(separator: ",") + ")"
  }
}

private func canonicalString(_ text: String) -> String {
  var out = "\""
  for scalar in text.unicodeScalars {
    if scalar.value >= 0x20 && scalar.value < 0x7f && scalar != "\\" && scalar != "\"" {
      out.unicodeScalars.append(scalar)
    } else {
      out += "\\u{" + String(scalar.value, radix: 16) + "}"
    }
  }
  return out + "\""
}
