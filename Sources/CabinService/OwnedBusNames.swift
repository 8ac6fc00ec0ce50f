public import CabinDBus
import Synchronization

/// The well-known names one connection holds, and the watch that notices when one is taken away.
///
/// Policy: a Cabin service asks for its names with ``DBusNameFlags/allowReplacement`` and
/// ``DBusNameFlags/doNotQueue``. Another connection that the bus policy lets own the name (a
/// newer build started by hand, an update) may take it over with
/// ``DBusNameFlags/replaceExisting``; the service it replaced sees `NameLost`, logs it and stops
/// with an error, so it exits non-zero and its supervisor restarts it. The restarted instance
/// finds the name taken and exits again, with the supervisor's growing back-off, until the name
/// is free. Services never queue for a name: a queued instance would look started but answer
/// nothing.
public final class OwnedBusNames: Sendable {
  /// The connection that owns the names.
  public let connection: DBusConnection
  private let held = Mutex<Set<BusName>>([])
  private let lostSignals: AsyncStream<DBusMessage>

  /// Starts watching `NameLost` on `connection`; do this before requesting any name.
  public init(connection: DBusConnection) async throws {
    self.connection = connection
    lostSignals = try await connection.signals(
      matching: DBusMatchRule(
        sender: .bus, path: "/org/freedesktop/DBus", interface: .bus, member: "NameLost"))
  }

  /// Requests `name` (replaceable, never queued); throws when another connection owns it.
  public func request(_ name: BusName) async throws {
    let reply = try await connection.requestName(name, flags: [.allowReplacement, .doNotQueue])
    guard reply == .primaryOwner || reply == .alreadyOwner else {
      throw DBusError(.failed, "the name \(name) is owned by another process")
    }
    _ = held.withLock { $0.insert(name) }
  }

  /// Gives `name` back on purpose; its `NameLost` is then no loss.
  public func release(_ name: BusName) async throws {
    _ = held.withLock { $0.remove(name) }
    try await connection.releaseName(name)
  }

  /// Returns when the connection closes; throws ``BusNameLost`` as soon as the bus gives a held
  /// name to another connection or takes it away.
  public func watch() async throws {
    for await signal in lostSignals {
      guard case .string(let text)? = signal.body.first, let name = try? BusName(validating: text),
        held.withLock({ $0.contains(name) })
      else { continue }
      // A NameLost from an earlier release can arrive after the name was requested again.
      let owner = try await connection.nameOwner(name)
      if let owner, owner == connection.uniqueName { continue }
      _ = held.withLock { $0.remove(name) }
      throw BusNameLost(name: name, newOwner: owner)
    }
  }
}

/// A well-known name that the bus took from a service (given to `newOwner`, or to nobody).
public struct BusNameLost: Error, CustomStringConvertible {
  /// The name that was lost.
  public var name: BusName
  /// Its owner now, if any.
  public var newOwner: BusName?

  /// "lost the name X to :1.7".
  public var description: String {
    "lost the name \(name)" + (newOwner.map { " to \($0)" } ?? "")
  }
}
