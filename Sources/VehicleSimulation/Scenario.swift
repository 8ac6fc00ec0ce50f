public import Foundation
public import VehicleSignals

/// A fault the simulator can inject into what it publishes.
public enum FaultKind: Sendable, Hashable {
  /// The signal reads as unavailable, without a value.
  case dropout
  /// The signal keeps the value it had when the fault began.
  case stuck
  /// Gaussian noise with this standard deviation is added (numeric signals).
  case noise(standardDeviation: Double)
  /// This offset is added (numeric signals).
  case bias(offset: Double)
  /// The signal reports this value, or one beyond its range when `nil`; consumers see `error`.
  case outOfRange(value: Double?)
  /// Readings carry timestamps this many seconds old; consumers see `stale`.
  case staleTimestamps(lag: Double)
  /// The whole provider disappears (the front end drops its bus name) and comes back at the end.
  case providerLoss

  /// The name used in scenario files and on the control interface.
  public var name: String {
    switch self {
    case .dropout: "dropout"
    case .stuck: "stuck"
    case .noise: "noise"
    case .bias: "bias"
    case .outOfRange: "out-of-range"
    case .staleTimestamps: "stale"
    case .providerLoss: "provider-loss"
    }
  }
}

/// A fault on a signal (or on the whole provider), for a time or until cleared.
public struct Fault: Sendable, Hashable {
  /// What goes wrong.
  public var kind: FaultKind
  /// The affected signal; `nil` only for ``FaultKind/providerLoss``.
  public var path: String?
  /// How long it lasts in seconds; `nil` until cleared.
  public var duration: Double?

  /// Creates a fault.
  public init(kind: FaultKind, path: String?, duration: Double?) {
    self.kind = kind
    self.path = path
    self.duration = duration
  }
}

/// Something a scenario's timeline does.
public enum ScenarioAction: Sendable, Hashable {
  /// Sets a signal's value at once (any kind of signal).
  case set(path: String, value: SignalValue)
  /// Moves a numeric signal linearly to a value over some seconds.
  case ramp(path: String, to: Double, over: Double)
  /// Asks an actuator for a target, as a client would.
  case actuate(path: String, value: SignalValue)
  /// Injects a fault.
  case fault(Fault)
  /// Clears every fault on a signal, or every fault when `nil`.
  case clearFaults(path: String?)
}

/// A timed action of a scenario.
public struct ScenarioEvent: Sendable, Hashable {
  /// Seconds from the scenario start.
  public let time: Double
  /// What happens.
  public let action: ScenarioAction
  /// The line of the scenario file that defines it (0 when built in code).
  public let line: Int

  /// Creates an event.
  public init(time: Double, action: ScenarioAction, line: Int = 0) {
    self.time = time
    self.action = action
    self.line = line
  }
}

/// A behaviour that makes the simulated vehicle plausible.
public enum Behaviour: String, Sendable, Hashable, CaseIterable {
  /// Moving state, acceleration, distance, trip, gear, pedals and position follow speed.
  case motion
  /// Battery or fuel level, range and charging follow distance and charging state.
  case energy
  /// Cabin temperature per zone approaches the set point, pulled back by the outside air.
  case climate
  /// Windows, sunroof and fans travel to their targets at realistic rates.
  case actuators
  /// Ambient light follows the time of day; low beams come on at dusk when the switch is on AUTO.
  case lights
  /// Wipers follow rain intensity when on RAIN_SENSOR.
  case wipers
}

/// The simulated vehicle's energy and drive parameters.
public struct VehicleParameters: Sendable, Hashable {
  /// How the vehicle is propelled.
  public enum Powertrain: String, Sendable, Hashable {
    /// A battery electric vehicle.
    case electric
    /// A combustion vehicle.
    case combustion
  }

