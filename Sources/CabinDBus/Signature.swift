/// One complete D-Bus type, as described by a single complete type in a signature.
public indirect enum DBusType: Hashable, Sendable, CustomStringConvertible {
  /// `y`, an unsigned 8-bit integer.
  case byte
  /// `b`, a boolean.
  case boolean
  /// `n`, a signed 16-bit integer.
  case int16
  /// `q`, an unsigned 16-bit integer.
  case uint16
  /// `i`, a signed 32-bit integer.
  case int32
  /// `u`, an unsigned 32-bit integer.
  case uint32
  /// `x`, a signed 64-bit integer.
  case int64
  /// `t`, an unsigned 64-bit integer.
  case uint64
  /// `d`, an IEEE 754 double.
  case double
  /// `s`, a UTF-8 string without NUL characters.
  case string
  /// `o`, an object path.
  case objectPath
  /// `g`, a type signature.
  case signature
  /// `h`, a Unix file descriptor passed with the message.
  case unixFD
  /// `v`, a value that carries its own type.
  case variant
  /// `aT`, an array of elements of one type.
  case array(DBusType)
  /// `a{KV}`, an array of dictionary entries with a basic key type.
  case dictionary(key: DBusType, value: DBusType)
  /// `(…)`, a structure of one or more fields.
  case structure([DBusType])

  /// Whether this is a basic (non-container) type, allowed as a dictionary key.
  public var isBasic: Bool {
    switch self {
    case .variant, .array, .dictionary, .structure: false
    default: true
    }
  }

  /// The type's signature text, e.g. `a{sv}`.
  public var description: String {
    switch self {
    case .byte: "y"
    case .boolean: "b"
    case .int16: "n"
    case .uint16: "q"
    case .int32: "i"
    case .uint32: "u"
    case .int64: "x"
    case .uint64: "t"
    case .double: "d"
    case .string: "s"
    case .objectPath: "o"
    case .signature: "g"
    case .unixFD: "h"
    case .variant: "v"
    case .array(let element): "a" + element.description
    case .dictionary(let key, let value): "a{" + key.description + value.description + "}"
    case .structure(let fields): "(" + fields.map(\.description).joined() + ")"
    }
  }

  /// Depth of array and structure nesting, used to enforce the specification's limits.
  var nesting: (arrays: Int, structs: Int) {
    switch self {
    case .array(let element):
      let inner = element.nesting
      return (inner.arrays + 1, inner.structs)
    case .dictionary(let key, let value):
      let k = key.nesting
      let v = value.nesting
      return (max(k.arrays, v.arrays) + 1, max(k.structs, v.structs) + 1)
    case .structure(let fields):
      let inner = fields.map(\.nesting)
      return (inner.map(\.arrays).max() ?? 0, (inner.map(\.structs).max() ?? 0) + 1)
    default:
      return (0, 0)
    }
  }
}

/// A validated D-Bus type signature: zero or more complete types, at most 255 bytes.
public struct Signature: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
  /// The complete types in order.
  public let types: [DBusType]
  /// The signature text.
  public let rawValue: String

  /// The empty signature (no arguments).
  public static let empty = Signature(types: [])

  /// Builds a signature from complete types without checking length or nesting limits;
  /// the marshaller validates the text before a message is built.
  public init(types: [DBusType]) {
    self.types = types
    rawValue = types.map(\.description).joined()
  }

  /// Parses and validates signature text.
  public init(validating text: String) throws(DBusNameError) {
    let bytes = Array(text.utf8)
    guard bytes.count <= 255 else {
      throw DBusNameError(kind: "signature", text: text, reason: "is longer than 255 bytes")
    }
    var parser = SignatureParser(bytes: bytes, text: text)
    var types: [DBusType] = []
    while !parser.atEnd { types.append(try parser.parseComplete(arrayDepth: 0, structDepth: 0)) }
    self.types = types
    rawValue = text
  }

  /// Creates a signature from a literal; a literal that breaks the rules is a programming error.
  public init(stringLiteral value: String) {
    do { try self.init(validating: value) } catch { preconditionFailure(error.description) }
  }

  /// The signature text.
  public var description: String { rawValue }

  /// Whether the signature is exactly one complete type, as a variant requires.
  public var isSingleCompleteType: Bool { types.count == 1 }
}

private struct SignatureParser {
  let bytes: [UInt8]
  let text: String
  var index = 0

  // The specification limits each kind of container nesting to 32 levels.
  static let maxDepth = 32

  var atEnd: Bool { index >= bytes.count }

  func fail(_ reason: String) -> DBusNameError {
    DBusNameError(kind: "signature", text: text, reason: reason + " at byte \(index)")
  }

  mutating func parseComplete(arrayDepth: Int, structDepth: Int) throws(DBusNameError) -> DBusType {
    guard index < bytes.count else { throw fail("ends inside a container") }
    let c = bytes[index]
    index += 1
    switch c {
    case UInt8(ascii: "y"): return .byte
    case UInt8(ascii: "b"): return .boolean
    case UInt8(ascii: "n"): return .int16
    case UInt8(ascii: "q"): return .uint16
    case UInt8(ascii: "i"): return .int32
    case UInt8(ascii: "u"): return .uint32
    case UInt8(ascii: "x"): return .int64
    case UInt8(ascii: "t"): return .uint64
    case UInt8(ascii: "d"): return .double
    case UInt8(ascii: "s"): return .string
    case UInt8(ascii: "o"): return .objectPath
    case UInt8(ascii: "g"): return .signature
    case UInt8(ascii: "h"): return .unixFD
    case UInt8(ascii: "v"): return .variant
    case UInt8(ascii: "a"):
      guard arrayDepth < Self.maxDepth else { throw fail("nests arrays deeper than 32") }
      if index < bytes.count, bytes[index] == UInt8(ascii: "{") {
        index += 1
        guard structDepth < Self.maxDepth else { throw fail("nests structures deeper than 32") }
        let key = try parseComplete(arrayDepth: arrayDepth + 1, structDepth: structDepth + 1)
        guard key.isBasic else { throw fail("has a dictionary key that is not a basic type") }
        let value = try parseComplete(arrayDepth: arrayDepth + 1, structDepth: structDepth + 1)
        guard index < bytes.count, bytes[index] == UInt8(ascii: "}") else {
          throw fail("has a dictionary entry without exactly two types")
        }
        index += 1
        return .dictionary(key: key, value: value)
      }
      return .array(try parseComplete(arrayDepth: arrayDepth + 1, structDepth: structDepth))
    case UInt8(ascii: "("):
      guard structDepth < Self.maxDepth else { throw fail("nests structures deeper than 32") }
      var fields: [DBusType] = []
      while index < bytes.count, bytes[index] != UInt8(ascii: ")") {
        fields.append(try parseComplete(arrayDepth: arrayDepth, structDepth: structDepth + 1))
      }
      guard index < bytes.count else { throw fail("has an unclosed structure") }
      guard !fields.isEmpty else { throw fail("has an empty structure") }
      index += 1
      return .structure(fields)
    case UInt8(ascii: "{"):
      throw fail("has a dictionary entry outside an array")
    default:
      throw fail("has an unknown type code '\(Character(Unicode.Scalar(c)))'")
    }
  }
}
