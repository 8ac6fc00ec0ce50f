internal import CDBus
public import Logging
import Synchronization

/// Where to connect: the session bus, the system bus, or any D-Bus address.
public enum DBusBusAddress: Hashable, Sendable, CustomStringConvertible {
  /// The session bus (`DBUS_SESSION_BUS_ADDRESS`).
  case session
  /// The system bus.
  case system
  /// A bus at an explicit address, such as `unix:path=/run/cabin/bus`.
  case address(String)

  /// Parses `session`, `system`, or an address.
  public init(parsing text: String) {
    switch text {
    case "session": self = .session
    case "system": self = .system
    default: self = .address(text)
    }
  }

  /// `session`, `system`, or the address.
  public var description: String {
    switch self {
    case .session: "session"
    case .system: "system"
    case .address(let address): address
    }
  }
}

/// Flags for `RequestName`.
public struct DBusNameFlags: OptionSet, Sendable {
  /// The bit mask.
  public let rawValue: UInt32
  /// Creates flags from the mask.
  public init(rawValue: UInt32) { self.rawValue = rawValue }
  /// Let another connection take the name over with ``replaceExisting``.
  public static let allowReplacement = DBusNameFlags(rawValue: CDBUS_NAME_FLAG_ALLOW_REPLACEMENT)
  /// Take the name from its current owner if that owner allows it.
  public static let replaceExisting = DBusNameFlags(rawValue: CDBUS_NAME_FLAG_REPLACE_EXISTING)
  /// Fail instead of waiting in the queue when the name is owned.
  public static let doNotQueue = DBusNameFlags(rawValue: CDBUS_NAME_FLAG_DO_NOT_QUEUE)
}

/// The bus's answer to `RequestName`.
public enum DBusRequestNameReply: UInt32, Sendable {
  /// The connection now owns the name.
  case primaryOwner = 1
  /// The name is owned by another connection; this one waits in the queue.
  case inQueue = 2
  /// The name is owned and the request asked not to queue.
  case exists = 3
  /// The connection already owned the name.
  case alreadyOwner = 4
}

private let threadsInitialized: Bool = dbus_threads_init_default() != 0

/// Runs `body` with a libdbus error slot and turns a set error into a ``DBusError``: the one place
/// where C failures become Swift errors.
func withLibdbusError<T>(
  _ what: String, _ body: (UnsafeMutablePointer<CDBus.DBusError>) -> T?
) throws(DBusError) -> T {
  var error = CDBus.DBusError()
  dbus_error_init(&error)
  defer { dbus_error_free(&error) }
  let result = body(&error)
  if dbus_error_is_set(&error) != 0 {
    let name = error.name.map { String(cString: $0) } ?? ErrorName.failed.rawValue
    let message = error.message.map { String(cString: $0) } ?? what
    throw DBusError((try? ErrorName(validating: name)) ?? .failed, "\(what): \(message)")
  }
  guard let result else { throw DBusError(.failed, "\(what) failed") }
  return result
}

/// A connection to a message bus or a peer.
///
/// Each connection has one thread of its own that drives libdbus with `poll()`; every method
/// here may be called from any thread or task. The connection closes when ``close()`` is called
/// or the object returned by ``connect(to:logger:)`` is released.
public final class DBusConnection: Sendable, CustomStringConvertible {
  let core: ConnectionCore
  private let lifetime: Lifetime?

  private final class Lifetime: Sendable {
    let core: ConnectionCore
    init(_ core: ConnectionCore) { self.core = core }
    deinit { core.close() }
  }

  init(core: ConnectionCore) {
    self.core = core
    lifetime = nil
  }

  private init(owning core: ConnectionCore) {
    self.core = core
    lifetime = Lifetime(core)
  }

