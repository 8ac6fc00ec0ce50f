public import CabinDBus
public import CabinService
public import Foundation
import Synchronization
import VehicleSignals
public import VehicleSimulation

/// `org.cabin.Simulator1` on `/org/cabin/Simulator`: control of the simulator behind the vehicle
/// signals (load, play, pause, seek, rate, set, faults, recording).
public final class SimulatorObject: Sendable {
  /// `org.cabin.Simulator1`.
  public static let busName: BusName = "org.cabin.Simulator1"
  /// `/org/cabin/Simulator`.
  public static let path: ObjectPath = "/org/cabin/Simulator"
  /// `org.cabin.Simulator1`.
  public static let interfaceName: InterfaceName = "org.cabin.Simulator1"

  /// The simulator under control.
  public let simulator: Simulator
  /// The control interface.
  public let interface: DBusInterface

  /// Creates the object; `scenarioDirectory` resolves scenario names given to `Load`.
  public init(simulator: Simulator, scenarioDirectory: URL) async {
    self.simulator = simulator
    let status = await simulator.status
    let holder = ControlState()
    interface = DBusInterface(
      Self.interfaceName,
      documentation:
        "Controls the vehicle simulator: scenario playback, signal values, faults and recording.",
      methods: Self.methods(simulator, scenarioDirectory, holder),
      properties: [
        DBusProperty(
          "Scenario", .string, value: .string(status.scenario), documentation: "The loaded scenario's name."),
        DBusProperty(
          "Time", .double, value: .double(status.time), documentation: "Seconds of scenario time elapsed."),
        DBusProperty(
          "Duration", .double, value: .double(status.duration),
          documentation: "The scenario's length in seconds."),
        DBusProperty(
          "Playing", .boolean, value: .boolean(status.isPlaying), documentation: "True while playing."),
        DBusProperty(
          "Rate", .double, value: .double(status.rate ?? 0),
          documentation: "Scenario seconds per real second; 0 means as fast as possible."),
        DBusProperty(
          "Recording", .boolean, value: .boolean(status.isRecording), documentation: "True while recording."),
        DBusProperty(
          "ProviderAvailable", .boolean, value: .boolean(status.isProviderAvailable),
          documentation: "False while a provider-loss fault has taken org.cabin.Vehicle1 off the bus."),
        DBusProperty(
          "Faults", Self.faultListType, value: Self.faultList(status.faults),
          documentation: "The faults in force: (kind, path, seconds; 0 until cleared)."),
      ])
    holder.interface.withLock { $0 = interface }
  }

  /// The service definition for `org.cabin.Simulator1`.
  public var definition: DBusServiceDefinition {
    DBusServiceDefinition(busName: Self.busName, objects: [(Self.path, [interface])])
  }

  /// Publishes the simulator's current status as properties (one `PropertiesChanged` if any moved).
  public func refresh() async throws {
    try Self.refresh(interface, from: await simulator.status)
  }

  private static let faultListType = DBusType.array(.structure([.string, .string, .double]))

  private static func faultList(_ faults: [Fault]) -> DBusValue {
    .array(
      .structure([.string, .string, .double]),
      faults.map { .structure([.string($0.kind.name), .string($0.path ?? ""), .double($0.duration ?? 0)]) })
  }

  private static func refresh(_ interface: DBusInterface, from status: SimulatorStatus) throws {
    try interface.setProperties([
      "Scenario": .string(status.scenario), "Time": .double(status.time),
      "Duration": .double(status.duration),
      "Playing": .boolean(status.isPlaying), "Rate": .double(status.rate ?? 0),
      "Recording": .boolean(status.isRecording), "ProviderAvailable": .boolean(status.isProviderAvailable),
      "Faults": faultList(status.faults),
    ])
  }

  /// Parses `InjectFault`'s kind argument: a fault name, with `=amount` for noise (standard
  /// deviation), bias (offset) and stale (lag in seconds), optionally for out-of-range (the value).
  public static func faultKind(_ text: String) throws(VehicleBusError) -> FaultKind {
    let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
    let name = parts.first ?? ""
    let amount = parts.count == 2 ? Double(parts[1]) : nil
    if parts.count == 2, amount == nil {
      throw VehicleBusError(VehicleErrorName.invalidArgument, "fault '\(text)': the amount is not a number")
    }
    func required() throws(VehicleBusError) -> Double {
      guard let amount else {
        throw VehicleBusError(VehicleErrorName.invalidArgument, "fault '\(name)' needs an amount: \(name)=N")
      }
      return amount
    }
    switch name {
    case "dropout": return .dropout
    case "stuck": return .stuck
    case "noise": return .noise(standardDeviation: abs(try required()))
    case "bias": return .bias(offset: try required())
    case "stale": return .staleTimestamps(lag: abs(try required()))
    case "out-of-range": return .outOfRange(value: amount)
    case "provider-loss": return .providerLoss
    default:
      throw VehicleBusError(
        VehicleErrorName.invalidArgument,
        "unknown fault '\(name)'; known: dropout, stuck, noise, bias, out-of-range, stale, provider-loss")
    }
  }

