import CabinDBus
import CabinService
import CabinTestKit
import Foundation
import Testing

@Suite("Committed bus configuration", .timeLimit(.minutes(1)))
struct ConfigTests {
  let dbusConfig = PrivateBus.packageRoot.appendingPathComponent("Config/dbus")

  @Test func dbusDaemonAcceptsEverySystemBusPolicyFile() throws {
    // The policies name the `cabin` user that Config/systemd/sysusers.d creates on a head unit;
    // here they are checked as written for the user running the tests.
    let user = String(cString: getpwuid(getuid())!.pointee.pw_name)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cabin-policy-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let policies = try FileManager.default.contentsOfDirectory(
      atPath: dbusConfig.appendingPathComponent("system.d").path)
    #expect(!policies.isEmpty)
    for policy in policies {
      let text = try String(
        contentsOf: dbusConfig.appendingPathComponent("system.d/\(policy)"), encoding: .utf8)
      try text.replacing("user=\"cabin\"", with: "user=\"\(user)\"")
        .write(to: directory.appendingPathComponent(policy), atomically: true, encoding: .utf8)
    }
    let template = try String(
      contentsOf: dbusConfig.appendingPathComponent("policy-check.conf.in"), encoding: .utf8)
    let file = directory.appendingPathComponent("bus.conf.main")
    try template.replacing("@SYSTEM_D@", with: directory.path).write(
      to: file, atomically: true, encoding: .utf8)
    let daemon = try DBusDaemonProcess(configFile: file)
    let complaints = daemon.stop()
    #expect(complaints.isEmpty, "dbus-daemon rejected a policy file: \(complaints)")
  }

  @Test func privateBusConfigurationLoadsCleanly() throws {
    let bus = try PrivateBus()
    let complaints = bus.stop()
    #expect(complaints.isEmpty, "dbus-daemon complained about cabin-bus.conf: \(complaints)")
  }

  @Test func dbusDaemonReportsABrokenPolicyFile() throws {
    // Guards the check above: a policy file dbus-daemon cannot parse must show up on stderr.
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cabin-broken-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    try "<busconfig><policy context=\"nonsense\"></busconfig>".write(
      to: directory.appendingPathComponent("broken.conf"), atomically: true, encoding: .utf8)
    let template = try String(
      contentsOf: dbusConfig.appendingPathComponent("policy-check.conf.in"), encoding: .utf8)
    let file = directory.appendingPathComponent("bus.conf")
    try template.replacing("@SYSTEM_D@", with: directory.path).write(
      to: file, atomically: true, encoding: .utf8)
    let daemon = try DBusDaemonProcess(configFile: file)
    #expect(!daemon.stop().isEmpty)
  }
}
