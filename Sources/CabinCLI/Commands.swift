public import ArgumentParser
import CabinDBus
import CabinService
import Foundation
import Logging

#if canImport(Glibc)
  import Glibc
#endif

/// `cabin`: the entry point for running and inspecting a Cabin stack.
public struct CabinCommand: AsyncParsableCommand {
  /// The command's name, abstract and subcommands.
  public static let configuration = CommandConfiguration(
    commandName: "cabin",
    abstract: "Run and inspect the Cabin cockpit service stack.",
    subcommands: [
      Up.self, Down.self, Status.self, Introspect.self, Signals.self, Sim.self, Say.self, Listen.self,
      Eval.self,
    ])

  /// Creates the command.
  public init() {}
}

/// Options shared by the subcommands that talk to a running stack.
struct BusLocation: ParsableArguments {
  @Option(name: .long, help: "A D-Bus address, 'session' or 'system' (default: the running stack's bus).")
  var bus: String?

  func address() throws -> DBusBusAddress {
    if let bus { return DBusBusAddress(parsing: bus) }
    let environment = ProcessInfo.processInfo.environment
    if let address = environment["CABIN_BUS_ADDRESS"] { return .address(address) }
    if let state = RuntimeState.read(from: RuntimeState.directory()) { return .address(state.busAddress) }
    throw CabinCLIError("no running stack found: start one with 'cabin up', or pass --bus ADDRESS")
  }
}

func loadManifest(configDirectory: String?) throws -> (StackManifest, URL) {
  guard let config = configDirectory.map({ URL(fileURLWithPath: $0) }) ?? CabinPaths.configDirectory() else {
    throw CabinCLIError("cannot find Cabin's Config directory: pass --config-dir or set CABIN_CONFIG_DIR")
  }
  return (try StackManifest.load(from: config.appendingPathComponent("stack.json")), config)
}

extension CabinCommand {
  /// `cabin up`: start a private bus and every service.
  struct Up: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Start a private bus, the simulator and every service; print CABIN_BUS_ADDRESS when ready.")

    @Flag(help: "Return once the stack is ready, leaving it running in the background.")
    var detach = false

    @Option(help: "The Config directory (default: found next to the checkout or installation).")
    var configDir: String?

    @Option(help: "Seconds to wait for every service to own its names.")
    var timeout: Int = 60

    @Option(
      help: "Log level: trace, debug, info, notice, warning, error, critical.",
      transform: Logger.Level.parsingArgument)
    var logLevel: Logger.Level = .info

    func run() async throws {
      let runtime = RuntimeState.directory()
      if let state = RuntimeState.read(from: runtime) {
        throw CabinCLIError(
          "a stack is already running (supervisor pid \(state.supervisorPID)); stop it with 'cabin down'")
      }
      let (manifest, config) = try loadManifest(configDirectory: configDir)
      if detach {
        try runDetached(runtime: runtime)
        return
      }
      CabinLogging.bootstrap(level: logLevel)
      var settings = Supervisor.Configuration(
        manifest: manifest,
        executableDirectory: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
          .deletingLastPathComponent(),
        busConfig: CabinPaths.busConfig(in: config), runtimeDirectory: runtime)
      settings.readyTimeout = .seconds(timeout)
      let supervisor = Supervisor(configuration: settings, logger: Logger(label: "cabin.up"))
      try await supervisor.run { address in
        // A line on its own, written at once, so scripts reading a pipe see it.
        FileHandle.standardOutput.write(Data("CABIN_BUS_ADDRESS=\(address)\n".utf8))
      }
    }

    /// Starts `cabin up` again in a new session with its output in a log file, and waits until
    /// its state file says ready.
    private func runDetached(runtime: URL) throws {
      try FileManager.default.createDirectory(at: runtime, withIntermediateDirectories: true)
      let logURL = runtime.appendingPathComponent("cabin.log")
      let log = open(logURL.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
      guard log >= 0 else { throw CabinCLIError("cannot write \(logURL.path)") }
      defer { close(log) }
      var arguments = ["up", "--timeout", "\(timeout)", "--log-level", logLevel.rawValue]
      if let configDir { arguments += ["--config-dir", configDir] }
      let child = try ChildProcess(
        executable: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path,
        arguments: arguments, environment: ProcessInfo.processInfo.environment,
        standardOutput: .fileDescriptor(log), standardError: .fileDescriptor(log), newSession: true)
      let deadline = ContinuousClock.now + .seconds(timeout + 5)
      while ContinuousClock.now < deadline {
        if let status = child.exitStatus {
          let tail = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
          throw CabinCLIError(
            "the stack failed to start (\(ChildProcess.describe(status))); its log, \(logURL.path):\n\(tail)")
        }
        if let state = RuntimeState.read(from: runtime), state.ready, state.supervisorPID == child.processID {
          print("CABIN_BUS_ADDRESS=\(state.busAddress)")
          return
        }
        usleep(50_000)
      }
      child.send(SIGTERM)
      throw CabinCLIError("the stack was not ready within \(timeout) s; see \(logURL.path)")
    }
  }

