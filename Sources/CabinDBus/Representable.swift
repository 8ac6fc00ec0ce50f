/// A Swift type with a fixed D-Bus type that converts to and from ``DBusValue``.
///
/// Decoding checks the value's type and throws `org.freedesktop.DBus.Error.InvalidArgs` naming
/// the expected and the actual type, so a handler that decodes a wrong argument answers the
/// caller with a clear error instead of trapping.
public protocol DBusRepresentable: Sendable {
  /// The D-Bus type every value of this Swift type has.
  static var dbusType: DBusType { get }
  /// The value as a ``DBusValue`` of type ``dbusType``.
  var dbusValue: DBusValue { get }
  /// Decodes a value, unwrapping variants, or throws `InvalidArgs`.
  init(dbusValue: DBusValue) throws(DBusError)
}

extension DBusRepresentable {
  /// The value wrapped in a variant (`v`).
  public var dbusVariant: DBusValue { .variant(dbusValue) }
}

/// The error thrown when a value does not have the expected type.
func typeMismatch(_ expected: DBusType, _ value: DBusValue) -> DBusError {
  DBusError(.invalidArgs, "expected a value of type '\(expected)', got '\(value.type)'")
}

extension Bool: DBusRepresentable {
  /// `b`
  public static var dbusType: DBusType { .boolean }
  /// `.boolean(self)`
  public var dbusValue: DBusValue { .boolean(self) }
  /// Decodes a `b`.
  public init(dbusValue: DBusValue) throws(DBusError) {
    guard case .boolean(let v) = dbusValue.unwrappingVariant else {
      throw typeMismatch(Self.dbusType, dbusValue)
    }
    self = v
  }
}

extension UInt8: DBusRepresentable {
  /// `y`
  public static var dbusType: DBusType { .byte }
  /// `.byte(self)`
  public var dbusValue: DBusValue { .byte(self) }
  /// Decodes a `y`.
  public init(dbusValue: DBusValue) throws(DBusError) {
    guard case .byte(let v) = dbusValue.unwrappingVariant else {
      throw typeMismatch(Self.dbusType, dbusValue)
    }
    self = v
  }
}

extension Int16: DBusRepresentable {
  /// `n`
  public static var dbusType: DBusType { .int16 }
  /// `.int16(self)`
  public var dbusValue: DBusValue { .int16(self) }
  /// Decodes an `n`.
  public init(dbusValue: DBusValue) throws(DBusError) {
    guard case .int16(let v) = dbusValue.unwrappingVariant else {
      throw typeMismatch(Self.dbusType, dbusValue)
    }
    self = v
  }
}

extension UInt16: DBusRepresentable {
  /// `q`
  public static var dbusType: DBusType { .uint16 }
  /// `.uint16(self)`
  public var dbusValue: DBusValue { .uint16(self) }
  /// Decodes a `q`.
  public init(dbusValue: DBusValue) throws(DBusError) {
    guard case .uint16(let v) = dbusValue.unwrappingVariant else {
      throw typeMismatch(Self.dbusType, dbusValue)
    }
    self = v
  }
}

extension Int32: DBusRepresentable {
  /// `i`
  public static var dbusType: DBusType { .int32 }
  /// `.int32(self)`
  public var dbusValue: DBusValue { .int32(self) }
  /// Decodes an `i`.
  public init(dbusValue: DBusValue) throws(DBusError) {
    guard case .int32(let v) = dbusValue.unwrappingVariant else {
      throw typeMismatch(Self.dbusType, dbusValue)
    }
    self = v
  }
}

extension UInt32: DBusRepresentable {
  /// `u`
  public static var dbusType: DBusType { .uint32 }
  /// `.uint32(self)`
  public var dbusValue: DBusValue { .uint32(self) }
  /// Decodes a `u`.
  public init(dbusValue: DBusValue) throws(DBusError) {
    guard case .uint32(let v) = dbusValue.unwrappingVariant else {
      throw typeMismatch(Self.dbusType, dbusValue)
    }
    self = v
  }
}

extension Int64: DBusRepresentable {
  /// `x`
  public static var dbusType: DBusType { .int64 }
  /// `.int64(self)`
  public var dbusValue: DBusValue { .int64(self) }
  /// Decodes an `x`.
  public init(dbusValue: DBusValue) throws(DBusError) {
    guard case .int64(let v) = dbusValue.unwrappingVariant else {
      throw typeMismatch(Self.dbusType, dbusValue)
    }
    self = v
  }
}

extension UInt64: DBusRepresentable {
  /// `t`
  public static var dbusType: DBusType { .uint64 }
  /// `.uint64(self)`
  public var dbusValue: DBusValue { .uint64(self) }
  /// Decodes a `t`.
  public init(dbusValue: DBusValue) throws(DBusError) {
    guard case .uint64(let v) = dbusValue.unwrappingVariant else {
      throw typeMismatch(Self.dbusType, dbusValue)
    }
    self = v
  }
}

