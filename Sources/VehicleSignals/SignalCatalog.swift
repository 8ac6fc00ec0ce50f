public import Foundation

/// A catalog file that cannot be used, naming the file, the node and the rule it breaks.
public struct CatalogError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The rule a catalog file broke.
  public enum Rule: String, Sendable, Equatable {
    /// The file could not be read.
    case unreadable
    /// The file is not valid JSON.
    case malformedJSON
    /// A node has the wrong JSON shape (not an object, a field of the wrong type).
    case badShape
    /// A node lacks a field its type requires.
    case missingField
    /// `type` is not branch, sensor, actuator or attribute.
    case unknownNodeType
    /// `datatype` is not a VSS datatype.
    case unknownDatatype
    /// A name is not letters, digits and underscores starting with a letter.
    case invalidName
    /// `min`, `max`, `allowed` or `default` contradict the datatype or each other.
    case inconsistentLimits
    /// An overlay node lies outside the project branch.
    case overlayOutsideProjectBranch
    /// An overlay defines a node the base catalog already has.
    case duplicateNode
  }

  /// The file (or source name) that was being loaded.
  public let file: String
  /// The dotted path of the offending node, when the error is about one.
  public let node: String?
  /// The rule that was broken.
  public let rule: Rule
  /// What exactly is wrong.
  public let reason: String

  /// Creates an error.
  public init(file: String, node: String?, rule: Rule, reason: String) {
    self.file = file
    self.node = node
    self.rule = rule
    self.reason = reason
  }

  /// `file: node: reason`.
  public var description: String {
    [file, node].compactMap { $0 }.joined(separator: ": ") + ": " + reason
  }
}

/// The set of signals a vehicle offers: branches and leaves with their datatypes and rules.
///
/// Loads the vss-tools expanded JSON export shape: nested objects keyed by name, each with `type`
/// (`branch`, `sensor`, `actuator`, `attribute`), branches with `children`, leaves with `datatype`
/// and optionally `unit`, `min`, `max`, `allowed`, `default`, `description`.
public struct SignalCatalog: Sendable {
  /// Every leaf, keyed by dotted path.
  public private(set) var signals: [String: SignalDefinition]
  /// Every branch, keyed by dotted path.
  public private(set) var branches: [String: BranchDefinition]

  /// The branch under which project overlay signals live.
  public static let projectBranch = "Vehicle.OrgCabin"

  /// Creates a catalog from definitions already checked by the caller.
  public init(signals: [SignalDefinition], branches: [BranchDefinition]) {
    self.signals = Dictionary(signals.map { ($0.path, $0) }, uniquingKeysWith: { _, last in last })
    self.branches = Dictionary(branches.map { ($0.path, $0) }, uniquingKeysWith: { _, last in last })
  }

  /// Parses a vss-tools JSON export; `source` names the data in errors.
  public init(vssJSON data: Data, source: String) throws(CatalogError) {
    let root: JSONValue
    do {
      root = try JSONValue.parse(data)
    } catch {
      throw CatalogError(
        file: source, node: nil, rule: .malformedJSON, reason: "not valid JSON: \(error.message)")
    }
    guard case .object(let top) = root, !top.isEmpty else {
      throw CatalogError(
        file: source, node: nil, rule: .badShape,
        reason: "the top level must be a non-empty object of root branches")
    }
    var loader = Loader(source: source)
    for (name, node) in top.sorted(by: { $0.key < $1.key }) {
      try loader.visit(name: name, parent: "", node: node)
    }
    self.signals = loader.signals
    self.branches = loader.branches
  }

