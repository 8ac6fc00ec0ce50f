/// A signal value. Integer types are carried as `.int` (signed VSS types) or `.uint` (unsigned),
/// `float` and `double` as `.double`.
public enum SignalValue: Sendable, Hashable, CustomStringConvertible {
  /// A `boolean`.
  case bool(Bool)
  /// A signed integer (`int8` to `int64`).
  case int(Int64)
  /// An unsigned integer (`uint8` to `uint64`).
  case uint(UInt64)
  /// A `float` or `double`.
  case double(Double)
  /// A `string`.
  case string(String)
  /// A `T[]` value.
  case array([SignalValue])

  /// The value as a number when it is one (integers widen to `Double`).
  public var numericValue: Double? {
    switch self {
    case .int(let v): Double(v)
    case .uint(let v): Double(v)
    case .double(let v): v
    default: nil
    }
  }

  /// The Boolean when this is `.bool`.
  public var boolValue: Bool? {
    if case .bool(let v) = self { return v }
    return nil
  }

  /// The string when this is `.string`.
  public var stringValue: String? {
    if case .string(let v) = self { return v }
    return nil
  }

  /// A short literal form (`true`, `42`, `21.5`, `"OPEN"`, `[1, 2]`), used in messages and files.
  public var description: String {
    switch self {
    case .bool(let v): "\(v)"
    case .int(let v): "\(v)"
    case .uint(let v): "\(v)"
    case .double(let v): "\(v)"
    case .string(let v): "\"\(v)\""
    case .array(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
    }
  }

  /// The name of the case, for messages (`boolean`, `integer`, `number`, `string`, `array`).
  public var kindName: String {
    switch self {
    case .bool: "boolean"
    case .int, .uint: "integer"
    case .double: "number"
    case .string: "string"
    case .array: "array"
    }
  }

  /// Converts a number to the canonical case of a numeric datatype, rounding for integer types.
  ///
  /// Returns `nil` when the type is not numeric or the number does not fit the type.
  public static func number(_ value: Double, as type: SignalDataType) -> SignalValue? {
    guard value.isFinite else { return type == .float || type == .double ? .double(value) : nil }
    if type == .float || type == .double { return .double(value) }
    guard let bounds = type.integerBounds else { return nil }
    let rounded = value.rounded()
    guard bounds.contains(rounded) else { return nil }
    if type.isUnsigned {
      guard let u = UInt64(exactly: rounded) else { return nil }
      return .uint(u)
    }
    guard let i = Int64(exactly: rounded) else { return nil }
    return .int(i)
  }
}
