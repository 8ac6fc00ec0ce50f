/// An error with a D-Bus error name and a human-readable message, as carried by error replies.
///
/// Well-known names are static members of ``ErrorName``: `DBusError(.unknownMethod, "…")`, and
/// `catch DBusError.Name.unknownMethod` matches by name.
public struct DBusError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The error's D-Bus name, such as `org.freedesktop.DBus.Error.UnknownMethod`.
  public var name: ErrorName
  /// The human-readable message.
  public var message: String

  /// Creates an error with a name and a message.
  public init(_ name: ErrorName, _ message: String) {
    self.name = name
    self.message = message
  }

  /// `name: message`.
  public var description: String { "\(name): \(message)" }
}

extension ErrorName {
  /// Matches an error against a well-known name in `catch` clauses and `switch` cases.
  public static func ~= (pattern: ErrorName, value: any Error) -> Bool {
    (value as? any DBusErrorConvertible)?.dbusError.name == pattern
  }

  /// `org.freedesktop.DBus.Error.Failed`: a generic failure.
  public static let failed: ErrorName = "org.freedesktop.DBus.Error.Failed"
  /// `org.freedesktop.DBus.Error.NoMemory`.
  public static let noMemory: ErrorName = "org.freedesktop.DBus.Error.NoMemory"
  /// `org.freedesktop.DBus.Error.ServiceUnknown`: no owner for the destination name.
  public static let serviceUnknown: ErrorName = "org.freedesktop.DBus.Error.ServiceUnknown"
  /// `org.freedesktop.DBus.Error.NameHasNoOwner`.
  public static let nameHasNoOwner: ErrorName = "org.freedesktop.DBus.Error.NameHasNoOwner"
  /// `org.freedesktop.DBus.Error.NoReply`: the call timed out.
  public static let noReply: ErrorName = "org.freedesktop.DBus.Error.NoReply"
  /// `org.freedesktop.DBus.Error.Timeout`.
  public static let timeout: ErrorName = "org.freedesktop.DBus.Error.Timeout"
  /// `org.freedesktop.DBus.Error.Disconnected`: the connection is closed.
  public static let disconnected: ErrorName = "org.freedesktop.DBus.Error.Disconnected"
  /// `org.freedesktop.DBus.Error.BadAddress`.
  public static let badAddress: ErrorName = "org.freedesktop.DBus.Error.BadAddress"
  /// `org.freedesktop.DBus.Error.NotSupported`.
  public static let notSupported: ErrorName = "org.freedesktop.DBus.Error.NotSupported"
  /// `org.freedesktop.DBus.Error.LimitsExceeded`.
  public static let limitsExceeded: ErrorName = "org.freedesktop.DBus.Error.LimitsExceeded"
  /// `org.freedesktop.DBus.Error.AccessDenied`.
  public static let accessDenied: ErrorName = "org.freedesktop.DBus.Error.AccessDenied"
  /// `org.freedesktop.DBus.Error.InvalidArgs`: wrong argument signature or value.
  public static let invalidArgs: ErrorName = "org.freedesktop.DBus.Error.InvalidArgs"
  /// `org.freedesktop.DBus.Error.UnknownMethod`.
  public static let unknownMethod: ErrorName = "org.freedesktop.DBus.Error.UnknownMethod"
  /// `org.freedesktop.DBus.Error.UnknownObject`.
  public static let unknownObject: ErrorName = "org.freedesktop.DBus.Error.UnknownObject"
  /// `org.freedesktop.DBus.Error.UnknownInterface`.
  public static let unknownInterface: ErrorName = "org.freedesktop.DBus.Error.UnknownInterface"
  /// `org.freedesktop.DBus.Error.UnknownProperty`.
  public static let unknownProperty: ErrorName = "org.freedesktop.DBus.Error.UnknownProperty"
  /// `org.freedesktop.DBus.Error.PropertyReadOnly`.
  public static let propertyReadOnly: ErrorName = "org.freedesktop.DBus.Error.PropertyReadOnly"
  /// `org.freedesktop.DBus.Error.InconsistentMessage`.
  public static let inconsistentMessage: ErrorName =
    "org.freedesktop.DBus.Error.InconsistentMessage"
  /// `org.freedesktop.DBus.Error.MatchRuleInvalid`.
  public static let matchRuleInvalid: ErrorName = "org.freedesktop.DBus.Error.MatchRuleInvalid"
}

extension DBusError {
  /// The well-known names, so callers can write `catch DBusError.Name.unknownMethod`.
  public typealias Name = ErrorName
}

/// A service's own error type that knows its D-Bus error name and message.
///
/// Errors thrown by method handlers that conform are sent with their own name; any other error
/// becomes `org.freedesktop.DBus.Error.Failed` and is logged.
public protocol DBusErrorConvertible: Error {
  /// The D-Bus error to send in the reply.
  var dbusError: DBusError { get }
}

extension DBusError: DBusErrorConvertible {
  /// The error itself.
  public var dbusError: DBusError { self }
}

extension DBusNameError: DBusErrorConvertible {
  /// An invalid name in input is an `InvalidArgs` error.
  public var dbusError: DBusError { DBusError(.invalidArgs, description) }
}