  /// Loads a vss-tools JSON export from a file.
  public init(contentsOf url: URL) throws(CatalogError) {
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw CatalogError(
        file: url.path, node: nil, rule: .unreadable, reason: "cannot read the file: \(error)")
    }
    try self.init(vssJSON: data, source: url.path)
  }

  /// Loads the project catalog from a directory like `Config/vss/`: `cockpit.json` plus every
  /// `overlay/*.json` (in name order) merged under ``projectBranch``.
  public static func project(directory: URL) throws(CatalogError) -> SignalCatalog {
    var catalog = try SignalCatalog(contentsOf: directory.appendingPathComponent("cockpit.json"))
    let overlayDirectory = directory.appendingPathComponent("overlay")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: overlayDirectory.path)) ?? []
    for name in names.filter({ $0.hasSuffix(".json") }).sorted() {
      let overlay = try SignalCatalog(contentsOf: overlayDirectory.appendingPathComponent(name))
      catalog = try catalog.merging(
        overlay: overlay, source: overlayDirectory.appendingPathComponent(name).path)
    }
    return catalog
  }

  /// Adds an overlay's signals. Every overlay leaf and branch must lie under `projectBranch`
  /// (its ancestors may already exist) and no overlay leaf may replace an existing node.
  public func merging(
    overlay: SignalCatalog, source: String, projectBranch: String = SignalCatalog.projectBranch
  ) throws(CatalogError) -> SignalCatalog {
    var merged = self
    for path in overlay.signals.keys.sorted() {
      guard SignalPath.isPath(path, within: projectBranch) else {
        throw CatalogError(
          file: source, node: path, rule: .overlayOutsideProjectBranch,
          reason: "overlay signal must live under \(projectBranch), never inside VSS names")
      }
      if signals[path] != nil || branches[path] != nil {
        throw CatalogError(
          file: source, node: path, rule: .duplicateNode,
          reason: "overlay redefines a node the catalog already has")
      }
      merged.signals[path] = overlay.signals[path]
    }
    for (path, branch) in overlay.branches.sorted(by: { $0.key < $1.key }) where merged.branches[path] == nil
    {
      guard SignalPath.isPath(path, within: projectBranch) || SignalPath.isPath(projectBranch, within: path)
      else {
        throw CatalogError(
          file: source, node: path, rule: .overlayOutsideProjectBranch,
          reason: "overlay branch must live under \(projectBranch), never inside VSS names")
      }
      if signals[path] != nil {
        throw CatalogError(
          file: source, node: path, rule: .duplicateNode,
          reason: "overlay branch has the name of an existing signal")
      }
      merged.branches[path] = branch
    }
    return merged
  }

  /// The definition of a leaf.
  public subscript(path: String) -> SignalDefinition? { signals[path] }

  /// Number of nodes, branches and leaves together.
  public var nodeCount: Int { signals.count + branches.count }

  /// Every leaf path, sorted.
  public var signalPaths: [String] { signals.keys.sorted() }

  /// Every branch path, sorted.
  public var branchPaths: [String] { branches.keys.sorted() }

  /// The leaves directly in a branch (the properties of its D-Bus object), sorted by path.
  public func signals(in branch: String) -> [SignalDefinition] {
    signals.values.filter { $0.branch == branch }.sorted { $0.path < $1.path }
  }

  /// The branches directly below a branch, sorted by path.
  public func childBranches(of branch: String) -> [BranchDefinition] {
    branches.values.filter { SignalPath.parent(of: $0.path) == branch }.sorted { $0.path < $1.path }
  }

  /// Every leaf at or below a branch (or the leaf itself when `path` is a leaf), sorted by path.
  public func signals(under path: String) -> [SignalDefinition] {
    signals.values.filter { SignalPath.isPath($0.path, within: path) }.sorted { $0.path < $1.path }
  }
}

/// Walks the JSON tree and checks every node.
private struct Loader {
  let source: String
  var signals: [String: SignalDefinition] = [:]
  var branches: [String: BranchDefinition] = [:]

  init(source: String) { self.source = source }

  func fail(_ path: String, _ rule: CatalogError.Rule, _ reason: String) -> CatalogError {
    CatalogError(file: source, node: path, rule: rule, reason: reason)
  }

