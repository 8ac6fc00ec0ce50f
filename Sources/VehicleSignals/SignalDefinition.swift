/// What kind of leaf a signal is, as VSS classifies it.
public enum SignalKind: String, Sendable, Hashable, CaseIterable {
  /// Measured by the vehicle; read-only for clients.
  case sensor
  /// Can be asked to change (a target value); its current value is reported like a sensor's.
  case actuator
  /// A fixed property of the vehicle (door count, powertrain type).
  case attribute
}

/// A leaf of the catalog: one signal with its datatype and the rules its values follow.
public struct SignalDefinition: Sendable, Hashable {
  /// Full dotted path (`Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature`).
  public let path: String
  /// Sensor, actuator or attribute.
  public let kind: SignalKind
  /// The VSS datatype.
  public let dataType: SignalDataType
  /// The VSS unit (`km/h`, `percent`, `Celsius`), when it has one.
  public let unit: String?
  /// Smallest allowed value, when the catalog gives one.
  public let min: Double?
  /// Largest allowed value, when the catalog gives one.
  public let max: Double?
  /// The only values allowed, when the catalog lists them.
  public let allowed: [SignalValue]?
  /// The catalog's default value, when it gives one.
  public let defaultValue: SignalValue?
  /// The catalog's description.
  public let description: String

  /// Creates a definition; the catalog loader checks these fields against each other.
  public init(
    path: String, kind: SignalKind, dataType: SignalDataType, unit: String? = nil, min: Double? = nil,
    max: Double? = nil, allowed: [SignalValue]? = nil, defaultValue: SignalValue? = nil,
    description: String = ""
  ) {
    self.path = path
    self.kind = kind
    self.dataType = dataType
    self.unit = unit
    self.min = min
    self.max = max
    self.allowed = allowed
    self.defaultValue = defaultValue
    self.description = description
  }

  /// The last path element, which is also the D-Bus property name.
  public var name: String { SignalPath.lastElement(of: path) }

  /// The path of the branch that holds this leaf.
  public var branch: String { SignalPath.parent(of: path) }

  /// The D-Bus type signature of this signal's property.
  public var dbusSignature: String { dataType.dbusSignature }
}

/// A branch of the catalog (a D-Bus object).
public struct BranchDefinition: Sendable, Hashable {
  /// Full dotted path (`Vehicle.Cabin.HVAC`).
  public let path: String
  /// The catalog's description.
  public let description: String

  /// Creates a branch definition.
  public init(path: String, description: String) {
    self.path = path
    self.description = description
  }

  /// The D-Bus object path of this branch.
  public var objectPath: String { DBusMapping.objectPath(forBranch: path) }
}

/// Helpers for dotted VSS paths.
public enum SignalPath {
  /// `Vehicle.Cabin.HVAC` -> `HVAC`.
  public static func lastElement(of path: String) -> String {
    path.split(separator: ".").last.map(String.init) ?? path
  }

  /// `Vehicle.Cabin.HVAC` -> `Vehicle.Cabin`; the empty string for a root.
  public static func parent(of path: String) -> String {
    guard let dot = path.lastIndex(of: ".") else { return "" }
    return String(path[..<dot])
  }

  /// True when `path` is `branch` itself or lies below it.
  public static func isPath(_ path: String, within branch: String) -> Bool {
    path == branch || path.hasPrefix(branch + ".")
  }

  /// True for a name VSS and D-Bus both accept: a letter, then letters, digits or underscores.
  public static func isValidElement(_ name: some StringProtocol) -> Bool {
    guard let first = name.unicodeScalars.first, first.isASCIILetter else { return false }
    return name.unicodeScalars.allSatisfy { $0.isASCIILetter || ("0"..."9").contains($0) || $0 == "_" }
  }
}

extension Unicode.Scalar {
  fileprivate var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
}

/// Maps catalog branches and leaves to D-Bus objects and properties.
public enum DBusMapping {
  /// The prefix every branch object path starts with.
  public static let objectPathPrefix = "/org/cabin"

  /// `Vehicle.Cabin.HVAC` -> `/org/cabin/Vehicle/Cabin/HVAC`.
  public static func objectPath(forBranch branch: String) -> String {
    objectPathPrefix + "/" + branch.split(separator: ".").joined(separator: "/")
  }

  /// `/org/cabin/Vehicle/Cabin/HVAC` -> `Vehicle.Cabin.HVAC`; `nil` for a path outside the prefix.
  public static func branch(forObjectPath objectPath: String) -> String? {
    guard objectPath.hasPrefix(objectPathPrefix + "/") else { return nil }
    let rest = objectPath.dropFirst(objectPathPrefix.count + 1)
    let elements = rest.split(separator: "/", omittingEmptySubsequences: false)
    guard !elements.isEmpty, elements.allSatisfy({ SignalPath.isValidElement($0) }) else { return nil }
    return elements.joined(separator: ".")
  }

  /// The D-Bus property name of a leaf: its last path element.
  public static func propertyName(forSignal path: String) -> String { SignalPath.lastElement(of: path) }

  /// The signal path for a property on a branch object.
  public static func signalPath(branch: String, property: String) -> String { branch + "." + property }
}
