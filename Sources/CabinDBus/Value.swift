#if canImport(Glibc)
  import Glibc
#endif

/// A Unix file descriptor carried in a message (`h`). The object owns the descriptor and closes it
/// when the last reference goes away.
public final class DBusFileDescriptor: Hashable, Sendable, CustomStringConvertible {
  /// The owned descriptor number.
  public let rawValue: Int32

  /// Takes ownership of `fd`; it is closed when this object is released.
  public init(adopting fd: Int32) { rawValue = fd }

  /// Duplicates `fd` (with close-on-exec) so the caller keeps its own descriptor.
  public init(duplicating fd: Int32) throws(DBusError) {
    let copy = fcntl(fd, F_DUPFD_CLOEXEC, 0)
    guard copy >= 0 else {
      throw DBusError(.invalidArgs, "cannot duplicate file descriptor \(fd): errno \(errno)")
    }
    rawValue = copy
  }

  deinit { close(rawValue) }

  /// Descriptors compare by identity of the owning object.
  public static func == (lhs: DBusFileDescriptor, rhs: DBusFileDescriptor) -> Bool { lhs === rhs }

  /// Hashes the owning object's identity.
  public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }

  /// `fd N`.
  public var description: String { "fd \(rawValue)" }
}

/// One entry of a D-Bus dictionary (`{KV}`).
public struct DBusDictEntry: Hashable, Sendable {
  /// The key, always of a basic type.
  public var key: DBusValue
  /// The value.
  public var value: DBusValue

  /// Creates an entry.
  public init(_ key: DBusValue, _ value: DBusValue) {
    self.key = key
    self.value = value
  }
}

/// A typed D-Bus value: everything a message body can carry.
///
/// Only `variant` is stored indirectly; basic values sit inline, so a large array costs one
/// buffer rather than one heap box per element.
public enum DBusValue: Hashable, Sendable {
  /// `y`
  case byte(UInt8)
  /// `b`
  case boolean(Bool)
  /// `n`
  case int16(Int16)
  /// `q`
  case uint16(UInt16)
  /// `i`
  case int32(Int32)
  /// `u`
  case uint32(UInt32)
  /// `x`
  case int64(Int64)
  /// `t`
  case uint64(UInt64)
  /// `d`
  case double(Double)
  /// `s`; must not contain NUL characters.
  case string(String)
  /// `o`
  case objectPath(ObjectPath)
  /// `g`
  case signature(Signature)
  /// `h`
  case unixFD(DBusFileDescriptor)
  /// `v`: a value wrapped with its own type.
  indirect case variant(DBusValue)
  /// `aT`: the element type, then the elements (each of that type).
  case array(DBusType, [DBusValue])
  /// `a{KV}`: key and value types, then the entries in order.
  case dictionary(key: DBusType, value: DBusType, [DBusDictEntry])
  /// `(…)`: the fields in order.
  case structure([DBusValue])

  /// The value's complete D-Bus type.
  public var type: DBusType {
    switch self {
    case .byte: .byte
    case .boolean: .boolean
    case .int16: .int16
    case .uint16: .uint16
    case .int32: .int32
    case .uint32: .uint32
    case .int64: .int64
    case .uint64: .uint64
    case .double: .double
    case .string: .string
    case .objectPath: .objectPath
    case .signature: .signature
    case .unixFD: .unixFD
    case .variant: .variant
    case .array(let element, _): .array(element)
    case .dictionary(let key, let value, _): .dictionary(key: key, value: value)
    case .structure(let fields): .structure(fields.map(\.type))
    }
  }

  /// The contents of a variant, or the value itself.
  public var unwrappingVariant: DBusValue {
    if case .variant(let inner) = self { return inner.unwrappingVariant }
    return self
  }

  /// The string of an `s`, `o` or `g` value.
  public var string: String? {
    switch self {
    case .string(let s): s
    case .objectPath(let p): p.rawValue
    case .signature(let g): g.rawValue
    default: nil
    }
  }

