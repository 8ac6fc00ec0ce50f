public import CabinDBus
public import CabinService
public import Logging
import Synchronization
public import VehicleSignals

/// The `org.cabin.Vehicle1` side of the service: one object per VSS branch with its leaves as typed
/// properties, and the bulk interface on `/org/cabin/Vehicle`.
///
/// Each branch gets its own interface, named after the branch path below `Vehicle`
/// (`Vehicle.Cabin.HVAC.Station.Row1.Driver` -> `org.cabin.Vehicle1.Cabin.HVAC.Station.Row1.Driver`;
/// the root's own leaves are `org.cabin.Vehicle1.Vehicle`). The name follows from the VSS path,
/// which is the stable vocabulary, so it never changes when another branch gains or loses a leaf,
/// as a name shared by identical leaf sets would; and a tool such as d-feet shows the branch path.
public final class VehicleObjects: Sendable {
  /// `org.cabin.Vehicle1`.
  public static let busName: BusName = "org.cabin.Vehicle1"
  /// `/org/cabin/Vehicle`: the root branch, the object manager and the bulk interface.
  public static let rootPath: ObjectPath = "/org/cabin/Vehicle"
  /// `org.cabin.Vehicle1`, the bulk interface.
  public static let interfaceName: InterfaceName = "org.cabin.Vehicle1"

  /// The store the service reads and forwards actuation requests to.
  public let store: SignalStore
  /// The bulk interface (`Get`, `Actuate`, `Metadata`, `SignalsChanged`).
  public let bulk: DBusInterface
  /// The branch interfaces keyed by branch path.
  public let branches: [String: (path: ObjectPath, interface: DBusInterface)]
  private let throttle: Mutex<SignalThrottle>
  private let clock = ContinuousClock()
  private let origin: ContinuousClock.Instant
  private let wake: (stream: AsyncStream<Void>, continuation: AsyncStream<Void>.Continuation)
  private let logger: Logger

  /// Builds every object from the store's catalog, with the store's current values.
  public init(store: SignalStore, throttle: ThrottleConfiguration, logger: Logger) throws {
    self.store = store
    self.logger = logger
    self.throttle = Mutex(SignalThrottle(configuration: throttle))
    origin = clock.now
    wake = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    bulk = Self.makeBulkInterface(store: store)
    var branches: [String: (path: ObjectPath, interface: DBusInterface)] = [:]
    for branch in store.catalog.branchPaths {
      let leaves = store.catalog.signals(in: branch).sorted { $0.name < $1.name }
      guard !leaves.isEmpty else { continue }
      let path = try ObjectPath(validating: DBusMapping.objectPath(forBranch: branch))
      let interface = try DBusInterface(
        Self.interfaceName(forBranch: branch),
        documentation: store.catalog.branches[branch]?.description ?? branch,
        properties: leaves.map { try Self.property(for: $0, store: store) })
      branches[branch] = (path, interface)
    }
    self.branches = branches
  }

  /// The interface name of a branch's leaves, as explained in the type's documentation.
  public static func interfaceName(forBranch branch: String) throws -> InterfaceName {
    let rest = branch == "Vehicle" ? "Vehicle" : String(branch.dropFirst("Vehicle.".count))
    return try InterfaceName(validating: "org.cabin.Vehicle1." + rest)
  }

  /// Every object with its interfaces; the bulk interface sits on the root object.
  public var objects: [(path: ObjectPath, interfaces: [DBusInterface])] {
    var list = branches.values.map { entry in
      (
        path: entry.path,
        interfaces: entry.path == Self.rootPath ? [entry.interface, bulk] : [entry.interface]
      )
    }
    if branches["Vehicle"] == nil { list.append((Self.rootPath, [bulk])) }
    return list.sorted { $0.path < $1.path }
  }

  /// The service definition for `org.cabin.Vehicle1`.
  public var definition: DBusServiceDefinition {
    DBusServiceDefinition(busName: Self.busName, objects: objects, objectManagers: [Self.rootPath])
  }

  /// Forwards a store batch: changes allowed by the throttle go out at once, the rest wait for
  /// ``runFlushLoop()``.
  public func forward(_ batch: SignalBatch) {
    let now = (clock.now - origin) / .seconds(1)
    let waiting = throttle.withLock { throttle in
      emit(throttle.offer(batch.changes, now: now))
      return throttle.nextDeadline != nil
    }
    if waiting { wake.continuation.yield() }
  }

  /// Sends throttled changes when they become due, until cancelled.
  public func runFlushLoop() async {
    while !Task.isCancelled {
      let deadline = throttle.withLock { $0.nextDeadline }
      guard let deadline else {
        var iterator = wake.stream.makeAsyncIterator()
        guard await iterator.next() != nil else { return }
        continue
      }
      let wait = deadline - (clock.now - origin) / .seconds(1)
      if wait > 0 { try? await Task.sleep(for: .seconds(wait), tolerance: .microseconds(200)) }
      let now = (clock.now - origin) / .seconds(1)
      throttle.withLock { emit($0.takeDue(now: now)) }
    }
  }

  /// Ends ``runFlushLoop()`` when it waits for work.
  public func finish() { wake.continuation.finish() }

