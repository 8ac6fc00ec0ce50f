import CabinDBus
import CabinTestKit
import Foundation
import Logging
import ServiceLifecycle
import VehicleBus
import VehicleSignals

/// A private bus with the vehicle service running in process and a client connection.
final class VehicleFixture: Sendable {
  let bus: PrivateBus
  let service: VehicleService
  let connection: DBusConnection
  let client: VehicleClient
  let group: ServiceGroup
  let running: Task<Void, any Error>

  static let configDirectory = PrivateBus.packageRoot.appendingPathComponent("Config")

  init(scenario: String? = "city-rain", rate: Double? = 1, autoplay: Bool = true) async throws {
    bus = try PrivateBus()
    var configuration = VehicleServiceConfiguration(configDirectory: Self.configDirectory, scenario: scenario)
    configuration.rate = rate
    configuration.autoplay = autoplay
    var logger = Logger(label: "test.vehicle")
    logger.logLevel = .warning
    service = try await VehicleService(configuration: configuration, logger: logger)
    group = ServiceGroup(services: [service.host(bus: .address(bus.address))], logger: logger)
    running = Task { [group] in try await group.run() }
    connection = try bus.connect()
    client = VehicleClient(connection: connection)
    let deadline = ContinuousClock.now + .seconds(10)
    while try await connection.nameOwner(VehicleObjects.busName) == nil {
      guard ContinuousClock.now < deadline else { throw DBusError(.timeout, "the service did not start") }
      try await Task.sleep(for: .milliseconds(20))
    }
  }

  /// Calls a method of `org.cabin.Simulator1`.
  func control(_ member: MemberName, _ arguments: [DBusValue] = []) async throws {
    _ = try await connection.call(
      destination: SimulatorObject.busName, path: SimulatorObject.path,
      interface: SimulatorObject.interfaceName,
      member: member, arguments)
  }

  /// Stops the service and the bus.
  func stop() async {
    await group.triggerGracefulShutdown()
    _ = try? await running.value
    connection.close()
    bus.stop()
  }
}

/// Waits for the first change of `path` that satisfies `condition`, or fails after `seconds`.
func firstChange(
  _ client: VehicleClient, _ path: String, within seconds: Double = 10,
  where condition: @escaping @Sendable (SignalReading) -> Bool
) async throws -> SignalReading? {
  let changes = try await client.changes(under: path)
  return try await withThrowingTaskGroup(of: SignalReading?.self) { group in
    group.addTask {
      for await batch in changes {
        if let match = batch.changes.first(where: { $0.path == path && condition($0.reading) }) {
          return match.reading
        }
      }
      return nil
    }
    group.addTask {
      try await Task.sleep(for: .seconds(seconds))
      return nil
    }
    let result = try await group.next() ?? nil
    group.cancelAll()
    return result
  }
}

/// Runs a command line tool and returns its exit status, standard output and standard error.
///
/// Output goes to temporary files and the wait polls, so neither a full pipe nor a blocked
/// thread of the concurrency pool can stall the service under test.
func runTool(_ executable: String, _ arguments: [String], environment: [String: String] = [:])
  async throws -> (status: Int32, output: String, error: String)
{
  let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
    "cabin-tool-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: directory) }
  let outURL = directory.appendingPathComponent("out")
  let errURL = directory.appendingPathComponent("err")
  _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
  _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
  process.standardOutput = try FileHandle(forWritingTo: outURL)
  process.standardError = try FileHandle(forWritingTo: errURL)
  try process.run()
  while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
  return (
    process.terminationStatus, (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
    (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
  )
}

/// The build directory holding the test bundle and the executables (`.build/debug`).
let buildDirectory: URL = {
  var directory = Bundle.main.bundleURL
  while directory.path != "/" {
    if FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("cabin-sim").path) {
      return directory
    }
    directory.deleteLastPathComponent()
  }
  return PrivateBus.packageRoot.appendingPathComponent(".build/debug")
}()

/// Runs `body` with a fresh vehicle service on a private bus, stopping both afterwards.
func withVehicle<T: Sendable>(
  scenario: String? = "city-rain", rate: Double? = 1, autoplay: Bool = true,
  _ body: (VehicleFixture) async throws -> T
) async throws -> T {
  let fixture = try await VehicleFixture(scenario: scenario, rate: rate, autoplay: autoplay)
  do {
    let result = try await body(fixture)
    await fixture.stop()
    return result
  } catch {
    await fixture.stop()
    throw error
  }
}
