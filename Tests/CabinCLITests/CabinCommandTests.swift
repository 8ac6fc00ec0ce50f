import CabinDBus
import CabinTestKit
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The built `cabin` command driving a whole stack the way a user does: `up --detach`, the
/// subcommands that talk to it, a crashed service coming back, and `down` leaving nothing behind.
///
/// Regression guard: a first version of this test hung `swift test`. It ran `cabin` through
/// Foundation's `Process` with pipes and `waitUntilExit()`; `cabin up --detach` exited, but
/// `Process` never reaped it (it stayed a zombie) and the wait never returned. Tools now run
/// through `ExternalTool` (`ChildProcess`, output in files, a polled wait with a time limit).
@Suite("cabin up, status, say, signals, down", .serialized, .timeLimit(.minutes(3)))
struct CabinCommandTests {
  /// A scratch Config directory (a copy of the checkout's, with a stack of the simulator and a
  /// grammar-only voice service), a runtime directory and a cache directory.
  struct Sandbox {
    let root: URL
    let config: URL
    let runtime: URL
    let environment: [String: String]

    init() throws {
      root = FileManager.default.temporaryDirectory.appendingPathComponent("cabin-cli-\(UUID())")
      config = root.appendingPathComponent("Config")
      runtime = root.appendingPathComponent("run")
      try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
      try FileManager.default.copyItem(
        at: PrivateBus.packageRoot.appendingPathComponent("Config"), to: config)
      try FileManager.default.removeItem(at: config.appendingPathComponent("stack.json"))
      let stack = """
        {"services": [
          {"name": "vehicle", "executable": "cabin-sim", "arguments": ["--scenario", "city-rain"],
           "busNames": ["org.cabin.Vehicle1", "org.cabin.Simulator1"]},
          {"name": "voice", "executable": "cabin-voice", "arguments": ["--grammar-only"],
           "busNames": ["org.cabin.Voice1"]}
        ]}
        """
      try stack.write(to: config.appendingPathComponent("stack.json"), atomically: true, encoding: .utf8)
      var environment = ProcessInfo.processInfo.environment
      environment["CABIN_BUS_ADDRESS"] = nil
      environment["CABIN_CONFIG_DIR"] = config.path
      environment["CABIN_RUNTIME_DIR"] = runtime.path
      environment["CABIN_CACHE_DIR"] = root.appendingPathComponent("cache").path
      self.environment = environment
    }

    /// Runs the built `cabin` with `arguments` in this sandbox.
    func cabin(_ arguments: String..., timeout: Duration = .seconds(30)) async throws -> ToolResult {
      try await ExternalTool.run(
        ExternalTool.built("cabin"), arguments, environment: environment,
        timeout: timeout)
    }

    /// The supervisor's pid from the runtime state file, if a stack is running.
    func supervisorPID() -> pid_t? {
      guard let data = try? Data(contentsOf: runtime.appendingPathComponent("state.json")),
        let state = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
      else { return nil }
      return (state["supervisorPID"] as? Int).map { pid_t($0) }
    }
  }

  @Test("a detached stack answers every subcommand, restarts a killed service and stops cleanly")
  func wholeStack() async throws {
    let sandbox = try Sandbox()
    defer { try? FileManager.default.removeItem(at: sandbox.root) }

    let up = try await sandbox.cabin("up", "--detach", "--timeout", "90", timeout: .seconds(120))
    let log =
      (try? String(contentsOf: sandbox.runtime.appendingPathComponent("cabin.log"), encoding: .utf8)) ?? ""
    try #require(up.status == 0, "cabin up --detach: \(up.error)\nlog:\n\(log)")
    let supervisor = try #require(sandbox.supervisorPID())
    // Whatever happens below, the stack started here does not outlive the test: the detached
    // supervisor leads its own process group, which holds the bus and every service.
    defer { kill(-supervisor, SIGKILL) }
    let address = try #require(
      up.output.split(separator: "\n").first { $0.hasPrefix("CABIN_BUS_ADDRESS=unix:") }?
        .dropFirst("CABIN_BUS_ADDRESS=".count))
    let group = processGroup(supervisor)
    #expect(group.count == 4, "supervisor, dbus-daemon, cabin-sim, cabin-voice: \(group)")

    let status = try await sandbox.cabin("status")
    #expect(status.status == 0, "\(status.output)\(status.error)")
    for name in ["org.cabin.Vehicle1", "org.cabin.Simulator1", "org.cabin.Voice1"] {
      let line = status.output.split(separator: "\n").first { $0.contains(" \(name) ") }
      #expect(line?.contains(" ok ") == true, "no successful ping of \(name) in:\n\(status.output)")
    }

