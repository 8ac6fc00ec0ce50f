import Synchronization

/// An incoming method call, as a handler sees it.
public struct DBusMethodCall: Sendable {
  /// The call message, with its decoded arguments.
  public let message: DBusMessage
  /// The connection the call came in on; replies and signals go out through it.
  public let connection: DBusConnection

  /// The decoded arguments.
  public var arguments: [DBusValue] { message.body }
  /// The caller's unique bus name (absent on peer-to-peer connections).
  public var sender: BusName? { message.sender }

  /// Decodes argument `index` as `T`, or throws `InvalidArgs`.
  public func argument<T: DBusRepresentable>(_ index: Int, as type: T.Type = T.self) throws(DBusError) -> T {
    guard arguments.indices.contains(index) else {
      throw DBusError(.invalidArgs, "missing argument \(index) of type '\(T.dbusType)'")
    }
    return try T(dbusValue: arguments[index])
  }

  /// Decodes all arguments in order: `let (name, level) = try call.decode(String.self, UInt8.self)`.
  public func decode<each T: DBusRepresentable>(_ types: repeat (each T).Type) throws(DBusError) -> (
    repeat each T
  ) {
    var index = 0
    func next<U: DBusRepresentable>(_ type: U.Type) throws(DBusError) -> U {
      defer { index += 1 }
      return try argument(index, as: type)
    }
    return (repeat try next(each types))
  }

  /// The caller's Unix credentials, asked of the bus (and cached per unique name).
  public func credentials() async throws -> DBusCredentials {
    guard let sender else {
      throw DBusError(.accessDenied, "peer-to-peer calls carry no bus credentials")
    }
    return try await connection.credentials(of: sender)
  }
}

/// A caller's identity as the bus reports it (`GetConnectionCredentials`).
public struct DBusCredentials: Hashable, Sendable {
  /// The Unix user id of the process owning the connection.
  public var userID: UInt32?
  /// The process id.
  public var processID: UInt32?
}

/// A method: its description and the code that answers it.
public struct DBusMethod: Sendable {
  enum Handler: Sendable {
    case onLoop(@Sendable (DBusMethodCall) throws -> [DBusValue])
    case async(@Sendable (DBusMethodCall) async throws -> [DBusValue])
  }

  /// The method's shape.
  public let description: DBusMethodDescription
  let handler: Handler
  // Worked out once here rather than on every call.
  let inputSignature: Signature
  let outputSignature: Signature

  /// A method answered by an `async` handler, run as a task per call.
  public init(
    _ name: MemberName, in inputs: [DBusArgument] = [], out outputs: [DBusArgument] = [],
    documentation: String = "", annotations: [DBusAnnotation] = [],
    handler: @escaping @Sendable (DBusMethodCall) async throws -> [DBusValue]
  ) {
    self.init(
      description: DBusMethodDescription(
        name: name, inputs: inputs, outputs: outputs, documentation: documentation, annotations: annotations),
      handler: .async(handler))
  }

  private init(description: DBusMethodDescription, handler: Handler) {
    self.description = description
    self.handler = handler
    inputSignature = description.inputSignature
    outputSignature = description.outputSignature
  }

  /// A method answered synchronously on the connection's own thread: the fastest path, for
  /// handlers that never block or wait.
  public static func immediate(
    _ name: MemberName, in inputs: [DBusArgument] = [], out outputs: [DBusArgument] = [],
    documentation: String = "", annotations: [DBusAnnotation] = [],
    handler: @escaping @Sendable (DBusMethodCall) throws -> [DBusValue]
  ) -> DBusMethod {
    DBusMethod(
      description: DBusMethodDescription(
        name: name, inputs: inputs, outputs: outputs, documentation: documentation,
        annotations: annotations),
      handler: .onLoop(handler))
  }
}

/// A property: its description, its initial value and an optional check for writes.
public struct DBusProperty: Sendable {
  /// The property's shape.
  public let description: DBusPropertyDescription
  let initialValue: DBusValue
  let onSet: (@Sendable (DBusValue, DBusMethodCall) async throws -> DBusValue)?

  /// Creates a property. For writable properties, `onSet` may reject a client's value by
  /// throwing, or return the value actually stored; without it any value of the right type is
  /// stored.
  public init(
    _ name: MemberName, _ type: DBusType, access: DBusPropertyAccess = .read,
    change: DBusPropertyChange = .emits, value: DBusValue, documentation: String = "",
    annotations: [DBusAnnotation] = [],
    onSet: (@Sendable (DBusValue, DBusMethodCall) async throws -> DBusValue)? = nil
  ) {
    description = DBusPropertyDescription(
      name: name, type: type, access: access, change: change, documentation: documentation,
      annotations: annotations)
    initialValue = value
    self.onSet = onSet
  }
}

extension DBusSignalDescription {
  /// Creates a signal description.
  public init(
    _ name: MemberName, _ arguments: [DBusArgument] = [], documentation: String = "",
    annotations: [DBusAnnotation] = []
  ) {
    self.init(name: name, arguments: arguments, documentation: documentation, annotations: annotations)
  }
}

