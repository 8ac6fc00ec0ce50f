public import CabinDBus
public import VehicleSignals

/// The error names of `org.cabin.Vehicle1` and `org.cabin.Simulator1`; a client matches them with
/// `catch VehicleErrorName.outOfRange`.
public enum VehicleErrorName {
  /// The path names no signal in the catalog.
  public static let unknownSignal: ErrorName = "org.cabin.Vehicle1.Error.UnknownSignal"
  /// The value's type does not fit the signal's datatype.
  public static let wrongType: ErrorName = "org.cabin.Vehicle1.Error.WrongType"
  /// The value lies outside the signal's min/max or datatype range.
  public static let outOfRange: ErrorName = "org.cabin.Vehicle1.Error.OutOfRange"
  /// The value is not in the signal's allowed list.
  public static let notAllowed: ErrorName = "org.cabin.Vehicle1.Error.NotAllowed"
  /// The signal is a sensor or attribute: only actuators accept requests.
  public static let notActuator: ErrorName = "org.cabin.Vehicle1.Error.NotActuator"

  /// The simulator refused a signal path (`Set`, `InjectFault`, `ClearFaults`).
  public static let simulatorUnknownSignal: ErrorName = "org.cabin.Simulator1.Error.UnknownSignal"
  /// The simulator refused a value for `Set`.
  public static let invalidValue: ErrorName = "org.cabin.Simulator1.Error.InvalidValue"
  /// A scenario could not be found or loaded; the message names file, line and reason.
  public static let invalidScenario: ErrorName = "org.cabin.Simulator1.Error.InvalidScenario"
  /// A time, rate or fault description is invalid.
  public static let invalidArgument: ErrorName = "org.cabin.Simulator1.Error.InvalidArgument"
  /// `StopRecording` without a recording, or `StartRecording` during one.
  public static let recordingState: ErrorName = "org.cabin.Simulator1.Error.RecordingState"
  /// The recording could not be written.
  public static let writeFailed: ErrorName = "org.cabin.Simulator1.Error.WriteFailed"
}

/// A refusal by the vehicle or simulator service, carried as a versioned D-Bus error.
public struct VehicleBusError: Error, DBusErrorConvertible, CustomStringConvertible {
  /// The D-Bus error sent to the caller.
  public let dbusError: DBusError

  /// Creates an error with a name and message.
  public init(_ name: ErrorName, _ message: String) { dbusError = DBusError(name, message) }

  /// Maps a catalog rule to its `org.cabin.Vehicle1.Error.*` name (for `Actuate` and property writes).
  public init(actuation error: SignalValidationError) {
    let name: ErrorName =
      switch error.rule {
      case .unknownSignal: VehicleErrorName.unknownSignal
      case .wrongType: VehicleErrorName.wrongType
      case .outOfRange: VehicleErrorName.outOfRange
      case .notAllowed: VehicleErrorName.notAllowed
      case .notWritable: VehicleErrorName.notActuator
      }
    self.init(name, error.description)
  }

  /// Maps a catalog rule to an `org.cabin.Simulator1.Error.*` name (for simulator control).
  public init(simulator error: SignalValidationError) {
    self.init(
      error.rule == .unknownSignal ? VehicleErrorName.simulatorUnknownSignal : VehicleErrorName.invalidValue,
      error.description)
  }

  /// `name: message`.
  public var description: String { dbusError.description }
}