  mutating func visit(name: String, parent: String, node: JSONValue) throws(CatalogError) {
    let path = parent.isEmpty ? name : parent + "." + name
    guard SignalPath.isValidElement(name) else {
      throw fail(
        path, .invalidName, "name \"\(name)\" must be a letter followed by letters, digits or underscores")
    }
    guard case .object(let fields) = node else {
      throw fail(path, .badShape, "node must be an object, found \(node.typeName)")
    }
    guard let typeField = fields["type"] else { throw fail(path, .missingField, "node has no \"type\"") }
    guard case .string(let typeName) = typeField else {
      throw fail(path, .badShape, "\"type\" must be a string, found \(typeField.typeName)")
    }
    let description = fields["description"].flatMap { if case .string(let s) = $0 { s } else { nil } } ?? ""
    if typeName == "branch" {
      guard let childrenField = fields["children"] else {
        throw fail(path, .missingField, "branch has no \"children\"")
      }
      guard case .object(let children) = childrenField else {
        throw fail(path, .badShape, "\"children\" must be an object, found \(childrenField.typeName)")
      }
      branches[path] = BranchDefinition(path: path, description: description)
      for (childName, child) in children.sorted(by: { $0.key < $1.key }) {
        try visit(name: childName, parent: path, node: child)
      }
      return
    }
    guard let kind = SignalKind(rawValue: typeName) else {
      throw fail(
        path, .unknownNodeType, "type \"\(typeName)\" is not one of branch, sensor, actuator, attribute")
    }
    if fields["children"] != nil { throw fail(path, .badShape, "a \(typeName) cannot have \"children\"") }
    signals[path] = try leaf(path: path, kind: kind, fields: fields, description: description)
  }

  func leaf(
    path: String, kind: SignalKind, fields: [String: JSONValue], description: String
  ) throws(CatalogError) -> SignalDefinition {
    guard let datatypeField = fields["datatype"] else {
      throw fail(path, .missingField, "\(kind.rawValue) has no \"datatype\"")
    }
    guard case .string(let datatypeName) = datatypeField else {
      throw fail(path, .badShape, "\"datatype\" must be a string, found \(datatypeField.typeName)")
    }
    guard let dataType = SignalDataType(vssName: datatypeName) else {
      throw fail(path, .unknownDatatype, "datatype \"\(datatypeName)\" is not a VSS datatype")
    }
    var unit: String?
    if let unitField = fields["unit"] {
      guard case .string(let u) = unitField else {
        throw fail(path, .badShape, "\"unit\" must be a string, found \(unitField.typeName)")
      }
      unit = u
    }
    let min = try limit("min", fields: fields, path: path, dataType: dataType)
    let max = try limit("max", fields: fields, path: path, dataType: dataType)
    if let min, let max, min > max {
      throw fail(path, .inconsistentLimits, "min \(min) is greater than max \(max)")
    }
    let elementType: SignalDataType
    if case .array(let element) = dataType { elementType = element } else { elementType = dataType }
    var allowed: [SignalValue]?
    if let allowedField = fields["allowed"] {
      guard case .array(let items) = allowedField, !items.isEmpty else {
        throw fail(path, .badShape, "\"allowed\" must be a non-empty array, found \(allowedField.typeName)")
      }
      var values: [SignalValue] = []
      for item in items {
        guard let value = item.signalValue(as: elementType) else {
          throw fail(path, .inconsistentLimits, "allowed value \(item) is not a \(elementType)")
        }
        values.append(value)
      }
      allowed = values
    }
    var defaultValue: SignalValue?
    if let defaultField = fields["default"] {
      guard let value = defaultField.signalValue(as: dataType) else {
        throw fail(path, .inconsistentLimits, "default \(defaultField) is not a \(dataType)")
      }
      defaultValue = value
    }
    return SignalDefinition(
      path: path, kind: kind, dataType: dataType, unit: unit, min: min, max: max, allowed: allowed,
      defaultValue: defaultValue, description: description)
  }

  func limit(
    _ key: String, fields: [String: JSONValue], path: String, dataType: SignalDataType
  ) throws(CatalogError) -> Double? {
    guard let field = fields[key] else { return nil }
    guard let number = field.number else {
      throw fail(path, .badShape, "\"\(key)\" must be a number, found \(field.typeName)")
    }
    let elementType: SignalDataType
    if case .array(let element) = dataType { elementType = element } else { elementType = dataType }
    guard elementType.isNumeric else {
      throw fail(path, .inconsistentLimits, "\"\(key)\" makes no sense for datatype \(dataType)")
    }
    if let bounds = elementType.integerBounds, !bounds.contains(number) {
      throw fail(path, .inconsistentLimits, "\"\(key)\" \(number) does not fit datatype \(dataType)")
    }
    return number
  }
}
