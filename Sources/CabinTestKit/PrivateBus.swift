public import CabinDBus
import CabinService
public import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A private `dbus-daemon` for one test suite, started with the project's
/// `Config/dbus/cabin-bus.conf`, so tests never touch the session or system bus.
public final class PrivateBus: Sendable {
  private let daemon: DBusDaemonProcess
  /// Files written for this bus, removed when it stops.
  private let scratch: URL?

  /// The bus address to hand to clients and services under test.
  public var address: String { daemon.address }

  /// The checkout's root directory, found from this source file's location.
  public static let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// Starts a bus with the project's bus configuration.
  public init() throws {
    daemon = try DBusDaemonProcess(
      configFile: CabinPaths.busConfig(in: Self.packageRoot.appendingPathComponent("Config")))
    scratch = nil
  }

  /// The committed system-bus policy files, `Config/dbus/system.d`.
  public static var committedSystemPolicies: URL {
    packageRoot.appendingPathComponent("Config/dbus/system.d")
  }

  /// Starts a system-type bus that any user may connect to and that enforces the policy files in
  /// `policies` (such as ``committedSystemPolicies``), with the `cabin` user they name replaced
  /// by the user running the tests: so a test can check what they allow other users.
  public init(systemPolicies source: URL) throws {
    let dbusConfig = Self.packageRoot.appendingPathComponent("Config/dbus")
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cabin-policy-\(UUID())")
    let included = directory.appendingPathComponent("system.d")
    try FileManager.default.createDirectory(at: included, withIntermediateDirectories: true)
    do {
      let user = String(cString: getpwuid(getuid())!.pointee.pw_name)
      for name in try FileManager.default.contentsOfDirectory(atPath: source.path) {
        let text = try String(contentsOf: source.appendingPathComponent(name), encoding: .utf8)
        try text.replacing("user=\"cabin\"", with: "user=\"\(user)\"")
          .write(to: included.appendingPathComponent(name), atomically: true, encoding: .utf8)
      }
      let template = try String(
        contentsOf: dbusConfig.appendingPathComponent("policy-check.conf.in"), encoding: .utf8)
      let file = directory.appendingPathComponent("bus.conf")
      try template.replacing("@SYSTEM_D@", with: included.path).write(
        to: file, atomically: true, encoding: .utf8)
      daemon = try DBusDaemonProcess(configFile: file)
    } catch {
      try? FileManager.default.removeItem(at: directory)
      throw error
    }
    scratch = directory
  }

  /// Connects a new client to this bus.
  public func connect() throws -> DBusConnection {
    try DBusConnection.connect(to: .address(address))
  }

  /// Stops the bus and returns what it logged (the harmless root-only fd-limit line removed), so
  /// a test can assert that the daemon rejected nothing.
  @discardableResult
  public func stop() -> [String] {
    defer { scratch.map { try? FileManager.default.removeItem(at: $0) } }
    return daemon.stop()
  }
}