extension Double: DBusRepresentable {
  /// `d`
  public static var dbusType: DBusType { .double }
  /// `.double(self)`
  public var dbusValue: DBusValue { .double(self) }
  /// Decodes a `d`.
  public init(dbusValue: DBusValue) throws(DBusError) {
    guard case .double(let v) = dbusValue.unwrappingVariant else {
      throw typeMismatch(Self.dbusType, dbusValue)
    }
    self = v
  }
}

extension String: DBusRepresentable {
  /// `s`
  public static var dbusType: DBusType { .string }
  /// `.string(self)`
  public var dbusValue: DBusValue { .string(self) }
  /// Decodes an `s`.
  public init(dbusValue: DBusValue) throws(DBusError) {
    guard case .string(let v) = dbusValue.unwrappingVariant else {
      throw typeMismatch(Self.dbusType, dbusValue)
    }
    self = v
  }
}

extension ObjectPath: DBusRepresentable {
  /// `o`
  public static var dbusType: DBusType { .objectPath }
  /// `.objectPath(self)`
  public var dbusValue: DBusValue { .objectPath(self) }
  /// Decodes an `o`.
  public init(dbusValue: DBusValue) throws(DBusError) {
    guard case .objectPath(let v) = dbusValue.unwrappingVariant else {
      throw typeMismatch(Self.dbusType, dbusValue)
    }
    self = v
  }
}

extension Signature: DBusRepresentable {
  /// `g`
  public static var dbusType: DBusType { .signature }
  /// `.signature(self)`
  public var dbusValue: DBusValue { .signature(self) }
  /// Decodes a `g`.
  public init(dbusValue: DBusValue) throws(DBusError) {
    guard case .signature(let v) = dbusValue.unwrappingVariant else {
      throw typeMismatch(Self.dbusType, dbusValue)
    }
    self = v
  }
}

extension DBusFileDescriptor: DBusRepresentable {
  /// `h`
  public static var dbusType: DBusType { .unixFD }
  /// `.unixFD(self)`
  public var dbusValue: DBusValue { .unixFD(self) }
  /// Decodes an `h`; the result shares ownership with the value.
  public convenience init(dbusValue: DBusValue) throws(DBusError) {
    guard case .unixFD(let v) = dbusValue.unwrappingVariant else {
      throw typeMismatch(Self.dbusType, dbusValue)
    }
    try self.init(duplicating: v.rawValue)
  }
}

/// A value of any type, sent as a variant (`v`).
public struct DBusVariant: DBusRepresentable, Hashable {
  /// The wrapped value.
  public var value: DBusValue

  /// Wraps a value.
  public init(_ value: DBusValue) { self.value = value }

  /// Wraps a representable Swift value.
  public init(_ value: some DBusRepresentable) { self.value = value.dbusValue }

  /// `v`
  public static var dbusType: DBusType { .variant }
  /// `.variant(value)`
  public var dbusValue: DBusValue { .variant(value) }
  /// Decodes a `v`, keeping its contents.
  public init(dbusValue: DBusValue) throws(DBusError) {
    guard case .variant(let inner) = dbusValue else { throw typeMismatch(.variant, dbusValue) }
    value = inner
  }
}

extension Array: DBusRepresentable where Element: DBusRepresentable {
  /// `aT`
  public static var dbusType: DBusType { .array(Element.dbusType) }
  /// An array value.
  public var dbusValue: DBusValue { .array(Element.dbusType, map(\.dbusValue)) }
  /// Decodes an `aT`, element by element.
  public init(dbusValue: DBusValue) throws(DBusError) {
    guard case .array(_, let items) = dbusValue.unwrappingVariant else {
      throw typeMismatch(Self.dbusType, dbusValue)
    }
    var result: [Element] = []
    result.reserveCapacity(items.count)
    for item in items { result.append(try Element(dbusValue: item)) }
    self = result
  }
}

extension Dictionary: DBusRepresentable where Key: DBusRepresentable, Value: DBusRepresentable {
  /// `a{KV}`
  public static var dbusType: DBusType { .dictionary(key: Key.dbusType, value: Value.dbusType) }
  /// A dictionary value with entries in key order, so equal dictionaries marshal identically.
  public var dbusValue: DBusValue {
    let entries = map { DBusDictEntry($0.key.dbusValue, $0.value.dbusValue) }
      .sorted { $0.key.description < $1.key.description }
    return .dictionary(key: Key.dbusType, value: Value.dbusType, entries)
  }
  /// Decodes an `a{KV}`; a repeated key keeps its last value.
  public init(dbusValue: DBusValue) throws(DBusError) {
    guard case .dictionary(_, _, let entries) = dbusValue.unwrappingVariant else {
      throw typeMismatch(Self.dbusType, dbusValue)
    }
    var result: [Key: Value] = [:]
    for entry in entries {
      result[try Key(dbusValue: entry.key)] = try Value(dbusValue: entry.value)
    }
    self = result
  }
}
