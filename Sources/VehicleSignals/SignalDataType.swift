/// The datatype of a VSS leaf, as the `datatype` field of a vss-tools export spells it.
public enum SignalDataType: Sendable, Hashable, CustomStringConvertible {
  /// `boolean`.
  case boolean
  /// `string`.
  case string
  /// `uint8`.
  case uint8
  /// `int8`.
  case int8
  /// `uint16`.
  case uint16
  /// `int16`.
  case int16
  /// `uint32`.
  case uint32
  /// `int32`.
  case int32
  /// `uint64`.
  case uint64
  /// `int64`.
  case int64
  /// `float` (single precision in VSS; carried as `Double` here).
  case float
  /// `double`.
  case double
  /// An array of the element type, spelled `T[]` in VSS.
  indirect case array(SignalDataType)

  /// Parses a VSS datatype name such as `uint8` or `string[]`; `nil` when VSS has no such type.
  public init?(vssName: String) {
    if vssName.hasSuffix("[]") {
      guard let element = SignalDataType(vssName: String(vssName.dropLast(2))), !element.isArray else {
        return nil
      }
      self = .array(element)
      return
    }
    switch vssName {
    case "boolean": self = .boolean
    case "string": self = .string
    case "uint8": self = .uint8
    case "int8": self = .int8
    case "uint16": self = .uint16
    case "int16": self = .int16
    case "uint32": self = .uint32
    case "int32": self = .int32
    case "uint64": self = .uint64
    case "int64": self = .int64
    case "float": self = .float
    case "double": self = .double
    default: return nil
    }
  }

  /// The VSS spelling (`uint8`, `string[]`).
  public var description: String {
    switch self {
    case .boolean: "boolean"
    case .string: "string"
    case .uint8: "uint8"
    case .int8: "int8"
    case .uint16: "uint16"
    case .int16: "int16"
    case .uint32: "uint32"
    case .int32: "int32"
    case .uint64: "uint64"
    case .int64: "int64"
    case .float: "float"
    case .double: "double"
    case .array(let element): "\(element)[]"
    }
  }

  /// True for `T[]`.
  public var isArray: Bool {
    if case .array = self { return true }
    return false
  }

  /// True for the integer and floating-point scalar types.
  public var isNumeric: Bool { integerBounds != nil || self == .float || self == .double }

  /// The representable range of an integer type, `nil` for every other type.
  public var integerBounds: ClosedRange<Double>? {
    switch self {
    case .uint8: 0...Double(UInt8.max)
    case .int8: Double(Int8.min)...Double(Int8.max)
    case .uint16: 0...Double(UInt16.max)
    case .int16: Double(Int16.min)...Double(Int16.max)
    case .uint32: 0...Double(UInt32.max)
    case .int32: Double(Int32.min)...Double(Int32.max)
    case .uint64: 0...Double(UInt64.max)
    case .int64: Double(Int64.min)...Double(Int64.max)
    default: nil
    }
  }

  /// True for the unsigned integer types.
  public var isUnsigned: Bool {
    switch self {
    case .uint8, .uint16, .uint32, .uint64: true
    default: false
    }
  }

  /// The D-Bus type signature a property of this type has.
  ///
  /// D-Bus has no 8-bit signed type, so `int8` widens to `n` (int16); `float` widens to `d`.
  public var dbusSignature: String {
    switch self {
    case .boolean: "b"
    case .string: "s"
    case .uint8: "y"
    case .int8, .int16: "n"
    case .uint16: "q"
    case .uint32: "u"
    case .int32: "i"
    case .uint64: "t"
    case .int64: "x"
    case .float, .double: "d"
    case .array(let element): "a" + element.dbusSignature
    }
  }
}
