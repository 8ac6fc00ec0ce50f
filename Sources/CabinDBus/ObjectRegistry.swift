internal import CDBus
import Logging
import Synchronization

/// The objects a connection exports, and the dispatch of incoming method calls to them.
///
/// `Introspectable`, `Properties`, `Peer` and `ObjectManager` are answered here from the
/// interfaces' descriptions; everything else goes to the interfaces' handlers.
final class ObjectRegistry: Sendable {
  private struct Tree {
    var objects: [ObjectPath: [InterfaceName: DBusInterface]] = [:]
    var managers: Set<ObjectPath> = []
  }

  private let tree = Mutex(Tree())
  private let logger: Logger

  init(logger: Logger) { self.logger = logger }

  // MARK: Registration

  func export(_ interfaces: [DBusInterface], at path: ObjectPath, on connection: DBusConnection)
    throws(DBusError)
  {
    let standard: Set<InterfaceName> = [.introspectable, .properties, .peer, .objectManager]
    if let clash = interfaces.first(where: { standard.contains($0.name) }) {
      throw DBusError(.invalidArgs, "\(clash.name) is provided by the connection itself")
    }
    let table = Dictionary(interfaces.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    let (previous, manager) = tree.withLock { tree in
      defer { tree.objects[path] = table }
      return (tree.objects[path], Self.manager(of: path, in: tree))
    }
    for old in previous?.values ?? [:].values { old.detach(from: connection.core, at: path) }
    for interface in interfaces { interface.attach(to: connection, at: path) }
    if let manager {
      try connection.emit(
        path: manager, interface: .objectManager, member: "InterfacesAdded",
        [.objectPath(path), Self.interfacesAndProperties(interfaces)])
    }
  }

  func unexport(_ path: ObjectPath, on connection: DBusConnection) throws(DBusError) {
    let (removed, manager) = tree.withLock { tree in
      (tree.objects.removeValue(forKey: path), Self.manager(of: path, in: tree))
    }
    guard let removed else { throw DBusError(.unknownObject, "no object is exported at \(path)") }
    for interface in removed.values { interface.detach(from: connection.core, at: path) }
    if let manager {
      try connection.emit(
        path: manager, interface: .objectManager, member: "InterfacesRemoved",
        [.objectPath(path), .array(.string, removed.keys.sorted().map { .string($0.rawValue) })])
    }
  }

  func addManager(_ path: ObjectPath) {
    _ = tree.withLock { $0.managers.insert(path) }
  }

  private static func manager(of path: ObjectPath, in tree: Tree) -> ObjectPath? {
    var candidate = path.parent
    while let current = candidate {
      if tree.managers.contains(current) { return current }
      candidate = current.parent
    }
    return nil
  }

  private static func interfacesAndProperties(_ interfaces: [DBusInterface]) -> DBusValue {
    .dictionary(
      key: .string, value: .dictionary(key: .string, value: .variant),
      interfaces.sorted { $0.name < $1.name }.map { interface in
        DBusDictEntry(.string(interface.name.rawValue), propertyTable(interface.readableValues))
      })
  }

  private static func propertyTable(_ values: [MemberName: DBusValue]) -> DBusValue {
    .dictionary(
      key: .string, value: .variant,
      values.sorted { $0.key < $1.key }.map { DBusDictEntry(.string($0.key.rawValue), .variant($0.value)) })
  }

  // MARK: Introspection

  func introspect(_ path: ObjectPath) throws(DBusError) -> String {
    let (interfaces, isManager, children) = tree.withLock { tree in
      (tree.objects[path], tree.managers.contains(path), Self.children(of: path, in: tree))
    }
    guard interfaces != nil || isManager || !children.isEmpty || path == .root else {
      throw DBusError(.unknownObject, "no object at path \(path)")
    }
    var descriptions: [DBusInterfaceDescription] = [.introspectable, .peer]
    if interfaces != nil { descriptions.append(.properties) }
    if isManager { descriptions.append(.objectManager) }
    descriptions += (interfaces ?? [:]).values.sorted { $0.name < $1.name }.map(\.description)
    return DBusIntrospection.node(name: nil, interfaces: descriptions, children: children)
  }

  private static func children(of path: ObjectPath, in tree: Tree) -> [String] {
    let depth = path.elements.count
    var names = Set<String>()
    for candidate in Array(tree.objects.keys) + Array(tree.managers)
    where candidate != path && candidate.isDescendant(of: path) {
      names.insert(String(candidate.elements[depth]))
    }
    return names.sorted()
  }

  // MARK: Dispatch (loop thread)

  /// Where a call goes, decided from its header alone.
  private enum Route {
    case peer
    case introspect
    case properties
    case managedObjects
    case method(DBusMethod)
  }

  func dispatch(_ handle: MessageHandle, on connection: DBusConnection) {
    do {
      guard let path = handle.path, let member = handle.member else {
        throw DBusError(.inconsistentMessage, "call without path or member")
      }
      let (route, expected) = try resolve(path: path, interface: handle.interface, member: member)
      // The signature is checked before the body is decoded, so a large body sent to a method
      // that does not take it costs nothing.
      let signature = handle.signatureText
      guard signature == expected else {
        throw DBusError(
          .invalidArgs,
          "\(handle.interface?.rawValue ?? "").\(member) takes '\(expected)', got '\(signature)'")
      }
      let call = DBusMethodCall(message: try handle.decoded(), connection: connection)
      switch route {
      case .peer:
        reply(to: handle, with: .success(try peer(member)), on: connection)
      case .introspect:
        reply(to: handle, with: .success([.string(try introspect(path))]), on: connection)
      case .properties:
        try properties(member, call, handle: handle)
      case .managedObjects:
        reply(to: handle, with: .success([try managedObjects(path)]), on: connection)
      case .method(let method):
        let outputs = method.outputSignature
        switch method.handler {
        case .onLoop(let body):
          reply(to: handle, with: Result { try body(call) }, expecting: outputs, on: connection)
        case .async(let body):
          run(handle, call, expecting: outputs) { try await body(call) }
        }
      }
    } catch {
      reply(to: handle, with: .failure(error), on: connection)
    }
  }

  private func resolve(path: ObjectPath, interface: InterfaceName?, member: MemberName) throws(DBusError)
    -> (Route, String)
  {
    func standard(_ known: [String: String], _ route: Route, _ name: InterfaceName) throws(DBusError)
      -> (Route, String)
    {
      guard let signature = known[member.rawValue] else {
        throw DBusError(.unknownMethod, "no method '\(member)' in interface '\(name)'")
      }
      return (route, signature)
    }
    switch interface {
    case .peer?:
      return try standard(["Ping": "", "GetMachineId": ""], .peer, .peer)
    case .introspectable?:
      return try standard(["Introspect": ""], .introspect, .introspectable)
    case .properties?:
      return try standard(["Get": "ss", "GetAll": "s", "Set": "ssv"], .properties, .properties)
    case .objectManager?:
      return try standard(["GetManagedObjects": ""], .managedObjects, .objectManager)
    default:
      let interfaces = try object(at: path)
      let target: DBusInterface
      if let interface {
        guard let found = interfaces[interface] else {
          throw DBusError(.unknownInterface, "object \(path) has no interface '\(interface)'")
        }
        target = found
      } else {
        // The specification lets a call omit the interface; take the first that has the method.
        guard
          let found = interfaces.values.sorted(by: { $0.name < $1.name }).first(where: {
            $0.methods[member] != nil
          })
        else { throw DBusError(.unknownMethod, "object \(path) has no method '\(member)'") }
        target = found
      }
      guard let method = target.methods[member] else {
        throw DBusError(.unknownMethod, "no method '\(member)' in interface '\(target.name)' at \(path)")
      }
      return (.method(method), method.inputSignature.rawValue)
    }
  }

  private func peer(_ member: MemberName) throws(DBusError) -> [DBusValue] {
    if member == "Ping" { return [] }
    var error = CDBus.DBusError()
    dbus_error_init(&error)
    defer { dbus_error_free(&error) }
    guard let id = dbus_try_get_local_machine_id(&error) else {
      throw DBusError(.failed, "the machine id is not available")
    }
    defer { dbus_free(id) }
    return [.string(String(cString: id))]
  }

  private func object(at path: ObjectPath) throws(DBusError) -> [InterfaceName: DBusInterface] {
    guard let object = tree.withLock({ $0.objects[path] }) else {
      throw DBusError(.unknownObject, "no object at path \(path)")
    }
    return object
  }

  private func managedObjects(_ path: ObjectPath) throws(DBusError) -> DBusValue {
    let objects = tree.withLock { tree -> [(ObjectPath, [DBusInterface])]? in
      guard tree.managers.contains(path) else { return nil }
      return tree.objects.filter { $0.key != path && $0.key.isDescendant(of: path) }
        .map { ($0.key, Array($0.value.values)) }
    }
    guard let objects else {
      throw DBusError(.unknownInterface, "no object manager at path \(path)")
    }
    return .dictionary(
      key: .objectPath, value: DBusInterfaceDescription.interfacesAndPropertiesType,
      objects.sorted { $0.0 < $1.0 }.map {
        DBusDictEntry(.objectPath($0.0), Self.interfacesAndProperties($0.1))
      })
  }

  private func properties(_ member: MemberName, _ call: DBusMethodCall, handle: MessageHandle)
    throws(DBusError)
  {
    let path = call.message.path!
    let interfaces = try object(at: path)
    let interfaceText = try call.argument(0, as: String.self)
    guard let name = try? InterfaceName(validating: interfaceText), let interface = interfaces[name] else {
      throw DBusError(.unknownInterface, "object \(path) has no interface '\(interfaceText)'")
    }
    if member == "GetAll" {
      reply(to: handle, with: .success([Self.propertyTable(interface.readableValues)]), on: call.connection)
      return
    }
    let propertyText = try call.argument(1, as: String.self)
    guard let propertyName = try? MemberName(validating: propertyText),
      let property = interface.description.property(propertyName)
    else {
      throw DBusError(.unknownProperty, "interface \(name) has no property '\(propertyText)'")
    }
    if member == "Get" {
      guard property.access.isReadable, let value = interface.value(of: propertyName) else {
        throw DBusError(.accessDenied, "property \(name).\(propertyName) is write-only")
      }
      reply(to: handle, with: .success([.variant(value)]), on: call.connection)
      return
    }
    guard property.access.isWritable else {
      throw DBusError(.propertyReadOnly, "property \(name).\(propertyName) is read-only")
    }
    let value = try DBusVariant(dbusValue: call.arguments[2]).value
    guard value.type == property.type else {
      throw DBusError(
        .invalidArgs, "property \(name).\(propertyName) has type '\(property.type)', got '\(value.type)'")
    }
    let setter = interface.setters[propertyName]
    run(handle, call, expecting: .empty) {
      let stored = try await setter?(value, call) ?? value
      try interface.setProperty(propertyName, stored)
      return []
    }
  }

  // MARK: Replies

  private func run(
    _ handle: MessageHandle, _ call: DBusMethodCall, expecting outputs: Signature,
    _ body: @escaping @Sendable () async throws -> [DBusValue]
  ) {
    let core = call.connection.core
    guard core.inflight.add(1, ordering: .relaxed).newValue <= ConnectionCore.maxInflightHandlers else {
      core.inflight.subtract(1, ordering: .relaxed)
      reply(
        to: handle, with: .failure(DBusError(.limitsExceeded, "too many calls in progress; try again")),
        on: call.connection)
      return
    }
    Task {
      defer { core.inflight.subtract(1, ordering: .relaxed) }
      let result: Result<[DBusValue], any Error>
      do { result = .success(try await body()) } catch { result = .failure(error) }
      reply(to: handle, with: result, expecting: outputs, on: call.connection)
    }
  }

  private func reply(
    to handle: MessageHandle, with result: Result<[DBusValue], any Error>,
    expecting outputs: Signature? = nil,
    on connection: DBusConnection
  ) {
    var result = result
    if case .success(let values) = result, let outputs, !values.conforms(to: outputs) {
      logger.error(
        "handler returned the wrong signature",
        metadata: [
          "dbus.member": "\(handle.member?.rawValue ?? "?")", "dbus.expected": "\(outputs)",
          "dbus.returned": "\(values.signature)",
        ])
      result = .failure(DBusError(.failed, "the service returned a malformed reply"))
    }
    guard !handle.noReplyExpected else { return }
    do {
      let message: MessageHandle
      switch result {
      case .success(let values):
        do {
          let answer = try handle.methodReturn()
          try answer.append(values)
          message = answer
        } catch {
          // An answer that cannot be sent (too large, say) still gets the caller an error.
          message = try handle.errorReply(dbusError(for: error, handle))
        }
      case .failure(let error):
        message = try handle.errorReply(dbusError(for: error, handle))
      }
      try connection.core.send(message)
    } catch {
      logger.warning(
        "cannot send a reply",
        metadata: ["dbus.member": "\(handle.member?.rawValue ?? "?")", "error": "\(error)"])
    }
  }

  private func dbusError(for error: any Error, _ handle: MessageHandle) -> DBusError {
    if let convertible = error as? any DBusErrorConvertible { return convertible.dbusError }
    logger.error(
      "unmapped error in method handler",
      metadata: [
        "dbus.interface": "\(handle.interface?.rawValue ?? "?")",
        "dbus.member": "\(handle.member?.rawValue ?? "?")", "error": "\(error)",
      ])
    return DBusError(.failed, "\(error)")
  }
}
