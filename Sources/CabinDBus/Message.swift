internal import CDBus

#if canImport(Glibc)
  import Glibc
#endif

/// The kind of a D-Bus message.
public enum DBusMessageKind: Sendable, Hashable {
  /// A method call.
  case methodCall
  /// A successful method reply.
  case methodReturn
  /// An error reply.
  case error
  /// A signal.
  case signal
}

/// A received message with its header fields and decoded body.
public struct DBusMessage: Sendable {
  /// What kind of message this is.
  public var kind: DBusMessageKind
  /// The sender's unique name, when the message came through a bus.
  public var sender: BusName?
  /// The destination name, if any.
  public var destination: BusName?
  /// The object path of a call or signal.
  public var path: ObjectPath?
  /// The interface of a call or signal.
  public var interface: InterfaceName?
  /// The member (method or signal name).
  public var member: MemberName?
  /// The error name of an error reply.
  public var errorName: ErrorName?
  /// The message's serial number.
  public var serial: UInt32
  /// The serial this message replies to, or 0.
  public var replySerial: UInt32
  /// Whether the caller asked not to get a reply.
  public var noReplyExpected: Bool
  /// The body's signature.
  public var signature: Signature
  /// The body, decoded.
  public var body: [DBusValue]
}

/// Owns one reference to a libdbus message and releases it in `deinit`.
final class MessageHandle: @unchecked Sendable {
  // A message is immutable once it has been sent or received ("locked" in libdbus terms), and
  // libdbus reference counting is atomic, so the handle can be shared across threads.
  let raw: OpaquePointer

  /// Takes over a reference the caller owns.
  init(adopting raw: OpaquePointer) { self.raw = raw }

  /// Adds a reference to a message owned elsewhere (for example, during dispatch).
  init(retaining raw: OpaquePointer) {
    self.raw = raw
    dbus_message_ref(raw)
  }

  deinit { dbus_message_unref(raw) }

  static func methodCall(
    destination: BusName?, path: ObjectPath, interface: InterfaceName?, member: MemberName
  ) throws(DBusError) -> MessageHandle {
    guard
      let raw = dbus_message_new_method_call(
        destination?.rawValue, path.rawValue, interface?.rawValue, member.rawValue)
    else { throw DBusError(.noMemory, "cannot allocate a method call message") }
    return MessageHandle(adopting: raw)
  }

  static func signal(
    path: ObjectPath, interface: InterfaceName, member: MemberName
  ) throws(DBusError) -> MessageHandle {
    guard let raw = dbus_message_new_signal(path.rawValue, interface.rawValue, member.rawValue)
    else { throw DBusError(.noMemory, "cannot allocate a signal message") }
    return MessageHandle(adopting: raw)
  }

  func methodReturn() throws(DBusError) -> MessageHandle {
    guard let reply = dbus_message_new_method_return(raw) else {
      throw DBusError(.noMemory, "cannot allocate a method return")
    }
    return MessageHandle(adopting: reply)
  }

  func errorReply(_ error: DBusError) throws(DBusError) -> MessageHandle {
    // libdbus requires valid UTF-8 without NUL in the message text.
    let text = String(error.message.map { $0 == "\0" ? "\u{FFFD}" : $0 })
    guard let reply = dbus_message_new_error(raw, error.name.rawValue, text) else {
      throw DBusError(.noMemory, "cannot allocate an error reply")
    }
    return MessageHandle(adopting: reply)
  }

  var kind: DBusMessageKind {
    switch dbus_message_get_type(raw) {
    case CDBUS_MESSAGE_TYPE_METHOD_CALL: .methodCall
    case CDBUS_MESSAGE_TYPE_METHOD_RETURN: .methodReturn
    case CDBUS_MESSAGE_TYPE_ERROR: .error
    default: .signal
    }
  }

  var noReplyExpected: Bool {
    get { dbus_message_get_no_reply(raw) != 0 }
    set { dbus_message_set_no_reply(raw, newValue ? 1 : 0) }
  }

  var sender: BusName? { dbus_message_get_sender(raw).map { BusName(unchecked: String(cString: $0)) } }
  var path: ObjectPath? { dbus_message_get_path(raw).map { ObjectPath(unchecked: String(cString: $0)) } }
  var interface: InterfaceName? {
    dbus_message_get_interface(raw).map { InterfaceName(unchecked: String(cString: $0)) }
  }
  var member: MemberName? {
    dbus_message_get_member(raw).map { MemberName(unchecked: String(cString: $0)) }
  }
  var errorName: ErrorName? {
    dbus_message_get_error_name(raw).map { ErrorName(unchecked: String(cString: $0)) }
  }
  var signatureText: String { String(cString: dbus_message_get_signature(raw)) }

