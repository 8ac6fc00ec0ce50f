public import CabinDBus
public import VehicleSignals

/// What `org.cabin.Vehicle1.Metadata` tells about a signal: its catalog entry and D-Bus type.
public struct SignalMetadata: Sendable, Hashable {
  /// The VSS path.
  public var path: String
  /// The VSS datatype (`float`, `uint8[]`).
  public var dataType: String
  /// `sensor`, `actuator` or `attribute`.
  public var kind: String
  /// The unit, when the signal has one.
  public var unit: String?
  /// The smallest allowed value, when given.
  public var min: Double?
  /// The largest allowed value, when given.
  public var max: Double?
  /// The allowed values, when listed.
  public var allowed: [SignalValue]?
  /// The catalog's description.
  public var description: String
  /// The D-Bus type signature of the signal's property.
  public var signature: String

  /// The metadata of a catalog entry.
  public init(_ definition: SignalDefinition) {
    path = definition.path
    dataType = definition.dataType.description
    kind = definition.kind.rawValue
    unit = definition.unit
    min = definition.min
    max = definition.max
    allowed = definition.allowed
    description = definition.description
    signature = VehicleValueMapping.dbusType(for: definition.dataType).description
  }

  /// The `a{sv}` dictionary sent on the bus; absent fields are left out.
  public var dbusValue: DBusValue {
    var entries: [(String, DBusValue)] = [
      ("path", .string(path)), ("type", .string(dataType)), ("kind", .string(kind)),
      ("description", .string(description)), ("signature", .string(signature)),
    ]
    if let unit { entries.append(("unit", .string(unit))) }
    if let min { entries.append(("min", .double(min))) }
    if let max { entries.append(("max", .double(max))) }
    if let allowed {
      entries.append(
        (
          "allowed",
          .array(.variant, allowed.map { .variant(VehicleValueMapping.variantContent($0, as: .string)) })
        ))
    }
    return .dictionary(
      key: .string, value: .variant, entries.map { DBusDictEntry(.string($0.0), .variant($0.1)) })
  }

  /// Decodes the dictionary a `Metadata` call returns.
  public init(dbusValue: DBusValue) throws(DBusError) {
    let table = try [String: DBusVariant](dbusValue: dbusValue).mapValues(\.value)
    func text(_ key: String) throws(DBusError) -> String {
      guard let value = table[key]?.string else {
        throw DBusError(.invalidArgs, "metadata lacks the string '\(key)'")
      }
      return value
    }
    path = try text("path")
    dataType = try text("type")
    kind = try text("kind")
    description = try text("description")
    signature = try text("signature")
    unit = table["unit"]?.string
    if case .double(let value) = table["min"] { min = value } else { min = nil }
    if case .double(let value) = table["max"] { max = value } else { max = nil }
    if case .array(_, let items) = table["allowed"] {
      allowed = items.compactMap { VehicleValueMapping.signalValue($0) }
    } else {
      allowed = nil
    }
  }
}