  /// Connects to a bus and registers with it (`Hello`).
  public static func connect(
    to bus: DBusBusAddress, logger: Logger = Logger(label: "cabin.dbus")
  ) throws(DBusError) -> DBusConnection {
    precondition(threadsInitialized, "libdbus thread support could not be initialised")
    let raw: OpaquePointer =
      switch bus {
      case .session:
        try withLibdbusError("connecting to the session bus") { dbus_bus_get_private(DBUS_BUS_SESSION, $0) }
      case .system:
        try withLibdbusError("connecting to the system bus") { dbus_bus_get_private(DBUS_BUS_SYSTEM, $0) }
      case .address(let address):
        try withLibdbusError("connecting to \(address)") { dbus_connection_open_private(address, $0) }
      }
    if case .address = bus {
      do {
        _ = try withLibdbusError("registering with the bus") { error -> Bool? in
          dbus_bus_register(raw, error) != 0 ? true : nil
        }
      } catch {
        dbus_connection_close(raw)
        dbus_connection_unref(raw)
        throw error
      }
    }
    return try DBusConnection(owning: ConnectionCore(raw: raw, isBus: true, logger: logger))
  }

  /// Opens a private peer-to-peer connection to a ``DBusServer`` (no bus, no `Hello`).
  public static func connectPeer(
    address: String, logger: Logger = Logger(label: "cabin.dbus")
  ) throws(DBusError) -> DBusConnection {
    precondition(threadsInitialized, "libdbus thread support could not be initialised")
    let raw = try withLibdbusError("connecting to peer \(address)") {
      dbus_connection_open_private(address, $0)
    }
    return try DBusConnection(owning: ConnectionCore(raw: raw, isBus: false, logger: logger))
  }

  static func adopting(peer raw: OpaquePointer, logger: Logger) throws(DBusError) -> DBusConnection {
    try DBusConnection(owning: ConnectionCore(raw: raw, isBus: false, logger: logger))
  }

  /// The unique name the bus assigned (`:1.42`), or `nil` on a peer connection.
  public var uniqueName: BusName? { core.uniqueName }

  /// Whether the connection is still open.
  public var isConnected: Bool { core.isConnected }

  /// Whether this connection can pass Unix file descriptors.
  public var canPassFileDescriptors: Bool { core.canPassFileDescriptors }

  /// The logger used for this connection's own messages.
  public var logger: Logger { core.logger }

  /// The unique name, or "peer".
  public var description: String { "DBusConnection(\(uniqueName?.rawValue ?? "peer"))" }

  /// Closes the connection; pending calls fail and signal streams finish.
  public func close() { core.close() }

  /// An executor that runs tasks on this connection's loop thread, the thread that reads its
  /// messages.
  ///
  /// A task that prefers it (`withTaskExecutorPreference(connection.executor) { ... }` or
  /// `Task(executorPreference: connection.executor) { ... }`) is resumed by the reply to its
  /// awaited call on the thread that read that reply, instead of waking a thread of the
  /// cooperative pool: one thread wake-up less per call, which is what a client making one call
  /// after another pays most for. Work in such a task must not block, since it holds up all of the
  /// connection's I/O meanwhile. Once the connection is closed, the jobs of such tasks run on the
  /// global concurrent executor.
  public var executor: any TaskExecutor { core.loop }

  // MARK: Calls

  /// Calls a method and waits for its reply without blocking a thread.
  ///
  /// Task cancellation cancels the call at once. `timeout` `nil` uses libdbus's default (25 s).
  public func call(
    destination: BusName?, path: ObjectPath, interface: InterfaceName?, member: MemberName,
    _ arguments: [DBusValue] = [], timeout: Duration? = nil
  ) async throws -> [DBusValue] {
    let message = try MessageHandle.methodCall(
      destination: destination, path: path, interface: interface, member: member)
    try message.append(arguments)
    let reply = try await core.sendWithReply(message, timeout: timeout)
    return try reply.decodeBody()
  }

  /// Calls a method and blocks the calling thread until the reply arrives or `timeout` passes.
  public func callBlocking(
    destination: BusName?, path: ObjectPath, interface: InterfaceName?, member: MemberName,
    _ arguments: [DBusValue] = [], timeout: Duration? = nil
  ) throws -> [DBusValue] {
    let message = try MessageHandle.methodCall(
      destination: destination, path: path, interface: interface, member: member)
    try message.append(arguments)
    return try core.sendWithReplyBlocking(message, timeout: timeout).decodeBody()
  }