/// An interface implementation that can be exported on objects: methods with their handlers,
/// properties with stored values, and signals.
///
/// Property values live here. ``setProperties(_:)`` stores several values at once and announces
/// them in a single `PropertiesChanged` signal on every object the interface is exported on.
public final class DBusInterface: Sendable {
  /// The interface's description, from which introspection is derived.
  public let description: DBusInterfaceDescription
  let methods: [MemberName: DBusMethod]
  let setters: [MemberName: @Sendable (DBusValue, DBusMethodCall) async throws -> DBusValue]
  private let values: Mutex<[MemberName: DBusValue]>
  private let exports = Mutex<[(connection: WeakConnection, path: ObjectPath)]>([])

  /// Creates an interface; the property values must match their declared types.
  public init(
    _ name: InterfaceName, documentation: String = "", methods: [DBusMethod] = [],
    properties: [DBusProperty] = [], signals: [DBusSignalDescription] = [],
    annotations: [DBusAnnotation] = []
  ) {
    for property in properties {
      precondition(
        property.initialValue.type == property.description.type,
        "property \(property.description.name) declared '\(property.description.type)' but holds '\(property.initialValue.type)'"
      )
    }
    description = DBusInterfaceDescription(
      name: name, documentation: documentation, methods: methods.map(\.description),
      properties: properties.map(\.description), signals: signals, annotations: annotations)
    self.methods = Dictionary(methods.map { ($0.description.name, $0) }, uniquingKeysWith: { a, _ in a })
    var setters: [MemberName: @Sendable (DBusValue, DBusMethodCall) async throws -> DBusValue] = [:]
    for property in properties { setters[property.description.name] = property.onSet }
    self.setters = setters
    values = Mutex(
      Dictionary(properties.map { ($0.description.name, $0.initialValue) }, uniquingKeysWith: { a, _ in a }))
  }

  /// The interface's name.
  public var name: InterfaceName { description.name }

  /// The current value of a property.
  public func value(of property: MemberName) -> DBusValue? {
    values.withLock { $0[property] }
  }

  /// All current property values that clients may read.
  public var readableValues: [MemberName: DBusValue] {
    let readable = Set(description.properties.filter { $0.access.isReadable }.map(\.name))
    return values.withLock { $0.filter { readable.contains($0.key) } }
  }

  /// Stores one property value and announces it.
  public func setProperty(_ name: MemberName, _ value: DBusValue) throws(DBusError) {
    try setProperties([name: value])
  }

  /// Stores several property values and announces those that changed in one
  /// `PropertiesChanged` signal per export.
  public func setProperties(_ changes: [MemberName: DBusValue]) throws(DBusError) {
    for (name, value) in changes {
      guard let property = description.property(name) else {
        throw DBusError(.unknownProperty, "interface \(self.name) has no property \(name)")
      }
      guard value.type == property.type else {
        throw DBusError(
          .invalidArgs, "property \(name) has type '\(property.type)', not '\(value.type)'")
      }
      try value.validate()
    }
    let changed = values.withLock { values -> [MemberName: DBusValue] in
      var changed: [MemberName: DBusValue] = [:]
      for (name, value) in changes where values[name] != value {
        values[name] = value
        changed[name] = value
      }
      return changed
    }
    guard !changed.isEmpty else { return }
    var withValues: [DBusDictEntry] = []
    var invalidated: [DBusValue] = []
    for property in description.properties {
      guard let value = changed[property.name] else { continue }
      switch property.change {
      case .emits: withValues.append(DBusDictEntry(.string(property.name.rawValue), .variant(value)))
      case .invalidates: invalidated.append(.string(property.name.rawValue))
      case .const, .none: break
      }
    }
    guard !withValues.isEmpty || !invalidated.isEmpty else { return }
    let arguments: [DBusValue] = [
      .string(name.rawValue), .dictionary(key: .string, value: .variant, withValues),
      .array(.string, invalidated),
    ]
    for export in liveExports() {
      try export.connection.emit(
        path: export.path, interface: .properties, member: "PropertiesChanged", arguments)
    }
  }

  /// Emits one of this interface's signals on every object it is exported on.
  public func emit(_ signal: MemberName, _ arguments: [DBusValue] = []) throws(DBusError) {
    guard let declared = description.signal(signal) else {
      throw DBusError(.unknownMethod, "interface \(name) declares no signal \(signal)")
    }
    guard arguments.signature == declared.signature else {
      throw DBusError(
        .invalidArgs,
        "signal \(signal) carries '\(declared.signature)', not '\(arguments.signature)'")
    }
    for export in liveExports() {
      try export.connection.emit(path: export.path, interface: name, member: signal, arguments)
    }
  }

  func attach(to connection: DBusConnection, at path: ObjectPath) {
    exports.withLock { $0.append((WeakConnection(connection.core), path)) }
  }

  func detach(from core: ConnectionCore, at path: ObjectPath) {
    exports.withLock { $0.removeAll { $0.connection.core === core && $0.path == path } }
  }

  private func liveExports() -> [(connection: DBusConnection, path: ObjectPath)] {
    exports.withLock { list in
      list.removeAll { $0.connection.core == nil }
      return list.compactMap { entry in entry.connection.core.map { (DBusConnection(core: $0), entry.path) } }
    }
  }
}

/// A reference to a connection that does not keep it open.
struct WeakConnection: Sendable {
  weak var core: ConnectionCore?
  init(_ core: ConnectionCore) { self.core = core }
}
