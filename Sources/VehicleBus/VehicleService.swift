public import CabinDBus
public import CabinService
public import Foundation
public import Logging
import ServiceLifecycle
import VehicleSignals
public import VehicleSimulation

/// Everything the vehicle service needs.
///
/// Keys: `configDirectory` (holds `vss/` with the catalog and overlays, and `scenarios/`),
/// `scenario` (a name in `scenarios/` or a file path; `nil` for an idle vehicle), `rate`
/// (scenario seconds per real second, `nil` as fast as possible; default 1), `autoplay` (start
/// playing at once; default true) and `throttle` (maximum change rates, see ``ThrottleConfiguration``).
public struct VehicleServiceConfiguration: Sendable {
  /// The Config directory.
  public var configDirectory: URL
  /// The scenario to load at start.
  public var scenario: String?
  /// Scenario seconds per real second; `nil` for as fast as possible.
  public var rate: Double? = 1
  /// Whether playback starts at once.
  public var autoplay = true
  /// The maximum rates of `SignalsChanged` and `PropertiesChanged` per signal.
  public var throttle = ThrottleConfiguration()

  /// Creates a configuration with defaults for everything but the Config directory.
  public init(configDirectory: URL, scenario: String? = nil) {
    self.configDirectory = configDirectory
    self.scenario = scenario
  }

  /// The scenario file a name or path stands for.
  public func scenarioURL(_ text: String) -> URL {
    text.contains("/") || text.hasSuffix(".yaml")
      ? URL(fileURLWithPath: text)
      : configDirectory.appendingPathComponent("scenarios").appendingPathComponent(text + ".yaml")
  }
}

/// The vehicle service: the simulator with `org.cabin.Vehicle1` and `org.cabin.Simulator1` on one
/// connection. `org.cabin.Vehicle1` leaves the bus during a provider-loss fault and comes back
/// after it; `org.cabin.Simulator1` stays.
public final class VehicleService: Sendable {
  /// The simulator.
  public let simulator: Simulator
  /// The vehicle objects.
  public let vehicle: VehicleObjects
  /// The simulator control object.
  public let control: SimulatorObject
  private let configuration: VehicleServiceConfiguration
  private let logger: Logger

  /// Loads the catalog and the scenario; a bad file throws with its file, line and reason and
  /// nothing is started.
  public init(configuration: VehicleServiceConfiguration, logger: Logger) async throws {
    self.configuration = configuration
    self.logger = logger
    let catalog = try SignalCatalog.project(
      directory: configuration.configDirectory.appendingPathComponent("vss"))
    let store = SignalStore(catalog: catalog)
    let scenario =
      try configuration.scenario.map {
        try Scenario.load(contentsOf: configuration.scenarioURL($0), catalog: catalog)
      }
      ?? Scenario(name: "idle", duration: 24 * 3600)
    simulator = try Simulator(scenario: scenario, store: store)
    try await simulator.setRate(configuration.rate)
    vehicle = try VehicleObjects(store: store, throttle: configuration.throttle, logger: logger)
    control = await SimulatorObject(
      simulator: simulator,
      scenarioDirectory: configuration.configDirectory.appendingPathComponent("scenarios"))
  }

  /// What the host exports (every object of both names) and the name it requests first.
  public var definition: DBusServiceDefinition {
    DBusServiceDefinition(
      busName: SimulatorObject.busName, objects: control.definition.objects + vehicle.objects,
      objectManagers: [VehicleObjects.rootPath])
  }

  /// The introspection documents, one per well-known name, as committed under
  /// `Config/dbus/interfaces/` (file name: the bus name plus `.xml`).
  public var introspectionFiles: [(file: String, xml: String)] {
    [
      ("\(VehicleObjects.busName).xml", vehicle.definition.interfaceXML),
      ("\(SimulatorObject.busName).xml", control.definition.interfaceXML),
    ]
  }

  /// A lifecycle service that exports everything, owns `org.cabin.Simulator1`, then runs
  /// ``run(on:)``.
  public func host(bus: DBusBusAddress) -> DBusServiceHost {
    DBusServiceHost(definition: definition, bus: bus, logger: logger) { names in
      try await cancelWhenGracefulShutdown { try await self.run(on: names) }
    }
  }

  /// Owns `org.cabin.Vehicle1` through `names` (so losing it to another connection stops the
  /// service), forwards signal changes and runs the simulator until cancelled; then gives the
  /// name back.
  public func run(on names: OwnedBusNames) async throws {
    let token = simulator.store.subscribe { [vehicle] in vehicle.forward($0) }
    defer {
      simulator.store.unsubscribe(token)
      vehicle.finish()
    }
    let events = await simulator.events()
    try await names.request(VehicleObjects.busName)
    if configuration.autoplay { await simulator.play() }
    do {
      try await runTasks(events: events, on: names)
    } catch {
      await releaseVehicleName(on: names)
      throw error
    }
    await releaseVehicleName(on: names)
  }

  private func runTasks(events: AsyncStream<SimulationEvent>, on names: OwnedBusNames) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await self.simulator.run() }
      group.addTask { await self.vehicle.runFlushLoop() }
      group.addTask {
        for await event in events {
          try await self.handle(event, on: names)
        }
      }
      group.addTask {
        while !Task.isCancelled {
          try await self.control.refresh()
          try await Task.sleep(for: .milliseconds(100))
        }
      }
      try await group.next()
      group.cancelAll()
    }
  }

  private func releaseVehicleName(on names: OwnedBusNames) async {
    if names.connection.isConnected { try? await names.release(VehicleObjects.busName) }
  }

  private func handle(_ event: SimulationEvent, on names: OwnedBusNames) async throws {
    switch event {
    case .providerLost:
      logger.notice(
        "provider lost: releasing the vehicle name", metadata: ["dbus.name": "\(VehicleObjects.busName)"])
      try await names.release(VehicleObjects.busName)
    case .providerRestored:
      logger.notice(
        "provider restored: owning the vehicle name again",
        metadata: ["dbus.name": "\(VehicleObjects.busName)"])
      try await names.request(VehicleObjects.busName)
    case .faultStarted, .faultEnded, .finished:
      break
    }
    try await control.refresh()
  }

}