    let names = try await sandbox.cabin("introspect")
    #expect(names.status == 0, "\(names.error)")
    #expect(
      Set(names.output.split(separator: "\n").map(String.init)).isSuperset(of: [
        "org.cabin.Vehicle1", "org.cabin.Simulator1", "org.cabin.Voice1", "org.freedesktop.DBus",
      ]), "\(names.output)")
    let voiceXML = try await sandbox.cabin("introspect", "org.cabin.Voice1", "/org/cabin/Voice")
    #expect(voiceXML.output.contains("<interface name=\"org.cabin.Voice1\">"), "\(voiceXML.error)")

    let say = try await sandbox.cabin("say", "turn on the AC", "--seat", "passenger")
    #expect(say.status == 0, "\(say.error)")
    #expect(say.output.hasPrefix("climate.ac "), "\(say.output)")
    #expect(say.output.contains("zone passenger"), "\(say.output)")
    #expect(say.output.contains("state (choice): \"on\""), "\(say.output)")

    let speed = try await sandbox.cabin("signals", "get", "Vehicle.Speed")
    #expect(speed.status == 0, "\(speed.error)")
    #expect(speed.output.hasPrefix("Vehicle.Speed = "), "\(speed.output)")
    #expect(speed.output.contains("(available, "), "\(speed.output)")

    let connection = try DBusConnection.connect(to: .address(String(address)))
    defer { connection.close() }
    let voice = try await processID(owning: "org.cabin.Voice1", connection)
    let voiceOwner = try await connection.nameOwner("org.cabin.Voice1")
    #expect(kill(voice, SIGKILL) == 0)
    let deadline = ContinuousClock.now + .seconds(60)
    var restarted: BusName?
    while ContinuousClock.now < deadline {
      if let owner = try await connection.nameOwner("org.cabin.Voice1"), owner != voiceOwner {
        restarted = owner
        break
      }
      try await Task.sleep(for: .milliseconds(100))
    }
    try #require(restarted != nil, "the supervisor did not bring org.cabin.Voice1 back")
    #expect(try await processID(owning: "org.cabin.Voice1", connection) != voice)
    let after = try await sandbox.cabin("say", "turn on the AC")
    #expect(after.output.hasPrefix("climate.ac "), "\(after.output)\(after.error)")

    let everything = processGroup(supervisor)
    let down = try await sandbox.cabin("down")
    #expect(down.status == 0, "\(down.error)")
    #expect(down.output == "stopped\n")
    for pid in everything {
      #expect(!isAlive(pid), "process \(pid) outlived cabin down")
    }
    #expect(sandbox.supervisorPID() == nil, "cabin down left the state file behind")
    let none = try await sandbox.cabin("status")
    #expect(none.status != 0)
    #expect(none.error.contains("no running stack found"), "\(none.error)")
  }

  @Test("cabin up --detach fails with the log's contents when a service cannot start")
  func detachedStartFailure() async throws {
    let sandbox = try Sandbox()
    defer { try? FileManager.default.removeItem(at: sandbox.root) }
    try
      #"{"services": [{"name": "ghost", "executable": "cabin-no-such-service", "busNames": ["org.cabin.Ghost1"]}]}"#
      .write(to: sandbox.config.appendingPathComponent("stack.json"), atomically: false, encoding: .utf8)
    let up = try await sandbox.cabin("up", "--detach", "--timeout", "20")
    #expect(up.status != 0)
    #expect(up.error.contains("cabin-no-such-service"), "\(up.error)")
    #expect(sandbox.supervisorPID() == nil)
  }
}

/// The process ids whose process group is `leader`'s, from `/proc`.
private func processGroup(_ leader: pid_t) -> [pid_t] {
  let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
  return entries.compactMap { pid_t($0) }.filter { pid in
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return false }
    // Fields after "(comm)": state, ppid, pgrp.
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    return fields.count > 2 && pid_t(fields[2]) == leader
  }
}

/// Whether `pid` is a process that has not yet exited (a zombie counts as exited).
private func isAlive(_ pid: pid_t) -> Bool {
  guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
    let close = stat.lastIndex(of: ")")
  else { return false }
  return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
}

/// The pid of the process that owns `name`, as the bus reports it.
private func processID(owning name: BusName, _ connection: DBusConnection) async throws -> pid_t {
  let reply = try await connection.call(
    destination: .bus, path: "/org/freedesktop/DBus", interface: .bus,
    member: "GetConnectionUnixProcessID", [.string(name.rawValue)])
  return pid_t(try UInt32(dbusValue: reply.first ?? .uint32(0)))
}