  func isSignal(_ interface: InterfaceName, _ member: MemberName) -> Bool {
    dbus_message_is_signal(raw, interface.rawValue, member.rawValue) != 0
  }

  /// The largest body Cabin sends: dbus-daemon's and libdbus's default message limit (32 MiB,
  /// as in `Config/dbus/cabin-bus.conf`) less room for the header.
  static let maximumBodyBytes = 32 * 1024 * 1024 - 64 * 1024

  /// Appends `values`, validating them first so that libdbus never sees input it would abort on.
  ///
  /// A body larger than `maximumBodyBytes` is refused with `LimitsExceeded`: sent anyway, it
  /// would make the bus drop the whole connection.
  func append(_ values: [DBusValue]) throws(DBusError) {
    var size = 0
    for value in values { size += try value.validate() }
    guard size <= Self.maximumBodyBytes else {
      throw DBusError(
        .limitsExceeded,
        "a message body of about \(size) bytes exceeds the \(Self.maximumBodyBytes)-byte limit of the bus")
    }
    // Basic values alone cannot break the signature's length or nesting limits; containers can.
    if values.count > 255 || values.contains(where: { !$0.type.isBasic }) {
      let text = values.map { $0.type.description }.joined()
      do {
        _ = try Signature(validating: text)
      } catch {
        throw DBusError(.invalidArgs, error.description)
      }
    }
    var iter = DBusMessageIter()
    dbus_message_iter_init_append(raw, &iter)
    for value in values { try Marshal.append(value, to: &iter) }
  }

  /// Decodes the whole body.
  func decodeBody() throws(DBusError) -> [DBusValue] {
    var iter = DBusMessageIter()
    guard dbus_message_iter_init(raw, &iter) != 0 else { return [] }
    return try Marshal.readAll(&iter)
  }

  /// The message with every header field and its body decoded.
  func decoded() throws(DBusError) -> DBusMessage {
    let signature: Signature
    do { signature = try Signature(validating: signatureText) } catch {
      throw DBusError(.inconsistentMessage, error.description)
    }
    return DBusMessage(
      kind: kind, sender: sender,
      destination: dbus_message_get_destination(raw).map { BusName(unchecked: String(cString: $0)) },
      path: path, interface: interface, member: member, errorName: errorName,
      serial: dbus_message_get_serial(raw), replySerial: dbus_message_get_reply_serial(raw),
      noReplyExpected: noReplyExpected, signature: signature, body: try decodeBody())
  }

  /// For an error reply: the error it carries.
  func asError() -> DBusError {
    let name = errorName ?? .failed
    var text = ""
    if let body = try? decodeBody(), case .string(let first)? = body.first { text = first }
    return DBusError(name, text)
  }
}

