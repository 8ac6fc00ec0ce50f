public import ArgumentParser
public import CabinDBus
public import Logging
public import ServiceLifecycle

/// What a Cabin service puts on the bus: its well-known name and its objects.
public struct DBusServiceDefinition: Sendable {
  /// The well-known name requested after every object is exported.
  public var busName: BusName
  /// The objects, each with its interfaces.
  public var objects: [(path: ObjectPath, interfaces: [DBusInterface])]
  /// Paths that serve `org.freedesktop.DBus.ObjectManager` for the objects below them.
  public var objectManagers: [ObjectPath]

  /// Creates a definition.
  public init(
    busName: BusName, objects: [(path: ObjectPath, interfaces: [DBusInterface])],
    objectManagers: [ObjectPath] = []
  ) {
    self.busName = busName
    self.objects = objects
    self.objectManagers = objectManagers
  }

  /// Every distinct interface the service implements, as one introspection document: what
  /// `--print-introspection` prints and `Config/dbus/interfaces/` holds.
  public var interfaceXML: String {
    var seen: [InterfaceName: DBusInterfaceDescription] = [:]
    for object in objects {
      for interface in object.interfaces { seen[interface.name] = interface.description }
    }
    return DBusIntrospection.document(interfaces: seen.values.sorted { $0.name < $1.name })
  }
}

/// Options every Cabin service executable accepts.
public struct ServiceOptions: ParsableArguments {
  /// `--bus session|system|ADDRESS`.
  @Option(
    name: .long,
    help: "The bus: 'session', 'system' or a D-Bus address (default: $CABIN_BUS_ADDRESS, else session).")
  public var bus: String?

  /// `--print-introspection`.
  @Flag(name: .long, help: "Print the introspection XML of every interface and exit.")
  public var printIntrospection = false

  /// `--log-level`.
  @Option(
    name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.",
    transform: Logger.Level.parsingArgument)
  public var logLevel: Logger.Level = .info

  /// Creates default options.
  public init() {}

  /// The bus to use: the option, else `$CABIN_BUS_ADDRESS`, else the session bus.
  public func busAddress(environment: [String: String]) -> DBusBusAddress {
    if let bus { return DBusBusAddress(parsing: bus) }
    if let address = environment["CABIN_BUS_ADDRESS"] { return .address(address) }
    return .session
  }
}

extension Logger.Level {
  /// Parses a `--log-level` argument; a transform rather than an `ExpressibleByArgument`
  /// conformance, which would be a retroactive conformance of another module's type.
  public static func parsingArgument(_ text: String) throws -> Logger.Level {
    guard let level = Logger.Level(rawValue: text) else {
      throw ValidationError(
        "unknown log level '\(text)'; use one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))"
      )
    }
    return level
  }
}

/// Runs one service on the bus as a swift-service-lifecycle `Service`: exports the objects,
/// then requests the name; on graceful shutdown releases the name first, then closes.
public final class DBusServiceHost: Service {
  private let definition: DBusServiceDefinition
  private let bus: DBusBusAddress
  private let logger: Logger
  private let onConnected: @Sendable (OwnedBusNames) async throws -> Void

  /// Creates a host. `onConnected` runs after the name is owned, for services that also watch
  /// other services or own more names (through the ``OwnedBusNames`` it gets, so that losing
  /// them is noticed too); it may run until graceful shutdown.
  public init(
    definition: DBusServiceDefinition, bus: DBusBusAddress, logger: Logger,
    onConnected: @escaping @Sendable (OwnedBusNames) async throws -> Void = { _ in }
  ) {
    self.definition = definition
    self.bus = bus
    self.logger = logger
    self.onConnected = onConnected
  }

  /// Serves until graceful shutdown; throws when the connection or a name is lost (see
  /// ``OwnedBusNames`` for the name policy), so the process exits non-zero and is restarted.
  public func run() async throws {
    let connection = try DBusConnection.connect(to: bus, logger: logger)
    defer { connection.close() }
    for manager in definition.objectManagers { connection.addObjectManager(at: manager) }
    for object in definition.objects { try connection.export(object.interfaces, at: object.path) }
    let names = try await OwnedBusNames(connection: connection)
    try await names.request(definition.busName)
    logger.info(
      "service ready",
      metadata: [
        "dbus.name": "\(definition.busName)", "dbus.unique": "\(connection.uniqueName?.rawValue ?? "")",
      ])
    do {
      try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
          try await self.onConnected(names)
          try await gracefulShutdown()
        }
        group.addTask { try await names.watch() }
        // Whichever ends first (shutdown, a lost name or connection, or the service's own work
        // failing) ends all.
        try await group.next()
        group.cancelAll()
      }
    } catch let lost as BusNameLost {
      logger.error(
        "lost a well-known name; stopping so that the supervisor restarts the service",
        metadata: ["dbus.name": "\(lost.name)", "dbus.owner": "\(lost.newOwner?.rawValue ?? "none")"])
      throw lost
    }
    if connection.isConnected {
      try? await names.release(definition.busName)
    }
    logger.info("service stopped", metadata: ["dbus.name": "\(definition.busName)"])
  }

  /// Runs `host` in a `ServiceGroup` that shuts down gracefully on SIGTERM and SIGINT.
  public static func runUntilSignalled(_ host: DBusServiceHost, logger: Logger) async throws {
    let group = ServiceGroup(
      configuration: ServiceGroupConfiguration(
        services: [.init(service: host)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    try await group.run()
  }
}
