public import CabinDBus
import Foundation
public import VehicleSignals

/// How catalog values travel on the bus: one typed D-Bus value per VSS datatype, and one
/// structure per reading in `Get` replies and `SignalsChanged`.
public enum VehicleValueMapping {
  /// The D-Bus type of a property holding a signal of `type` (`int8` widens to `n`, `float` to `d`).
  public static func dbusType(for type: SignalDataType) -> DBusType {
    switch type {
    case .boolean: .boolean
    case .string: .string
    case .uint8: .byte
    case .int8, .int16: .int16
    case .uint16: .uint16
    case .uint32: .uint32
    case .int32: .int32
    case .uint64: .uint64
    case .int64: .int64
    case .float, .double: .double
    case .array(let element): .array(dbusType(for: element))
    }
  }

  /// A reading on the bus: `(path, value, status, timestamp in microseconds since 1970, source)`.
  public static let readingType = DBusType.structure([.string, .variant, .string, .int64, .string])

  /// What a reading without a value carries in its `v` field: an empty `av`.
  public static let noValue = DBusValue.array(.variant, [])

  /// A value of `type` for a property whose signal has never had one: false, zero, empty.
  public static func placeholder(for type: SignalDataType) -> DBusValue {
    switch type {
    case .boolean: .boolean(false)
    case .string: .string("")
    case .array(let element): .array(dbusType(for: element), [])
    default: typed(.double(0), as: type) ?? .double(0)
    }
  }

  /// `value` as the D-Bus type of `type`, or `nil` when it does not fit (a fault's out-of-range
  /// value, a value of the wrong kind).
  public static func typed(_ value: SignalValue, as type: SignalDataType) -> DBusValue? {
    switch (type, value) {
    case (.boolean, .bool(let b)): return .boolean(b)
    case (.string, .string(let s)): return .string(s)
    case (.array(let element), .array(let items)):
      var converted: [DBusValue] = []
      for item in items {
        guard let typedItem = typed(item, as: element) else { return nil }
        converted.append(typedItem)
      }
      return .array(dbusType(for: element), converted)
    case (.float, _), (.double, _):
      return value.numericValue.map { .double($0) }
    default:
      guard let number = value.numericValue, number.rounded() == number,
        type.integerBounds?.contains(number) == true
      else { return nil }
      switch type {
      case .uint8: return UInt8(exactly: number).map { .byte($0) }
      case .int8, .int16: return Int16(exactly: number).map { .int16($0) }
      case .uint16: return UInt16(exactly: number).map { .uint16($0) }
      case .uint32: return UInt32(exactly: number).map { .uint32($0) }
      case .int32: return Int32(exactly: number).map { .int32($0) }
      case .uint64: return UInt64(exactly: number).map { .uint64($0) }
      case .int64: return Int64(exactly: number).map { .int64($0) }
      default: return nil
      }
    }
  }

  /// `value` for the `v` field of a reading: typed when it fits its signal's type, else in its
  /// own kind (a double for an out-of-range number), so a faulty value is still shown as it is.
  public static func variantContent(_ value: SignalValue, as type: SignalDataType) -> DBusValue {
    if let typedValue = typed(value, as: type) { return typedValue }
    switch value {
    case .bool(let b): return .boolean(b)
    case .int(let i): return .int64(i)
    case .uint(let u): return .uint64(u)
    case .double(let d): return .double(d)
    case .string(let s): return .string(s)
    case .array(let items): return .array(.variant, items.map { .variant(variantContent($0, as: .string)) })
    }
  }

  /// Reads a value a client sent, whatever its D-Bus type; the catalog then checks it.
  public static func signalValue(_ value: DBusValue) -> SignalValue? {
    switch value.unwrappingVariant {
    case .boolean(let b): .bool(b)
    case .byte(let v): .uint(UInt64(v))
    case .uint16(let v): .uint(UInt64(v))
    case .uint32(let v): .uint(UInt64(v))
    case .uint64(let v): .uint(v)
    case .int16(let v): .int(Int64(v))
    case .int32(let v): .int(Int64(v))
    case .int64(let v): .int(v)
    case .double(let v): .double(v)
    case .string(let s): .string(s)
    case .array(_, let items):
      items.reduce(into: SignalValue?.some(.array([]))) { result, item in
        guard case .array(let done) = result, let converted = signalValue(item) else {
          result = nil
          return
        }
        result = .array(done + [converted])
      }
    default: nil
    }
  }

  /// A change as the `(svsxs)` structure of `Get` and `SignalsChanged`.
  public static func encode(_ change: SignalChange, type: SignalDataType) -> DBusValue {
    let reading = change.reading
    let content = reading.value.map { variantContent($0, as: type) } ?? noValue
    let microseconds = Int64((reading.timestamp.timeIntervalSince1970 * 1_000_000).rounded())
    return .structure([
      .string(change.path), .variant(content), .string(reading.status.rawValue), .int64(microseconds),
      .string(reading.source),
    ])
  }

  /// Decodes one `(svsxs)` structure, or throws `InvalidArgs` naming what is wrong.
  public static func decode(_ value: DBusValue) throws(DBusError) -> SignalChange {
    guard case .structure(let fields) = value, fields.count == 5,
      case .string(let path) = fields[0], case .variant(let content) = fields[1],
      case .string(let statusText) = fields[2], case .int64(let microseconds) = fields[3],
      case .string(let source) = fields[4]
    else {
      throw DBusError(.invalidArgs, "a reading must be '(svsxs)', got '\(value.type)'")
    }
    guard let status = SignalStatus(rawValue: statusText) else {
      throw DBusError(.invalidArgs, "\(path): unknown status '\(statusText)'")
    }
    let signal = content == noValue ? nil : signalValue(content)
    return SignalChange(
      path: path,
      reading: SignalReading(
        value: signal, status: status,
        timestamp: Date(timeIntervalSince1970: Double(microseconds) / 1_000_000), source: source))
  }
}