  /// Sends a method call without waiting for (or asking for) a reply.
  public func callNoReply(
    destination: BusName?, path: ObjectPath, interface: InterfaceName?, member: MemberName,
    _ arguments: [DBusValue] = []
  ) throws(DBusError) {
    let message = try MessageHandle.methodCall(
      destination: destination, path: path, interface: interface, member: member)
    message.noReplyExpected = true
    try message.append(arguments)
    try core.send(message)
  }

  /// Emits a signal from `path`.
  public func emit(
    path: ObjectPath, interface: InterfaceName, member: MemberName, _ arguments: [DBusValue] = []
  ) throws(DBusError) {
    let message = try MessageHandle.signal(path: path, interface: interface, member: member)
    try message.append(arguments)
    try core.send(message)
  }

  // MARK: Signals

  /// Subscribes to signals matching `rule`; the bus filters with the same rule.
  ///
  /// The stream keeps the newest `bufferLimit` signals when the consumer falls behind. Ending
  /// the iteration removes the rule from the bus.
  public func signals(
    matching rule: DBusMatchRule, bufferLimit: Int = 4096
  ) async throws -> AsyncStream<DBusMessage> {
    guard rule.isFilterable else {
      throw DBusError(.matchRuleInvalid, "a match rule needs a sender or a path: \(rule)")
    }
    return try await core.subscribe(rule, bufferLimit: bufferLimit)
  }

  // MARK: Names

  /// Asks the bus for a well-known name.
  public func requestName(_ name: BusName, flags: DBusNameFlags = []) async throws -> DBusRequestNameReply {
    let reply = try await call(
      destination: .bus, path: "/org/freedesktop/DBus", interface: .bus, member: "RequestName",
      [.string(name.rawValue), .uint32(flags.rawValue)])
    guard let code = reply.first.flatMap({ try? UInt32(dbusValue: $0) }),
      let result = DBusRequestNameReply(rawValue: code)
    else { throw DBusError(.inconsistentMessage, "unexpected RequestName reply \(reply)") }
    return result
  }

  /// Gives a well-known name back to the bus.
  public func releaseName(_ name: BusName) async throws {
    _ = try await call(
      destination: .bus, path: "/org/freedesktop/DBus", interface: .bus, member: "ReleaseName",
      [.string(name.rawValue)])
  }

  /// The unique name currently owning `name`, or `nil` if nobody does.
  public func nameOwner(_ name: BusName) async throws -> BusName? {
    do {
      let reply = try await call(
        destination: .bus, path: "/org/freedesktop/DBus", interface: .bus, member: "GetNameOwner",
        [.string(name.rawValue)])
      return try BusName(validating: try String(dbusValue: reply.first ?? .string("")))
    } catch DBusError.Name.nameHasNoOwner {
      return nil
    }
  }

  /// The caller's credentials, cached per unique name (unique names are never reused).
  public func credentials(of sender: BusName) async throws -> DBusCredentials {
    if let cached = core.cachedCredentials(sender) { return cached }
    let reply = try await call(
      destination: .bus, path: "/org/freedesktop/DBus", interface: .bus,
      member: "GetConnectionCredentials", [.string(sender.rawValue)])
    let table = try [String: DBusVariant](dbusValue: reply.first ?? .array(.string, []))
    let credentials = DBusCredentials(
      userID: table["UnixUserID"].flatMap { try? UInt32(dbusValue: $0.value) },
      processID: table["ProcessID"].flatMap { try? UInt32(dbusValue: $0.value) })
    core.cache(credentials, for: sender)
    return credentials
  }

  // MARK: Objects

  /// Exports `interfaces` at `path`, replacing what was there. Objects below an object manager
  /// are announced with `InterfacesAdded`.
  public func export(_ interfaces: [DBusInterface], at path: ObjectPath) throws(DBusError) {
    try core.objects.export(interfaces, at: path, on: self)
  }

  /// Removes the object at `path`; objects below an object manager are announced with
  /// `InterfacesRemoved`.
  public func unexport(_ path: ObjectPath) throws(DBusError) {
    try core.objects.unexport(path, on: self)
  }

