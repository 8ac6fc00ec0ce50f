import Synchronization

/// A client-side handle on one interface of one remote object.
public struct DBusProxy: Sendable {
  /// The connection calls go out on.
  public let connection: DBusConnection
  /// The service's bus name (`nil` on a peer connection).
  public let destination: BusName?
  /// The object's path.
  public let path: ObjectPath
  /// The interface.
  public let interface: InterfaceName

  /// Creates a proxy; nothing is sent until it is used.
  public init(
    connection: DBusConnection, destination: BusName?, path: ObjectPath, interface: InterfaceName
  ) {
    self.connection = connection
    self.destination = destination
    self.path = path
    self.interface = interface
  }

  /// Calls a method of the interface.
  public func call(
    _ member: MemberName, _ arguments: [DBusValue] = [], timeout: Duration? = nil
  ) async throws -> [DBusValue] {
    try await connection.call(
      destination: destination, path: path, interface: interface, member: member, arguments,
      timeout: timeout)
  }

  /// Calls a method that returns one value and decodes it as `T`.
  public func call<T: DBusRepresentable>(
    _ member: MemberName, _ arguments: [DBusValue] = [], returning type: T.Type,
    timeout: Duration? = nil
  ) async throws -> T {
    let reply = try await call(member, arguments, timeout: timeout)
    guard reply.count == 1 else {
      throw DBusError(.invalidArgs, "\(member) returned \(reply.count) values, expected one '\(T.dbusType)'")
    }
    return try T(dbusValue: reply[0])
  }

  /// Reads a property.
  public func property(_ name: MemberName) async throws -> DBusValue {
    let reply = try await connection.call(
      destination: destination, path: path, interface: .properties, member: "Get",
      [.string(interface.rawValue), .string(name.rawValue)])
    return try DBusVariant(dbusValue: reply.first ?? .array(.string, [])).value
  }

  /// Reads a property and decodes it as `T`.
  public func property<T: DBusRepresentable>(_ name: MemberName, as type: T.Type) async throws -> T {
    try T(dbusValue: try await property(name))
  }

  /// Reads every readable property.
  public func allProperties() async throws -> [String: DBusValue] {
    let reply = try await connection.call(
      destination: destination, path: path, interface: .properties, member: "GetAll",
      [.string(interface.rawValue)])
    return try [String: DBusVariant](dbusValue: reply.first ?? .array(.string, [])).mapValues(\.value)
  }

  /// Writes a property.
  public func setProperty(_ name: MemberName, _ value: DBusValue) async throws {
    _ = try await connection.call(
      destination: destination, path: path, interface: .properties, member: "Set",
      [.string(interface.rawValue), .string(name.rawValue), .variant(value)])
  }

  /// Signals of this interface from this object, optionally only one member.
  public func signals(_ member: MemberName? = nil) async throws -> AsyncStream<DBusMessage> {
    try await connection.signals(
      matching: DBusMatchRule(sender: destination, path: path, interface: interface, member: member))
  }

  /// A cache of the interface's properties kept fresh by `PropertiesChanged`.
  public func propertyCache() async throws -> DBusPropertyCache {
    try await DBusPropertyCache(proxy: self)
  }
}

/// The properties of one remote interface, fetched once and kept up to date from
/// `PropertiesChanged`; invalidated properties are fetched again.
///
/// The subscription is made before the first `GetAll`, so no change is lost in between. The
/// cache stops following changes when ``close()`` is called or it is released.
public final class DBusPropertyCache: Sendable {
  private let state = Mutex<
    (
      values: [String: DBusValue], observers: [UInt64: AsyncStream<[String: DBusValue]>.Continuation],
      next: UInt64
    )
  >(([:], [:], 0))
  private let follower = Mutex<Task<Void, Never>?>(nil)

  init(proxy: DBusProxy) async throws {
    let changes = try await proxy.connection.signals(
      matching: DBusMatchRule(
        sender: proxy.destination, path: proxy.path, interface: .properties, member: "PropertiesChanged",
        arg0: proxy.interface.rawValue))
    let initial = try await proxy.allProperties()
    state.withLock { $0.values = initial }
    let task = Task { [weak self] in
      for await message in changes {
        guard message.body.count == 3,
          let changed = try? [String: DBusVariant](dbusValue: message.body[1]),
          let invalidated = try? [String](dbusValue: message.body[2])
        else { continue }
        var update = changed.mapValues(\.value)
        for name in invalidated {
          if let member = try? MemberName(validating: name), let value = try? await proxy.property(member) {
            update[name] = value
          }
        }
        guard let self else { return }
        self.apply(update)
      }
    }
    follower.withLock { $0 = task }
  }

  deinit { close() }

  /// Stops following changes and finishes every update stream.
  public func close() {
    follower.withLock { task in
      task?.cancel()
      task = nil
    }
    let observers = state.withLock { state in
      defer { state.observers.removeAll() }
      return Array(state.observers.values)
    }
    for observer in observers { observer.finish() }
  }

  /// The cached value of a property.
  public subscript(name: String) -> DBusValue? { state.withLock { $0.values[name] } }

  /// Every cached value.
  public var values: [String: DBusValue] { state.withLock { $0.values } }

  /// Each change as it is applied: the properties that changed, with their new values.
  public func updates() -> AsyncStream<[String: DBusValue]> {
    let (stream, continuation) = AsyncStream.makeStream(of: [String: DBusValue].self)
    let id = state.withLock { state in
      state.next += 1
      state.observers[state.next] = continuation
      return state.next
    }
    continuation.onTermination = { [weak self] _ in
      _ = self?.state.withLock { $0.observers.removeValue(forKey: id) }
    }
    return stream
  }

  private func apply(_ update: [String: DBusValue]) {
    guard !update.isEmpty else { return }
    let observers = state.withLock { state in
      state.values.merge(update) { $1 }
      return Array(state.observers.values)
    }
    for observer in observers { observer.yield(update) }
  }
}
