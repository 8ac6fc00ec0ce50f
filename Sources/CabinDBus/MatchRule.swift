/// A signal match rule, sent to the bus with `AddMatch` and applied again locally to route
/// each incoming signal to its subscribers.
///
/// A rule must name a sender or a path (or path namespace), so the bus can filter by it: a rule
/// without either is checked by the bus against every message on the bus.
public struct DBusMatchRule: Hashable, Sendable, CustomStringConvertible {
  /// The sender, unique or well-known.
  public var sender: BusName?
  /// The exact object path.
  public var path: ObjectPath?
  /// A path namespace: the path itself and everything below it.
  public var pathNamespace: ObjectPath?
  /// The interface.
  public var interface: InterfaceName?
  /// The signal name.
  public var member: MemberName?
  /// The first argument, which must be a string equal to this.
  public var arg0: String?

  /// Creates a rule; at least `sender`, `path` or `pathNamespace` must be given.
  public init(
    sender: BusName? = nil, path: ObjectPath? = nil, pathNamespace: ObjectPath? = nil,
    interface: InterfaceName? = nil, member: MemberName? = nil, arg0: String? = nil
  ) {
    self.sender = sender
    self.path = path
    self.pathNamespace = pathNamespace
    self.interface = interface
    self.member = member
    self.arg0 = arg0
  }

  /// Whether the rule lets the bus filter by sender or path.
  public var isFilterable: Bool { sender != nil || path != nil || pathNamespace != nil }

  /// The rule in the bus's text form, with values quoted as the specification requires.
  public var description: String {
    var parts = ["type='signal'"]
    func add(_ key: String, _ value: String?) {
      guard let value else { return }
      // Inside single quotes a quote is written by closing, escaping and reopening: '\''.
      parts.append("\(key)='\(value.replacing("'", with: "'\\''"))'")
    }
    add("sender", sender?.rawValue)
    add("path", path?.rawValue)
    add("path_namespace", pathNamespace?.rawValue)
    add("interface", interface?.rawValue)
    add("member", member?.rawValue)
    add("arg0", arg0)
    return parts.joined(separator: ",")
  }

  /// Whether a signal matches, given the current unique owner of a well-known `sender`.
  func matches(_ message: DBusMessage, senderOwner: BusName?) -> Bool {
    if let sender {
      let expected = sender.isUnique ? sender : senderOwner
      guard message.sender == expected || message.sender == sender else { return false }
    }
    if let path, message.path != path { return false }
    if let pathNamespace {
      guard let messagePath = message.path, messagePath.isDescendant(of: pathNamespace) else {
        return false
      }
    }
    if let interface, message.interface != interface { return false }
    if let member, message.member != member { return false }
    if let arg0 {
      guard case .string(let first)? = message.body.first, first == arg0 else { return false }
    }
    return true
  }
}