  private func emit(_ changes: [SignalChange]) {
    guard !changes.isEmpty else { return }
    var perBranch: [String: [MemberName: DBusValue]] = [:]
    var encoded: [DBusValue] = []
    for change in changes {
      guard let definition = store.catalog[change.path] else { continue }
      encoded.append(VehicleValueMapping.encode(change, type: definition.dataType))
      if let value = change.reading.value,
        let typed = VehicleValueMapping.typed(value, as: definition.dataType),
        let name = try? MemberName(validating: definition.name)
      {
        perBranch[definition.branch, default: [:]][name] = typed
      }
    }
    do {
      for (branch, values) in perBranch { try branches[branch]?.interface.setProperties(values) }
      try bulk.emit("SignalsChanged", [.array(VehicleValueMapping.readingType, encoded)])
    } catch {
      logger.error("cannot emit signal changes", metadata: ["error": "\(error)"])
    }
  }

  private static func property(for definition: SignalDefinition, store: SignalStore) throws -> DBusProperty {
    let reading = try? store.read(definition.path)
    let value =
      reading?.value.flatMap { VehicleValueMapping.typed($0, as: definition.dataType) }
      ?? VehicleValueMapping.placeholder(for: definition.dataType)
    let unit = definition.unit.map { " [\($0)]" } ?? ""
    let documentation =
      "\(definition.kind.rawValue), \(definition.dataType)\(unit): \(definition.description)"
      + (definition.kind == .actuator
        ? " Writing asks for actuation; the property changes when the value actually moves." : "")
    let name = try MemberName(validating: definition.name)
    let type = VehicleValueMapping.dbusType(for: definition.dataType)
    guard definition.kind == .actuator else {
      return DBusProperty(name, type, value: value, documentation: documentation)
    }
    let path = definition.path
    return DBusProperty(name, type, access: .readWrite, value: value, documentation: documentation) {
      requested, call in
      guard let signal = VehicleValueMapping.signalValue(requested) else {
        throw VehicleBusError(VehicleErrorName.wrongType, "\(path): cannot use a '\(requested.type)' value")
      }
      do {
        try store.requestActuation(path, to: signal, source: call.sender?.rawValue ?? "dbus")
      } catch let error as SignalValidationError {
        throw VehicleBusError(actuation: error)
      }
      // The request is queued for the provider; the property keeps its current value until the
      // provider reports that the actuator moved.
      return (try? store.read(path).value).flatMap { $0 }.flatMap {
        VehicleValueMapping.typed($0, as: definition.dataType)
      } ?? value
    }
  }

  private static func makeBulkInterface(store: SignalStore) -> DBusInterface {
    let catalog = store.catalog
    return DBusInterface(
      interfaceName,
      documentation:
        "Vehicle signals by VSS path: bulk reads, actuation requests, metadata and batched changes.",
      methods: [
        .immediate(
          "Get", in: [DBusArgument("paths", .array(.string))],
          out: [DBusArgument("readings", .array(readingType))],
          documentation:
            "Reads signals by VSS path: (path, value, status, timestamp in µs since 1970, source) each; a reading without a value carries an empty 'av'."
        ) { call in
          let paths = try call.argument(0, as: [String].self)
          var readings: [DBusValue] = []
          for path in paths {
            do {
              let reading = try store.read(path)
              let type = try catalog.definition(path).dataType
              readings.append(
                VehicleValueMapping.encode(SignalChange(path: path, reading: reading), type: type))
            } catch let error as SignalValidationError {
              throw VehicleBusError(actuation: error)
            }
          }
          return [.array(readingType, readings)]
        },
        .immediate(
          "Actuate", in: [DBusArgument("path", .string), DBusArgument("value", .variant)],
          documentation:
            "Asks an actuator for a target value, checked against the catalog (type, range, allowed values); the provider decides, and the signal changes when the value actually moves."
        ) { call in
          let (path, variant) = try call.decode(String.self, DBusVariant.self)
          guard let value = VehicleValueMapping.signalValue(variant.value) else {
            if catalog[path] == nil {
              throw VehicleBusError(VehicleErrorName.unknownSignal, "\(path): no such signal in the catalog")
            }
            throw VehicleBusError(
              VehicleErrorName.wrongType, "\(path): cannot use a '\(variant.value.type)' value")
          }
          do {
            try store.requestActuation(path, to: value, source: call.sender?.rawValue ?? "dbus")
          } catch let error as SignalValidationError {
            throw VehicleBusError(actuation: error)
          }
          return []
        },
        .immediate(
          "Metadata", in: [DBusArgument("path", .string)],
          out: [DBusArgument("metadata", .dictionary(key: .string, value: .variant))],
          documentation:
            "Describes a signal: type, kind, unit, min, max, allowed, description and signature (its D-Bus type); absent fields are left out."
        ) { call in
          let path = try call.argument(0, as: String.self)
          let definition: SignalDefinition
          do { definition = try catalog.definition(path) } catch let error as SignalValidationError {
            throw VehicleBusError(actuation: error)
          }
          return [SignalMetadata(definition).dbusValue]
        },
      ],
      signals: [
        DBusSignalDescription(
          "SignalsChanged", [DBusArgument("changes", .array(readingType))],
          documentation:
            "Changed signals, many per message, each sent at most at its maximum rate (10 Hz by default, 100 Hz for Vehicle.Speed and the steering angle); the latest value of a held-back signal always follows."
        )
      ])
  }

  private static var readingType: DBusType { VehicleValueMapping.readingType }
}