  /// The interface (set once it exists) and the file of the recording in progress.
  private final class ControlState: Sendable {
    let interface = Mutex<DBusInterface?>(nil)
    let recordingFile = Mutex<URL?>(nil)
    func refresh(_ simulator: Simulator) async throws {
      guard let interface = self.interface.withLock({ $0 }) else { return }
      try SimulatorObject.refresh(interface, from: await simulator.status)
    }
  }

  private static func methods(
    _ simulator: Simulator, _ scenarioDirectory: URL, _ holder: ControlState
  ) -> [DBusMethod] {
    func control(
      _ name: MemberName, _ inputs: [DBusArgument], _ documentation: String,
      _ body: @escaping @Sendable (DBusMethodCall) async throws -> Void
    ) -> DBusMethod {
      DBusMethod(name, in: inputs, documentation: documentation) { call in
        try await body(call)
        try await holder.refresh(simulator)
        return []
      }
    }
    return [
      control(
        "Load", [DBusArgument("scenario", .string)],
        "Loads a scenario by name (from the scenario directory) or file path and pauses at its start; a bad file changes nothing and the error names file, line and reason."
      ) { call in
        let text = try call.argument(0, as: String.self)
        let url =
          text.contains("/") || text.hasSuffix(".yaml")
          ? URL(fileURLWithPath: text) : scenarioDirectory.appendingPathComponent(text + ".yaml")
        do { try await simulator.load(contentsOf: url) } catch {
          throw VehicleBusError(VehicleErrorName.invalidScenario, "\(error)")
        }
      },
      control("Play", [], "Starts or resumes playback.") { _ in await simulator.play() },
      control("Pause", [], "Pauses playback; the state stays.") { _ in await simulator.pause() },
      control(
        "Seek", [DBusArgument("seconds", .double)],
        "Jumps to a scenario time; going back replays from the start."
      ) { call in
        do { try await simulator.seek(to: try call.argument(0, as: Double.self)) } catch let error
          as SimulatorError
        {
          throw VehicleBusError(VehicleErrorName.invalidArgument, error.description)
        }
      },
      control(
        "SetRate", [DBusArgument("rate", .double)],
        "Sets scenario seconds per real second (0.1 to 1000); 0 runs as fast as possible."
      ) { call in
        let rate = try call.argument(0, as: Double.self)
        do { try await simulator.setRate(rate == 0 ? nil : rate) } catch let error as SimulatorError {
          throw VehicleBusError(VehicleErrorName.invalidArgument, error.description)
        }
      },
      control(
        "Set", [DBusArgument("path", .string), DBusArgument("value", .variant)],
        "Sets any signal's value in the model (sensors too), checked against the catalog; published with the next step."
      ) { call in
        let (path, variant) = try call.decode(String.self, DBusVariant.self)
        guard let value = VehicleValueMapping.signalValue(variant.value) else {
          throw VehicleBusError(
            VehicleErrorName.invalidValue, "\(path): cannot use a '\(variant.value.type)' value")
        }
        do { try await simulator.set(path, to: value) } catch let error as SignalValidationError {
          throw VehicleBusError(simulator: error)
        }
      },
      control(
        "InjectFault",
        [DBusArgument("kind", .string), DBusArgument("path", .string), DBusArgument("duration", .double)],
        "Injects a fault: kind is dropout, stuck, noise=SD, bias=OFFSET, out-of-range[=VALUE], stale=LAG or provider-loss (path empty); duration in seconds, 0 until cleared."
      ) { call in
        let (kindText, path, duration) = try call.decode(String.self, String.self, Double.self)
        let kind = try faultKind(kindText)
        let fault = Fault(
          kind: kind, path: path.isEmpty ? nil : path, duration: duration > 0 ? duration : nil)
        do { try await simulator.inject(fault) } catch let error as SignalValidationError {
          throw VehicleBusError(simulator: error)
        }
      },
      control(
        "ClearFaults", [DBusArgument("path", .string)],
        "Clears the faults on a signal, or every fault when path is empty."
      ) { call in
        let path = try call.argument(0, as: String.self)
        if !path.isEmpty, simulator.store.catalog[path] == nil {
          throw VehicleBusError(
            VehicleErrorName.simulatorUnknownSignal, "\(path): no such signal in the catalog")
        }
        await simulator.clearFaults(path: path.isEmpty ? nil : path)
      },
      control(
        "StartRecording", [DBusArgument("file", .string)],
        "Starts recording every published change; StopRecording writes them to file as JSON Lines."
      ) { call in
        let file = URL(fileURLWithPath: try call.argument(0, as: String.self))
        let started = holder.recordingFile.withLock { current -> Bool in
          guard current == nil else { return false }
          current = file
          return true
        }
        guard started else {
          throw VehicleBusError(
            VehicleErrorName.recordingState, "already recording; call StopRecording first")
        }
        await simulator.startRecording()
      },
      control("StopRecording", [], "Stops recording and writes the file given to StartRecording.") { _ in
        guard
          let file = holder.recordingFile.withLock({ current in
            defer { current = nil }
            return current
          }),
          let data = await simulator.stopRecording()
        else {
          throw VehicleBusError(VehicleErrorName.recordingState, "not recording")
        }
        do { try data.write(to: file) } catch {
          throw VehicleBusError(
            VehicleErrorName.writeFailed, "cannot write \(file.path): \(error.localizedDescription)")
        }
      },
    ]
  }
}
