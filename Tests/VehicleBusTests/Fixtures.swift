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

  /// Starts the service on `bus` (a new private bus by default).
  init(scenario: String? = "city-rain", rate: Double? = 1, autoplay: Bool = true, bus: PrivateBus? = nil)
    async throws
  {
    self.bus = try bus ?? PrivateBus()
    var configuration = VehicleServiceConfiguration(configDirectory: Self.configDirectory, scenario: scenario)
    configuration.rate = rate
    configuration.autoplay = autoplay
    var logger = Logger(label: "test.vehicle")
    logger.logLevel = .warning
    service = try await VehicleService(configuration: configuration, logger: logger)
    group = ServiceGroup(services: [service.host(bus: .address(self.bus.address))], logger: logger)
    running = Task { [group] in try await group.run() }
    connection = try self.bus.connect()
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

/// Runs `body` with a fresh vehicle service on a private bus, stopping both afterwards.
func withVehicle<T: Sendable>(
  scenario: String? = "city-rain", rate: Double? = 1, autoplay: Bool = true, bus: PrivateBus? = nil,
  _ body: (VehicleFixture) async throws -> T
) async throws -> T {
  let fixture = try await VehicleFixture(scenario: scenario, rate: rate, autoplay: autoplay, bus: bus)
  do {
    let result = try await body(fixture)
    await fixture.stop()
    return result
  } catch {
    await fixture.stop()
    throw error
  }
}