  /// Checks what libdbus would otherwise reject with an abort: consistent element types, basic
  /// dictionary keys, strings without NUL, and the specification's nesting limits.
  /// Checks what libdbus would abort on or a peer would reject, and returns the value's size on
  /// the wire as an upper bound (alignment padding counted at its largest).
  @discardableResult
  func validate(depth: Int = 0) throws(DBusError) -> Int {
    // The specification caps the total nesting of containers, variants included, at 64.
    guard depth <= 64 else {
      throw DBusError(.invalidArgs, "value nests containers deeper than the limit of 64")
    }
    switch self {
    case .byte: return 1
    case .boolean, .int32, .uint32, .unixFD: return 7
    case .int16, .uint16: return 3
    case .int64, .uint64, .double: return 15
    case .string(let s):
      if s.utf8.contains(0) { throw DBusError(.invalidArgs, "string contains a NUL character") }
      return s.utf8.count + 8
    case .objectPath(let p): return p.rawValue.utf8.count + 8
    case .signature(let g): return g.rawValue.utf8.count + 2
    case .variant(let inner):
      return try inner.validate(depth: depth + 1) + inner.type.description.utf8.count + 2
    case .array(let element, let items):
      var size = 0
      for item in items {
        guard item.type == element else {
          throw DBusError(
            .invalidArgs, "array of '\(element)' holds an element of type '\(item.type)'")
        }
        size += try item.validate(depth: depth + 1)
      }
      return try Self.checkedArray(size)
    case .dictionary(let key, let value, let entries):
      guard key.isBasic else {
        throw DBusError(.invalidArgs, "dictionary key type '\(key)' is not a basic type")
      }
      var size = 0
      for entry in entries {
        guard entry.key.type == key, entry.value.type == value else {
          throw DBusError(
            .invalidArgs,
            "dictionary of '{\(key)\(value)}' holds an entry of '{\(entry.key.type)\(entry.value.type)}'")
        }
        size += try entry.key.validate(depth: depth + 2) + entry.value.validate(depth: depth + 2) + 7
      }
      return try Self.checkedArray(size)
    case .structure(let fields):
      guard !fields.isEmpty else { throw DBusError(.invalidArgs, "structure has no fields") }
      var size = 7
      for field in fields { size += try field.validate(depth: depth + 1) }
      return size
    }
  }

  /// The specification's largest array body, 64 MiB.
  static let maximumArrayBytes = 1 << 26

  private static func checkedArray(_ contentBytes: Int) throws(DBusError) -> Int {
    // Arrays whose elements might fit once padding is exact still count as too large: the bound
    // is only an estimate, and no real head-unit message comes near it.
    guard contentBytes <= maximumArrayBytes else {
      throw DBusError(
        .limitsExceeded, "an array of about \(contentBytes) bytes exceeds D-Bus's limit of 64 MiB")
    }
    return contentBytes + 11
  }
}

extension DBusValue: CustomStringConvertible {
  /// A compact, `busctl`-like rendering for logs and the command line.
  public var description: String {
    switch self {
    case .byte(let v): "\(v)"
    case .boolean(let v): "\(v)"
    case .int16(let v): "\(v)"
    case .uint16(let v): "\(v)"
    case .int32(let v): "\(v)"
    case .uint32(let v): "\(v)"
    case .int64(let v): "\(v)"
    case .uint64(let v): "\(v)"
    case .double(let v): "\(v)"
    case .string(let v): "\"\(v)\""
    case .objectPath(let v): "\(v)"
    case .signature(let v): "\(v)"
    case .unixFD(let v): "\(v)"
    case .variant(let v): "<\(v.type)> \(v)"
    case .array(_, let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
    case .dictionary(_, _, let entries):
      "{" + entries.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
    case .structure(let fields): "(" + fields.map(\.description).joined(separator: ", ") + ")"
    }
  }
}

extension Array where Element == DBusValue {
  /// The signature of a message body holding these values.
  public var signature: Signature { Signature(types: map(\.type)) }

  /// Whether these values have exactly the types of `signature`, without building its text.
  func conforms(to signature: Signature) -> Bool {
    count == signature.types.count && zip(self, signature.types).allSatisfy { $0.type == $1 }
  }
}
