import CabinDBus
import CabinService
public import Foundation
public import Logging
import UnixSignals

#if canImport(Glibc)
  import Glibc
#endif

/// Runs a whole stack on a private bus: starts `dbus-daemon`, then each service in order,
/// waits until every well-known name is owned, restarts services that crash (with growing
/// back-off), and on SIGTERM or SIGINT stops them in reverse order, then the bus.
public final class Supervisor: Sendable {
  /// Everything the supervisor needs to know.
  public struct Configuration: Sendable {
    /// The services to run.
    public var manifest: StackManifest
    /// Where the service executables are.
    public var executableDirectory: URL
    /// The bus configuration file for `dbus-daemon`.
    public var busConfig: URL
    /// Where the state file goes.
    public var runtimeDirectory: URL
    /// How long services may take to own their names.
    public var readyTimeout: Duration = .seconds(60)
    /// How long a service may take to stop after SIGTERM before it is killed.
    public var stopTimeout: Duration = .seconds(5)

    /// Creates a configuration.
    public init(manifest: StackManifest, executableDirectory: URL, busConfig: URL, runtimeDirectory: URL) {
      self.manifest = manifest
      self.executableDirectory = executableDirectory
      self.busConfig = busConfig
      self.runtimeDirectory = runtimeDirectory
    }
  }

  private let configuration: Configuration
  private let logger: Logger

  /// Creates a supervisor.
  public init(configuration: Configuration, logger: Logger) {
    self.configuration = configuration
    self.logger = logger
  }

  private final class Running: @unchecked Sendable {
    // Only touched by the supervisor's own task (handed to its child task once).
    let service: StackManifest.Service
    var process: ChildProcess
    var startedAt: ContinuousClock.Instant
    var crashes = 0
    var restartAt: ContinuousClock.Instant?

    init(service: StackManifest.Service, process: ChildProcess) {
      self.service = service
      self.process = process
      startedAt = .now
    }
  }

  /// Runs until SIGTERM or SIGINT. `onReady` gets the bus address once every name is owned.
  public func run(onReady: @escaping @Sendable (String) -> Void) async throws {
    for service in configuration.manifest.services {
      let path = executablePath(service)
      guard FileManager.default.isExecutableFile(atPath: path) else {
        throw CabinCLIError("service '\(service.name)': no executable at \(path) (run 'swift build' first)")
      }
    }
    let bus = try DBusDaemonProcess(configFile: configuration.busConfig)
    defer { bus.stop() }
    logger.info("private bus started", metadata: ["dbus.address": "\(bus.address)"])
    let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
    let starting = RuntimeState(supervisorPID: getpid(), busAddress: bus.address, ready: false)
    try starting.write(to: configuration.runtimeDirectory)
    defer { RuntimeState.remove(from: configuration.runtimeDirectory) }

    let connection = try DBusConnection.connect(to: .address(bus.address), logger: logger)
    defer { connection.close() }
    let running = try configuration.manifest.services.map {
      Running(service: $0, process: try start($0, address: bus.address))
    }

    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask {
        for await signal in signals {
          self.logger.notice("stopping the stack", metadata: ["signal": "\(signal)"])
          return
        }
      }
      group.addTask {
        try await self.supervise(running, connection: connection, address: bus.address) {
          var ready = starting
          ready.ready = true
          try? ready.write(to: self.configuration.runtimeDirectory)
          onReady(bus.address)
        }
      }
      try await group.next()
      group.cancelAll()
    }
    await stop(running)
  }

  private func supervise(
    _ running: [Running], connection: DBusConnection, address: String, ready: @Sendable () -> Void
  ) async throws {
    let readyDeadline = ContinuousClock.now + configuration.readyTimeout
    var isReady = false
    while !Task.isCancelled {
      for entry in running {
        if let status = entry.process.exitStatus, entry.restartAt == nil {
          let ranFor = ContinuousClock.now - entry.startedAt
          entry.crashes = ranFor > .seconds(30) ? 1 : entry.crashes + 1
          let delay = Duration.seconds(min(30, 1 << min(entry.crashes - 1, 5)))
          logger.warning(
            "service exited; restarting",
            metadata: [
              "service": "\(entry.service.name)", "status": "\(ChildProcess.describe(status))",
              "restart.in": "\(delay)",
            ])
          entry.restartAt = .now + delay
        }
        if let restartAt = entry.restartAt, ContinuousClock.now >= restartAt {
          entry.process = try start(entry.service, address: address)
          entry.startedAt = .now
          entry.restartAt = nil
        }
      }
      if !isReady {
        if try await allNamesOwned(connection) {
          isReady = true
          logger.info("stack ready", metadata: ["services": "\(running.count)"])
          ready()
        } else if ContinuousClock.now > readyDeadline {
          throw CabinCLIError("services did not own their names within \(configuration.readyTimeout)")
        }
      }
      try await Task.sleep(for: .milliseconds(isReady ? 250 : 50))
    }
  }

  private func allNamesOwned(_ connection: DBusConnection) async throws -> Bool {
    for service in configuration.manifest.services {
      for name in service.busNames where try await connection.nameOwner(BusName(validating: name)) == nil {
        return false
      }
    }
    return true
  }

  private func executablePath(_ service: StackManifest.Service) -> String {
    configuration.executableDirectory.appendingPathComponent(service.executable).path
  }

  private func start(_ service: StackManifest.Service, address: String) throws -> ChildProcess {
    var environment = ProcessInfo.processInfo.environment
    environment["CABIN_BUS_ADDRESS"] = address
    environment["DBUS_SESSION_BUS_ADDRESS"] = address
    let process = try ChildProcess(
      executable: executablePath(service), arguments: (service.arguments ?? []) + ["--bus", address],
      environment: environment)
    logger.info("service started", metadata: ["service": "\(service.name)", "pid": "\(process.processID)"])
    return process
  }

  private func stop(_ running: [Running]) async {
    for entry in running.reversed() {
      entry.process.send(SIGTERM)
      if await entry.process.wait(timeout: configuration.stopTimeout) == nil {
        logger.warning(
          "service did not stop in time; killing it", metadata: ["service": "\(entry.service.name)"])
        entry.process.send(SIGKILL)
        entry.process.waitBlocking()
      }
      logger.info("service stopped", metadata: ["service": "\(entry.service.name)"])
    }
  }
}
