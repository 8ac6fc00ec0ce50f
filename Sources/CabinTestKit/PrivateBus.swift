public import CabinDBus
import CabinService
public import Foundation

/// A private `dbus-daemon` for one test suite, started with the project's
/// `Config/dbus/cabin-bus.conf`, so tests never touch the session or system bus.
public final class PrivateBus: Sendable {
  private let daemon: DBusDaemonProcess

  /// The bus address to hand to clients and services under test.
  public var address: String { daemon.address }

  /// The checkout's root directory, found from this source file's location.
  public static let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// Starts a bus with the project's bus configuration.
  public init() throws {
    daemon = try DBusDaemonProcess(
      configFile: CabinPaths.busConfig(in: Self.packageRoot.appendingPathComponent("Config")))
  }

  /// Connects a new client to this bus.
  public func connect() throws -> DBusConnection {
    try DBusConnection.connect(to: .address(address))
  }

  /// Stops the bus and returns what it logged (the harmless root-only fd-limit line removed), so
  /// a test can assert that the daemon rejected nothing.
  @discardableResult
  public func stop() -> [String] { daemon.stop() }
}