/// Converts between ``DBusValue`` and libdbus's iterator API.
enum Marshal {
  static func append(_ value: DBusValue, to iter: inout DBusMessageIter) throws(DBusError) {
    var ok: UInt32 = 1
    switch value {
    case .byte(var v): ok = dbus_message_iter_append_basic(&iter, CDBUS_TYPE_BYTE, &v)
    case .boolean(let b):
      var v: dbus_bool_t = b ? 1 : 0
      ok = dbus_message_iter_append_basic(&iter, CDBUS_TYPE_BOOLEAN, &v)
    case .int16(var v): ok = dbus_message_iter_append_basic(&iter, CDBUS_TYPE_INT16, &v)
    case .uint16(var v): ok = dbus_message_iter_append_basic(&iter, CDBUS_TYPE_UINT16, &v)
    case .int32(var v): ok = dbus_message_iter_append_basic(&iter, CDBUS_TYPE_INT32, &v)
    case .uint32(var v): ok = dbus_message_iter_append_basic(&iter, CDBUS_TYPE_UINT32, &v)
    case .int64(var v): ok = dbus_message_iter_append_basic(&iter, CDBUS_TYPE_INT64, &v)
    case .uint64(var v): ok = dbus_message_iter_append_basic(&iter, CDBUS_TYPE_UINT64, &v)
    case .double(var v): ok = dbus_message_iter_append_basic(&iter, CDBUS_TYPE_DOUBLE, &v)
    case .string(let s): ok = appendString(s, CDBUS_TYPE_STRING, &iter)
    case .objectPath(let p): ok = appendString(p.rawValue, CDBUS_TYPE_OBJECT_PATH, &iter)
    case .signature(let g): ok = appendString(g.rawValue, CDBUS_TYPE_SIGNATURE, &iter)
    case .unixFD(let fd):
      // libdbus duplicates the descriptor; the value keeps its own.
      var v = fd.rawValue
      ok = dbus_message_iter_append_basic(&iter, CDBUS_TYPE_UNIX_FD, &v)
    case .variant(let inner):
      try container(CDBUS_TYPE_VARIANT, inner.type.description, &iter) { (sub) throws(DBusError) in
        try append(inner, to: &sub)
      }
    case .array(.byte, let items):
      let bytes: [UInt8] = items.map {
        guard case .byte(let b) = $0 else { return 0 }
        return b
      }
      try container(CDBUS_TYPE_ARRAY, "y", &iter) { (sub) throws(DBusError) in
        let done = bytes.withUnsafeBufferPointer { buffer -> UInt32 in
          var base = buffer.baseAddress
          return withUnsafeMutablePointer(to: &base) {
            dbus_message_iter_append_fixed_array(&sub, CDBUS_TYPE_BYTE, $0, Int32(buffer.count))
          }
        }
        guard done != 0 else { throw DBusError(.noMemory, "cannot append a byte array") }
      }
    case .array(let element, let items):
      try container(CDBUS_TYPE_ARRAY, element.description, &iter) { (sub) throws(DBusError) in
        for item in items { try append(item, to: &sub) }
      }
    case .dictionary(let key, let valueType, let entries):
      try container(CDBUS_TYPE_ARRAY, "{\(key)\(valueType)}", &iter) { (sub) throws(DBusError) in
        for entry in entries {
          try container(CDBUS_TYPE_DICT_ENTRY, nil, &sub) { (pair) throws(DBusError) in
            try append(entry.key, to: &pair)
            try append(entry.value, to: &pair)
          }
        }
      }
    case .structure(let fields):
      try container(CDBUS_TYPE_STRUCT, nil, &iter) { (sub) throws(DBusError) in
        for field in fields { try append(field, to: &sub) }
      }
    }
    guard ok != 0 else { throw DBusError(.noMemory, "cannot append a value of type '\(value.type)'") }
  }

  private static func appendString(_ s: String, _ type: Int32, _ iter: inout DBusMessageIter) -> UInt32 {
    s.withCString { cString in
      var pointer: UnsafePointer<CChar>? = cString
      return dbus_message_iter_append_basic(&iter, type, &pointer)
    }
  }

  private static func container(
    _ type: Int32, _ signature: String?, _ iter: inout DBusMessageIter,
    _ body: (inout DBusMessageIter) throws(DBusError) -> Void
  ) throws(DBusError) {
    var sub = DBusMessageIter()
    let opened: UInt32 =
      if let signature {
        signature.withCString { dbus_message_iter_open_container(&iter, type, $0, &sub) }
      } else {
        dbus_message_iter_open_container(&iter, type, nil, &sub)
      }
    guard opened != 0 else { throw DBusError(.noMemory, "cannot open a container") }
    do {
      try body(&sub)
    } catch {
      dbus_message_iter_abandon_container(&iter, &sub)
      throw error
    }
    guard dbus_message_iter_close_container(&iter, &sub) != 0 else {
      throw DBusError(.noMemory, "cannot close a container")
    }
  }

  static func readAll(_ iter: inout DBusMessageIter) throws(DBusError) -> [DBusValue] {
    var values: [DBusValue] = []
    while dbus_message_iter_get_arg_type(&iter) != CDBUS_TYPE_INVALID {
      values.append(try read(&iter))
      dbus_message_iter_next(&iter)
    }
    return values
  }

  private static func basic<T: BitwiseCopyable>(_ iter: inout DBusMessageIter, _ initial: T) -> T {
    var v = initial
    withUnsafeMutableBytes(of: &v) { dbus_message_iter_get_basic(&iter, $0.baseAddress) }
    return v
  }