  /// `cabin down`: stop a stack started with `cabin up --detach`.
  struct Down: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stop the running stack.")

    func run() async throws {
      guard let state = RuntimeState.read(from: RuntimeState.directory()) else {
        print("no stack is running")
        return
      }
      kill(state.supervisorPID, SIGTERM)
      let deadline = ContinuousClock.now + .seconds(30)
      while kill(state.supervisorPID, 0) == 0 {
        guard ContinuousClock.now < deadline else {
          throw CabinCLIError("the supervisor (pid \(state.supervisorPID)) did not stop within 30 s")
        }
        try await Task.sleep(for: .milliseconds(50))
      }
      print("stopped")
    }
  }

  /// `cabin status`: each service, its names, and whether it answers `Peer.Ping`.
  struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List the stack's services and whether each answers Peer.Ping.")

    @OptionGroup var location: BusLocation

    @Option(help: "The Config directory (default: found next to the checkout or installation).")
    var configDir: String?

    func run() async throws {
      let (manifest, _) = try loadManifest(configDirectory: configDir)
      let connection = try DBusConnection.connect(to: try location.address())
      defer { connection.close() }
      var healthy = true
      print(
        "SERVICE".padding(toLength: 12, withPad: " ", startingAt: 0),
        "NAME".padding(toLength: 34, withPad: " ", startingAt: 0),
        "OWNER".padding(toLength: 10, withPad: " ", startingAt: 0), "PING")
      for service in manifest.services {
        for text in service.busNames {
          let name = try BusName(validating: text)
          let owner = try await connection.nameOwner(name)
          var ping = "-"
          if owner != nil {
            let started = ContinuousClock.now
            do {
              _ = try await connection.call(
                destination: name, path: .root, interface: .peer, member: "Ping", timeout: .seconds(2))
              ping = "ok \(Self.format(ContinuousClock.now - started))"
            } catch {
              ping = "failed: \(error)"
              healthy = false
            }
          } else {
            healthy = false
          }
          print(
            service.name.padding(toLength: 12, withPad: " ", startingAt: 0),
            text.padding(toLength: 34, withPad: " ", startingAt: 0),
            (owner?.rawValue ?? "none").padding(toLength: 10, withPad: " ", startingAt: 0), ping)
        }
      }
      if !healthy { throw ExitCode(1) }
    }

    static func format(_ duration: Duration) -> String {
      let microseconds =
        duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
      return "\(microseconds) µs"
    }
  }

  /// `cabin introspect`: names on the bus, a service's object tree, or one object's XML.
  struct Introspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Without NAME, list the bus's names; with NAME, print its object tree; with PATH, that object's XML.")

    @OptionGroup var location: BusLocation

    @Argument(help: "A bus name such as org.cabin.Vehicle1.")
    var name: String?

    @Argument(help: "An object path.")
    var path: String?

    func run() async throws {
      let connection = try DBusConnection.connect(to: try location.address())
      defer { connection.close() }
      guard let name else {
        let reply = try await connection.call(
          destination: .bus, path: "/org/freedesktop/DBus", interface: .bus, member: "ListNames")
        for name in try [String](dbusValue: reply.first ?? .array(.string, [])).sorted()
        where !name.hasPrefix(":") {
          print(name)
        }
        return
      }
      let destination = try BusName(validating: name)
      if let path {
        print(try await xml(connection, destination, try ObjectPath(validating: path)), terminator: "")
        return
      }
      try await printTree(connection, destination, .root, depth: 0)
    }

    private func xml(_ connection: DBusConnection, _ destination: BusName, _ path: ObjectPath) async throws
      -> String
    {
      let reply = try await connection.call(
        destination: destination, path: path, interface: .introspectable, member: "Introspect")
      return try String(dbusValue: reply.first ?? .string(""))
    }

    private func printTree(
      _ connection: DBusConnection, _ destination: BusName, _ path: ObjectPath, depth: Int
    ) async throws {
      let document = try await xml(connection, destination, path)
      let interfaces = Self.attributes(named: "interface", in: document).filter {
        !$0.hasPrefix("org.freedesktop.DBus.")
      }
      let indent = String(repeating: "  ", count: depth)
      print(
        indent + path.rawValue + (interfaces.isEmpty ? "" : "  [" + interfaces.joined(separator: ", ") + "]"))
      for child in Self.attributes(named: "node", in: document) {
        try await printTree(connection, destination, try path.appending(child), depth: depth + 1)
      }
    }

    /// The `name` attributes of `<element name="...">` tags in introspection XML.
    static func attributes(named element: String, in xml: String) -> [String] {
      var names: [String] = []
      var rest = xml[...]
      let marker = "<\(element) name=\""
      while let start = rest.range(of: marker) {
        rest = rest[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { break }
        names.append(String(rest[..<end]))
        rest = rest[end...]
      }
      return names
    }
  }
}