  /// Serves `org.freedesktop.DBus.ObjectManager` at `path` for every object below it.
  public func addObjectManager(at path: ObjectPath) {
    core.objects.addManager(path)
  }

  /// The introspection XML this connection serves for `path`.
  public func introspectionXML(for path: ObjectPath) throws(DBusError) -> String {
    try core.objects.introspect(path)
  }
}

/// Holds the libdbus connection and everything that must outlive individual facades.
final class ConnectionCore: @unchecked Sendable {
  // The connection pointer is set once and libdbus locks internally ("connections are
  // thread-safe once dbus_threads_init_default() has been called"); our own state is in Mutexes.
  let raw: OpaquePointer
  let logger: Logger
  let objects: ObjectRegistry
  let loop: PollLoop
  private let subscriptions = Mutex(SubscriptionTable())
  private let credentialCache = Mutex<[BusName: DBusCredentials]>([:])
  private let closed = Atomic<Bool>(false)
  let uniqueName: BusName?
  let inflight = Atomic<Int>(0)

  /// How many `async` handlers may run at once before calls are refused with `LimitsExceeded`.
  static let maxInflightHandlers = 1024

  init(raw: OpaquePointer, isBus: Bool, logger: Logger) throws(DBusError) {
    self.raw = raw
    self.logger = logger
    uniqueName =
      isBus ? dbus_bus_get_unique_name(raw).map { BusName(unchecked: String(cString: $0)) } : nil
    objects = ObjectRegistry(logger: logger)
    dbus_connection_set_exit_on_disconnect(raw, 0)
    let connection = SendablePointer(raw)
    // The loop thread holds its own reference so it can close the connection after this object
    // is gone.
    dbus_connection_ref(raw)
    loop = try PollLoop(
      name: "cabin-dbus",
      afterIO: {
        while dbus_connection_dispatch(connection.raw) == DBUS_DISPATCH_DATA_REMAINS {}
      },
      onStop: {
        dbus_connection_close(connection.raw)
        dbus_connection_unref(connection.raw)
      })
    let loopPointer = Unmanaged.passUnretained(loop).toOpaque()
    dbus_connection_set_watch_functions(
      raw, addWatchCallback, removeWatchCallback, toggleWatchCallback, loopPointer, nil)
    dbus_connection_set_timeout_functions(
      raw, addTimeoutCallback, removeTimeoutCallback, toggleTimeoutCallback, loopPointer, nil)
    dbus_connection_set_wakeup_main_function(raw, wakeCallback, loopPointer, nil)
    dbus_connection_set_dispatch_status_function(raw, dispatchStatusCallback, loopPointer, nil)
    dbus_connection_add_filter(raw, filterCallback, Unmanaged.passUnretained(self).toOpaque(), nil)
    loop.start()
    loop.wake()
  }

  deinit {
    close()
    dbus_connection_unref(raw)
  }

  var isConnected: Bool { !closed.load(ordering: .acquiring) && dbus_connection_get_is_connected(raw) != 0 }

  var canPassFileDescriptors: Bool { dbus_connection_can_send_type(raw, CDBUS_TYPE_UNIX_FD) != 0 }

  func close() {
    guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
    dbus_connection_remove_filter(raw, filterCallback, Unmanaged.passUnretained(self).toOpaque())
    loop.stop()
    finishSubscriptions()
  }

  // MARK: Sending

  private func checkSendable(_ message: MessageHandle) throws(DBusError) {
    guard isConnected else { throw DBusError(.disconnected, "the connection is closed") }
    if dbus_message_contains_unix_fds(message.raw) != 0 && !canPassFileDescriptors {
      throw DBusError(.notSupported, "this connection cannot pass file descriptors")
    }
  }

  func send(_ message: MessageHandle) throws(DBusError) {
    try checkSendable(message)
    guard dbus_connection_send(raw, message.raw, nil) != 0 else {
      throw DBusError(.noMemory, "cannot queue a message")
    }
  }