  private static func readString(_ iter: inout DBusMessageIter) -> String {
    var pointer: UnsafePointer<CChar>? = nil
    dbus_message_iter_get_basic(&iter, &pointer)
    return pointer.map { String(cString: $0) } ?? ""
  }

  private static func currentType(_ iter: inout DBusMessageIter) throws(DBusError) -> DBusType {
    guard let raw = dbus_message_iter_get_signature(&iter) else {
      throw DBusError(.noMemory, "cannot read a container signature")
    }
    defer { dbus_free(raw) }
    let text = String(cString: raw)
    do {
      let signature = try Signature(validating: text)
      guard let type = signature.types.first, signature.types.count == 1 else {
        throw DBusError(.inconsistentMessage, "container signature '\(text)' is not one type")
      }
      return type
    } catch let error as DBusNameError {
      throw DBusError(.inconsistentMessage, error.description)
    } catch {
      throw error as! DBusError
    }
  }

  static func read(_ iter: inout DBusMessageIter) throws(DBusError) -> DBusValue {
    let code = dbus_message_iter_get_arg_type(&iter)
    switch code {
    case CDBUS_TYPE_BYTE: return .byte(basic(&iter, UInt8(0)))
    case CDBUS_TYPE_BOOLEAN: return .boolean(basic(&iter, dbus_bool_t(0)) != 0)
    case CDBUS_TYPE_INT16: return .int16(basic(&iter, Int16(0)))
    case CDBUS_TYPE_UINT16: return .uint16(basic(&iter, UInt16(0)))
    case CDBUS_TYPE_INT32: return .int32(basic(&iter, Int32(0)))
    case CDBUS_TYPE_UINT32: return .uint32(basic(&iter, UInt32(0)))
    case CDBUS_TYPE_INT64: return .int64(basic(&iter, Int64(0)))
    case CDBUS_TYPE_UINT64: return .uint64(basic(&iter, UInt64(0)))
    case CDBUS_TYPE_DOUBLE: return .double(basic(&iter, Double(0)))
    case CDBUS_TYPE_STRING: return .string(readString(&iter))
    case CDBUS_TYPE_OBJECT_PATH: return .objectPath(ObjectPath(unchecked: readString(&iter)))
    case CDBUS_TYPE_SIGNATURE:
      let text = readString(&iter)
      do { return .signature(try Signature(validating: text)) } catch {
        throw DBusError(.inconsistentMessage, error.description)
      }
    case CDBUS_TYPE_UNIX_FD:
      // "The returned file descriptor ... must be closed by the caller" (libdbus docs).
      let fd = basic(&iter, Int32(-1))
      guard fd >= 0 else { throw DBusError(.inconsistentMessage, "message lacks its file descriptor") }
      return .unixFD(DBusFileDescriptor(adopting: fd))
    case CDBUS_TYPE_VARIANT:
      var sub = DBusMessageIter()
      dbus_message_iter_recurse(&iter, &sub)
      return .variant(try read(&sub))
    case CDBUS_TYPE_STRUCT:
      var sub = DBusMessageIter()
      dbus_message_iter_recurse(&iter, &sub)
      return .structure(try readAll(&sub))
    case CDBUS_TYPE_ARRAY:
      let type = try currentType(&iter)
      var sub = DBusMessageIter()
      dbus_message_iter_recurse(&iter, &sub)
      switch type {
      case .array(.byte):
        var pointer: UnsafeRawPointer? = nil
        var count: Int32 = 0
        dbus_message_iter_get_fixed_array(&sub, &pointer, &count)
        let bytes = UnsafeRawBufferPointer(start: pointer, count: Int(count))
        return .array(.byte, bytes.map { .byte($0) })
      case .array(let element):
        return .array(element, try readAll(&sub))
      case .dictionary(let key, let value):
        var entries: [DBusDictEntry] = []
        while dbus_message_iter_get_arg_type(&sub) == CDBUS_TYPE_DICT_ENTRY {
          var pair = DBusMessageIter()
          dbus_message_iter_recurse(&sub, &pair)
          let k = try read(&pair)
          dbus_message_iter_next(&pair)
          let v = try read(&pair)
          entries.append(DBusDictEntry(k, v))
          dbus_message_iter_next(&sub)
        }
        return .dictionary(key: key, value: value, entries)
      default:
        throw DBusError(.inconsistentMessage, "array with signature '\(type)'")
      }
    default:
      throw DBusError(.inconsistentMessage, "unknown type code \(code)")
    }
  }
}
