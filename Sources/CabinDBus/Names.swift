/// A D-Bus name or path that failed validation, with the rule it broke.
public struct DBusNameError: Error, Equatable, CustomStringConvertible {
  /// The kind of name that was being validated, such as "object path".
  public var kind: String
  /// The rejected text.
  public var text: String
  /// The rule of the D-Bus specification that the text breaks.
  public var reason: String

  /// A human-readable description naming the text and the rule.
  public var description: String { "invalid \(kind) '\(text)': \(reason)" }
}

/// A name-like value validated once on construction, so it can be handed to libdbus unchecked.
public protocol DBusValidatedName: Hashable, Sendable, CustomStringConvertible, Comparable,
  ExpressibleByStringLiteral
{
  /// The validated text.
  var rawValue: String { get }
  /// Validates `text` and throws a ``DBusNameError`` naming the broken rule.
  init(validating text: String) throws(DBusNameError)
}

extension DBusValidatedName {
  /// The validated text.
  public var description: String { rawValue }

  /// Orders names by their text.
  public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

  /// Creates a name from a literal; a literal that breaks the rules is a programming error.
  public init(stringLiteral value: String) {
    do { try self.init(validating: value) } catch { preconditionFailure(error.description) }
  }
}

private func isNameCharacter(_ c: UInt8, allowHyphen: Bool) -> Bool {
  (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x5F
    || (allowHyphen && c == 0x2D)
}

private func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

/// Checks a dotted name (interface, error or well-known bus name) and returns the broken rule.
private func dottedNameProblem(
  _ text: String, allowHyphen: Bool, allowLeadingDigit: Bool
) -> String? {
  let bytes = Array(text.utf8)
  if bytes.isEmpty { return "must not be empty" }
  if bytes.count > 255 { return "is longer than 255 bytes" }
  let elements = bytes.split(separator: 0x2E, omittingEmptySubsequences: false)
  if elements.count < 2 { return "needs at least two elements separated by '.'" }
  for element in elements {
    guard let first = element.first else { return "has an empty element" }
    if !allowLeadingDigit && isDigit(first) { return "has an element starting with a digit" }
    if !element.allSatisfy({ isNameCharacter($0, allowHyphen: allowHyphen) }) {
      return "may contain only [A-Za-z0-9_\(allowHyphen ? "-" : "")] and '.'"
    }
  }
  return nil
}

/// A bus name: a unique connection name (`:1.42`) or a well-known name (`org.cabin.Voice1`).
public struct BusName: DBusValidatedName {
  /// The validated text.
  public let rawValue: String

  /// Validates a unique or well-known bus name.
  public init(validating text: String) throws(DBusNameError) {
    let problem: String?
    if text.hasPrefix(":") {
      problem = dottedNameProblem(String(text.dropFirst()), allowHyphen: true, allowLeadingDigit: true)
    } else {
      problem = dottedNameProblem(text, allowHyphen: true, allowLeadingDigit: false)
    }
    if let problem { throw DBusNameError(kind: "bus name", text: text, reason: problem) }
    rawValue = text
  }

  /// Whether this is a unique connection name assigned by the bus.
  public var isUnique: Bool { rawValue.hasPrefix(":") }

  /// The message bus itself, `org.freedesktop.DBus`.
  public static let bus: BusName = "org.freedesktop.DBus"
}

/// An interface name such as `org.freedesktop.DBus.Properties`.
public struct InterfaceName: DBusValidatedName {
  /// The validated text.
  public let rawValue: String

  /// Validates an interface name.
  public init(validating text: String) throws(DBusNameError) {
    if let problem = dottedNameProblem(text, allowHyphen: false, allowLeadingDigit: false) {
      throw DBusNameError(kind: "interface name", text: text, reason: problem)
    }
    rawValue = text
  }

  /// `org.freedesktop.DBus`, the bus's own interface.
  public static let bus: InterfaceName = "org.freedesktop.DBus"
  /// `org.freedesktop.DBus.Properties`.
  public static let properties: InterfaceName = "org.freedesktop.DBus.Properties"
  /// `org.freedesktop.DBus.Introspectable`.
  public static let introspectable: InterfaceName = "org.freedesktop.DBus.Introspectable"
  /// `org.freedesktop.DBus.Peer`.
  public static let peer: InterfaceName = "org.freedesktop.DBus.Peer"
  /// `org.freedesktop.DBus.ObjectManager`.
  public static let objectManager: InterfaceName = "org.freedesktop.DBus.ObjectManager"
  /// `org.freedesktop.DBus.Local`, used by libdbus for the local `Disconnected` signal.
  public static let local: InterfaceName = "org.freedesktop.DBus.Local"
}

/// A D-Bus error name such as `org.cabin.Voice1.Error.NotUnderstood`.
public struct ErrorName: DBusValidatedName {
  /// The validated text.
  public let rawValue: String

  /// Validates an error name (same rules as an interface name).
  public init(validating text: String) throws(DBusNameError) {
    if let problem = dottedNameProblem(text, allowHyphen: false, allowLeadingDigit: false) {
      throw DBusNameError(kind: "error name", text: text, reason: problem)
    }
    rawValue = text
  }
}

/// A method, signal or property name such as `GetAll`.
public struct MemberName: DBusValidatedName {
  /// The validated text.
  public let rawValue: String

  /// Validates a member name.
  public init(validating text: String) throws(DBusNameError) {
    let bytes = Array(text.utf8)
    let problem: String? =
      if bytes.isEmpty {
        "must not be empty"
      } else if bytes.count > 255 {
        "is longer than 255 bytes"
      } else if isDigit(bytes[0]) {
        "must not start with a digit"
      } else if !bytes.allSatisfy({ isNameCharacter($0, allowHyphen: false) }) {
        "may contain only [A-Za-z0-9_]"
      } else {
        nil
      }
    if let problem { throw DBusNameError(kind: "member name", text: text, reason: problem) }
    rawValue = text
  }
}

/// An object path such as `/org/cabin/Vehicle/Cabin/HVAC`.
public struct ObjectPath: DBusValidatedName {
  /// The validated text.
  public let rawValue: String

  /// Validates an object path.
  public init(validating text: String) throws(DBusNameError) {
    let bytes = Array(text.utf8)
    var problem: String?
    if bytes.first != 0x2F {
      problem = "must start with '/'"
    } else if bytes.count > 1 {
      if bytes.last == 0x2F {
        problem = "must not end with '/'"
      } else {
        for element in bytes.dropFirst().split(separator: 0x2F, omittingEmptySubsequences: false) {
          if element.isEmpty {
            problem = "has an empty element ('//')"
            break
          }
          if !element.allSatisfy({ isNameCharacter($0, allowHyphen: false) }) {
            problem = "elements may contain only [A-Za-z0-9_]"
            break
          }
        }
      }
    }
    if let problem { throw DBusNameError(kind: "object path", text: text, reason: problem) }
    rawValue = text
  }

  /// The root path `/`.
  public static let root: ObjectPath = "/"

  /// The path elements, empty for the root.
  public var elements: [Substring] {
    rawValue.split(separator: "/")
  }

  /// The path with `element` appended; the element must be a valid path element.
  public func appending(_ element: String) throws(DBusNameError) -> ObjectPath {
    try ObjectPath(validating: rawValue == "/" ? "/" + element : rawValue + "/" + element)
  }

  /// The parent path, or `nil` for the root.
  public var parent: ObjectPath? {
    guard rawValue != "/" else { return nil }
    let cut = rawValue.lastIndex(of: "/")!
    return cut == rawValue.startIndex ? .root : ObjectPath(unchecked: String(rawValue[..<cut]))
  }

  /// Whether `self` equals `other` or lies below it.
  public func isDescendant(of other: ObjectPath) -> Bool {
    if other.rawValue == "/" || other == self { return true }
    return rawValue.hasPrefix(other.rawValue + "/")
  }

  init(unchecked text: String) { rawValue = text }
}

extension BusName {
  init(unchecked text: String) { rawValue = text }
}

extension InterfaceName {
  init(unchecked text: String) { rawValue = text }
}

extension MemberName {
  init(unchecked text: String) { rawValue = text }
}

extension ErrorName {
  init(unchecked text: String) { rawValue = text }
}