  /// Electric or combustion.
  public var powertrain: Powertrain = .electric
  /// Usable battery energy in kWh.
  public var batteryCapacity: Double = 75
  /// Driving consumption: kWh/100 km (electric) or l/100 km (combustion) at a steady 50 km/h.
  public var consumption: Double = 16
  /// Charging power in kW.
  public var chargePower: Double = 11
  /// Fuel tank capacity in litres.
  public var tankCapacity: Double = 50

  /// Creates parameters with the defaults of a mid-size electric car.
  public init() {}
}

/// A simulator scenario: initial state, timeline, behaviours and an optional trace.
///
/// Scenario files are YAML with these keys (only `name` and `duration` are required):
/// `name`, `duration` (s), `seed`, `start` (ISO 8601), `tick` (s, default 0.1), `vehicle`
/// (`powertrain`, `batteryCapacity`, `consumption`, `chargePower`, `tankCapacity`), `environment`
/// (`sunrise`, `sunset` as `HH:MM`), `behaviours` (list, default all), `freshness` (path: seconds
/// or `null`), `initial` (path: value), `trace` (`file:` a `.csv` drive cycle or `.jsonl`
/// recording, relative to the scenario) and `timeline` (a list of `at:` plus one of `set:`/`value:`,
/// `ramp:`/`to:`/`over:`, `actuate:`/`value:`, `fault:`/`path:`/`duration:`/`amount:`/`value:`,
/// `clear:`).
public struct Scenario: Sendable {
  /// Where a scenario's drive comes from, besides its timeline.
  public enum Trace: Sendable, Hashable {
    /// A speed trace that drives `Vehicle.Speed`.
    case drive(DriveTrace)
    /// A recording whose events are replayed as they are.
    case recording([RecordedEvent])
  }

  /// Display name.
  public var name: String
  /// The file it came from, for messages.
  public var source: String
  /// Length in seconds of virtual time.
  public var duration: Double
  /// Seed of the random generator (noise faults, small variations).
  public var seed: UInt64 = 1
  /// Wall-clock time of the scenario start; timestamps count from here.
  public var start = Date(timeIntervalSince1970: 1_776_153_600)
  /// Length of a simulation step in seconds.
  public var tick: Double = 0.1
  /// Vehicle parameters.
  public var vehicle = VehicleParameters()
  /// Seconds after midnight (UTC) of sunrise.
  public var sunrise: Double = 7 * 3600
  /// Seconds after midnight (UTC) of sunset.
  public var sunset: Double = 19 * 3600
  /// Active behaviours.
  public var behaviours = Set(Behaviour.allCases)
  /// Freshness overrides for the store, as ``FreshnessPolicy/overrides``.
  public var freshnessOverrides: [String: Double?] = [:]
  /// Initial values, applied before the first step.
  public var initial: [String: SignalValue] = [:]
  /// An optional drive trace or recording.
  public var trace: Trace?
  /// Timed events, in time order.
  public var timeline: [ScenarioEvent] = []

  /// Creates a scenario in code.
  public init(name: String, source: String = "<memory>", duration: Double) {
    self.name = name
    self.source = source
    self.duration = duration
  }

  /// Loads and checks a scenario file against a catalog; any problem fails the whole load.
  public static func load(contentsOf url: URL, catalog: SignalCatalog) throws(ScenarioError) -> Scenario {
    let text: String
    do {
      text = try String(contentsOf: url, encoding: .utf8)
    } catch {
      throw ScenarioError(file: url.path, line: nil, reason: "cannot read the scenario: \(error)")
    }
    return try ScenarioParser(
      source: url.path, baseDirectory: url.deletingLastPathComponent(), catalog: catalog
    )
    .parse(text)
  }

  /// Parses scenario YAML; relative trace files resolve against `baseDirectory`.
  public static func parse(
    yaml: String, source: String, baseDirectory: URL, catalog: SignalCatalog
  ) throws(ScenarioError) -> Scenario {
    try ScenarioParser(source: source, baseDirectory: baseDirectory, catalog: catalog).parse(yaml)
  }
}
