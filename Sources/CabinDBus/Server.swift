internal import CDBus
public import Logging
import Synchronization

/// A listening socket for private peer-to-peer D-Bus connections, without a bus in between.
///
/// Each accepted connection is a ``DBusConnection`` with its own loop thread, on which objects
/// can be exported and calls made exactly as on a bus connection (without names or match rules).
public final class DBusServer: Sendable {
  private let raw: SendablePointer
  private let loop: PollLoop
  private let accepted: AsyncStream<DBusConnection>
  private let continuation: AsyncStream<DBusConnection>.Continuation
  private let logger: Logger
  private let closed = Atomic<Bool>(false)

  /// Listens on `address` (for example `unix:tmpdir=/tmp` or `unix:path=/run/cabin/peer`).
  public init(listeningOn address: String = "unix:tmpdir=/tmp", logger: Logger = Logger(label: "cabin.dbus"))
    throws(DBusError)
  {
    let server = try withLibdbusError("listening on \(address)") { dbus_server_listen(address, $0) }
    raw = SendablePointer(server)
    self.logger = logger
    (accepted, continuation) = AsyncStream.makeStream(of: DBusConnection.self)
    let pointer = raw
    loop = try PollLoop(
      name: "cabin-dbus-server", afterIO: {},
      onStop: {
        dbus_server_disconnect(pointer.raw)
        dbus_server_unref(pointer.raw)
      })
    let loopPointer = Unmanaged.passUnretained(loop).toOpaque()
    dbus_server_set_watch_functions(
      server, addWatchCallback, removeWatchCallback, toggleWatchCallback, loopPointer, nil)
    dbus_server_set_timeout_functions(
      server, addTimeoutCallback, removeTimeoutCallback, toggleTimeoutCallback, loopPointer, nil)
    dbus_server_set_new_connection_function(
      server, newConnectionCallback, Unmanaged.passUnretained(self).toOpaque(), nil)
    loop.start()
  }

  deinit { close() }

  /// The address clients pass to ``DBusConnection/connectPeer(address:logger:)``.
  public var address: String {
    guard let text = dbus_server_get_address(raw.raw) else { return "" }
    defer { dbus_free(text) }
    return String(cString: text)
  }

  /// The connections accepted so far and from now on.
  public var connections: AsyncStream<DBusConnection> { accepted }

  /// Stops listening; connections already accepted stay open.
  public func close() {
    guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
    dbus_server_set_new_connection_function(raw.raw, nil, nil, nil)
    loop.stop()
    continuation.finish()
  }

  fileprivate func accept(_ connection: OpaquePointer) {
    // "If you want to keep the connection, you must reference it" (libdbus docs).
    dbus_connection_ref(connection)
    do {
      continuation.yield(try DBusConnection.adopting(peer: connection, logger: logger))
    } catch {
      logger.warning("cannot adopt a peer connection", metadata: ["error": "\(error)"])
      dbus_connection_close(connection)
      dbus_connection_unref(connection)
    }
  }
}

private let newConnectionCallback:
  @convention(c) (OpaquePointer?, OpaquePointer?, UnsafeMutableRawPointer?) -> Void = {
    _, connection, data in
    Unmanaged<DBusServer>.fromOpaque(data!).takeUnretainedValue().accept(connection!)
  }
