import CabinDBus
import CabinService
import CabinTestKit
import Foundation
import Testing

@Suite("Committed bus configuration", .timeLimit(.minutes(1)))
struct ConfigTests {

  @Test func dbusDaemonAcceptsEverySystemBusPolicyFile() throws {
    // The policies name the `cabin` user that Config/systemd/sysusers.d creates on a head unit;
    // here they are checked as written for the user running the tests.
    #expect(
      try !FileManager.default.contentsOfDirectory(atPath: PrivateBus.committedSystemPolicies.path).isEmpty)
    let complaints = try PrivateBus(systemPolicies: PrivateBus.committedSystemPolicies).stop()
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
    #expect(try !PrivateBus(systemPolicies: directory).stop().isEmpty)
  }
}