  private static func milliseconds(_ timeout: Duration?) -> Int32 {
    guard let timeout else { return CDBUS_TIMEOUT_USE_DEFAULT }
    let (seconds, attoseconds) = timeout.components
    return Int32(clamping: max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000))
  }

  private func start(_ message: MessageHandle, timeout: Duration?, _ reply: PendingReply) throws(DBusError) {
    try checkSendable(message)
    var pending: OpaquePointer?
    guard dbus_connection_send_with_reply(raw, message.raw, &pending, Self.milliseconds(timeout)) != 0
    else { throw DBusError(.noMemory, "cannot queue a method call") }
    guard let pending else { throw DBusError(.disconnected, "the connection is closed") }
    reply.attach(pending)
    dbus_pending_call_set_notify(
      pending, pendingNotifyCallback, Unmanaged.passRetained(reply).toOpaque(), releasePendingReply)
    // A reply that arrived before the notify function was set is never notified.
    if dbus_pending_call_get_completed(pending) != 0 { reply.completeFromLibdbus() }
  }

  func sendWithReply(_ message: MessageHandle, timeout: Duration?) async throws -> MessageHandle {
    let reply = PendingReply(loop: loop)
    loop.beginAwaitingReply()
    defer { loop.endAwaitingReply() }
    return try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { continuation in
        reply.wait(with: continuation)
        do { try start(message, timeout: timeout, reply) } catch { reply.finish(.failure(error)) }
      }
    } onCancel: {
      reply.cancel()
    }
  }

  func sendWithReplyBlocking(_ message: MessageHandle, timeout: Duration?) throws -> MessageHandle {
    if loop.isLoopThread || loop.isLeaderThread {
      // Waiting for the loop thread from the thread that reads for it would never end (and
      // libdbus's dispatching is not reentrant); libdbus's own blocking call reads the socket
      // itself instead.
      try checkSendable(message)
      let reply = try withLibdbusError("calling \(message.member?.rawValue ?? "method")") {
        dbus_connection_send_with_reply_and_block(raw, message.raw, Self.milliseconds(timeout), $0)
      }
      return MessageHandle(adopting: reply)
    }
    let reply = PendingReply(loop: loop)
    guard loop.beginLeading() else {
      loop.beginAwaitingReply()
      defer { loop.endAwaitingReply() }
      try start(message, timeout: timeout, reply)
      return try reply.waitBlocking().get()
    }
    defer { loop.endLeading() }
    try start(message, timeout: timeout, reply)
    return try reply.waitLeading().get()
  }

  // MARK: Incoming messages (loop thread)

  func handleIncoming(_ message: MessageHandle) -> Bool {
    switch message.kind {
    case .methodCall:
      objects.dispatch(message, on: DBusConnection(core: self))
      return true
    case .signal:
      if message.isSignal(.local, "Disconnected") {
        logger.debug("bus connection lost")
        finishSubscriptions()
        return true
      }
      deliverSignal(message)
      return false
    case .methodReturn, .error:
      return false
    }
  }

  // MARK: Subscriptions

  struct SubscriptionTable {
    var next: UInt64 = 0
    var entries: [UInt64: (rule: DBusMatchRule, continuation: AsyncStream<DBusMessage>.Continuation)] = [:]
    // Unique owners of the well-known names that rules name as senders.
    var owners: [BusName: BusName] = [:]
    var ownerWatchers: [BusName: Int] = [:]
  }

  func subscribe(_ rule: DBusMatchRule, bufferLimit: Int) async throws -> AsyncStream<DBusMessage> {
    let connection = DBusConnection(core: self)
    let ownerRule: DBusMatchRule? =
      if let sender = rule.sender, !sender.isUnique, sender != .bus {
        DBusMatchRule(
          sender: .bus, path: "/org/freedesktop/DBus", interface: .bus, member: "NameOwnerChanged",
          arg0: sender.rawValue)
      } else {
        nil
      }
    if let sender = rule.sender, let watch = ownerRule {
      let first = subscriptions.withLock { table in
        table.ownerWatchers[sender, default: 0] += 1
        return table.ownerWatchers[sender] == 1
      }
      if first {
        try await addMatch(watch, on: connection)
        let owner = try await connection.nameOwner(sender)
        subscriptions.withLock { $0.owners[sender] = owner }
      }
    }
    try await addMatch(rule, on: connection)
    let (stream, continuation) = AsyncStream.makeStream(
      of: DBusMessage.self, bufferingPolicy: .bufferingNewest(bufferLimit))
    let id = subscriptions.withLock { table in
      table.next += 1
      table.entries[table.next] = (rule, continuation)
      return table.next
    }
    continuation.onTermination = { [weak self] _ in
      guard let self else { return }
      let dropOwner = subscriptions.withLock { table -> Bool in
        table.entries[id] = nil
        guard let sender = rule.sender, ownerRule != nil else { return false }
        table.ownerWatchers[sender, default: 1] -= 1
        guard table.ownerWatchers[sender] == 0 else { return false }
        table.ownerWatchers[sender] = nil
        table.owners[sender] = nil
        return true
      }
      removeMatch(rule)
      if dropOwner, let ownerRule { removeMatch(ownerRule) }
    }
    if closed.load(ordering: .acquiring) { continuation.finish() }
    return stream
  }

  private func addMatch(_ rule: DBusMatchRule, on connection: DBusConnection) async throws {
    guard uniqueName != nil else { return }
    _ = try await connection.call(
      destination: .bus, path: "/org/freedesktop/DBus", interface: .bus, member: "AddMatch",
      [.string(rule.description)])
  }

  private func removeMatch(_ rule: DBusMatchRule) {
    guard uniqueName != nil, isConnected else { return }
    try? DBusConnection(core: self).callNoReply(
      destination: .bus, path: "/org/freedesktop/DBus", interface: .bus, member: "RemoveMatch",
      [.string(rule.description)])
  }

  private func deliverSignal(_ handle: MessageHandle) {
    guard let message = try? handle.decoded() else {
      logger.warning(
        "dropping an undecodable signal", metadata: ["dbus.sender": "\(handle.sender?.rawValue ?? "?")"])
      return
    }
    let receivers = subscriptions.withLock { table in
      if message.sender == .bus || message.sender == nil, message.member == "NameOwnerChanged",
        message.body.count == 3, case .string(let name) = message.body[0],
        case .string(let newOwner) = message.body[2], let watched = try? BusName(validating: name),
        table.ownerWatchers[watched] != nil
      {
        table.owners[watched] = newOwner.isEmpty ? nil : BusName(unchecked: newOwner)
      }
      return table.entries.values.filter { entry in
        entry.rule.matches(message, senderOwner: entry.rule.sender.flatMap { table.owners[$0] })
      }
    }
    // Yielded outside the lock. A yield resumes the task waiting on the stream and takes that
    // task's status lock, while cancelling such a task holds its status lock and runs the stream's
    // onTermination, which takes this lock: with the yield inside, a service stopping while
    // signals arrived deadlocked.
    for receiver in receivers { receiver.continuation.yield(message) }
  }

  private func finishSubscriptions() {
    let continuations = subscriptions.withLock { table in
      defer { table.entries.removeAll() }
      return table.entries.values.map(\.continuation)
    }
    for continuation in continuations { continuation.finish() }
  }

  // MARK: Credentials cache

  func cachedCredentials(_ sender: BusName) -> DBusCredentials? {
    credentialCache.withLock { $0[sender] }
  }

  func cache(_ credentials: DBusCredentials, for sender: BusName) {
    credentialCache.withLock { cache in
      // Bounded so a stream of short-lived callers cannot grow it without end.
      if cache.count >= 1024 { cache.removeAll() }
      cache[sender] = credentials
    }
  }
}

/// A libdbus pointer handed across threads; libdbus's objects do their own locking.
struct SendablePointer: @unchecked Sendable, Hashable {
  let raw: OpaquePointer
  init(_ raw: OpaquePointer) { self.raw = raw }
}

let filterCallback:
  @convention(c) (OpaquePointer?, OpaquePointer?, UnsafeMutableRawPointer?) -> DBusHandlerResult = {
    _, message, data in
    let core = Unmanaged<ConnectionCore>.fromOpaque(data!).takeUnretainedValue()
    let handled = core.handleIncoming(MessageHandle(retaining: message!))
    return handled ? DBUS_HANDLER_RESULT_HANDLED : DBUS_HANDLER_RESULT_NOT_YET_HANDLED
  }
