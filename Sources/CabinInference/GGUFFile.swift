public import Foundation

/// A metadata value in a GGUF file.
public indirect enum GGUFValue: Sendable, Equatable {
  /// Any unsigned integer type (u8, u16, u32, u64).
  case unsigned(UInt64)
  /// Any signed integer type (i8, i16, i32, i64).
  case signed(Int64)
  /// f32 or f64.
  case float(Double)
  /// bool.
  case bool(Bool)
  /// A UTF-8 string.
  case string(String)
  /// An array of values of one type.
  case array([GGUFValue])
}

/// The ggml tensor types a GGUF file may carry, with the block layout needed to size their data.
public struct GGMLType: Sendable, Equatable, CustomStringConvertible {
  /// The numeric type id in the file.
  public let id: UInt32
  /// The type's name as ggml spells it.
  public let name: String
  /// Elements per block (1 for plain types).
  public let blockSize: Int
  /// Bytes per block.
  public let bytesPerBlock: Int

  /// The name.
  public var description: String { name }

  private static let known: [GGMLType] = [
    GGMLType(id: 0, name: "F32", blockSize: 1, bytesPerBlock: 4),
    GGMLType(id: 1, name: "F16", blockSize: 1, bytesPerBlock: 2),
    GGMLType(id: 2, name: "Q4_0", blockSize: 32, bytesPerBlock: 18),
    GGMLType(id: 3, name: "Q4_1", blockSize: 32, bytesPerBlock: 20),
    GGMLType(id: 6, name: "Q5_0", blockSize: 32, bytesPerBlock: 22),
    GGMLType(id: 7, name: "Q5_1", blockSize: 32, bytesPerBlock: 24),
    GGMLType(id: 8, name: "Q8_0", blockSize: 32, bytesPerBlock: 34),
    GGMLType(id: 10, name: "Q2_K", blockSize: 256, bytesPerBlock: 84),
    GGMLType(id: 11, name: "Q3_K", blockSize: 256, bytesPerBlock: 110),
    GGMLType(id: 12, name: "Q4_K", blockSize: 256, bytesPerBlock: 144),
    GGMLType(id: 13, name: "Q5_K", blockSize: 256, bytesPerBlock: 176),
    GGMLType(id: 14, name: "Q6_K", blockSize: 256, bytesPerBlock: 210),
    GGMLType(id: 24, name: "I8", blockSize: 1, bytesPerBlock: 1),
    GGMLType(id: 25, name: "I16", blockSize: 1, bytesPerBlock: 2),
    GGMLType(id: 26, name: "I32", blockSize: 1, bytesPerBlock: 4),
    GGMLType(id: 27, name: "I64", blockSize: 1, bytesPerBlock: 8),
    GGMLType(id: 28, name: "F64", blockSize: 1, bytesPerBlock: 8),
    GGMLType(id: 30, name: "BF16", blockSize: 1, bytesPerBlock: 2),
  ]

  /// The type with this id, or nil when this parser does not know its layout.
  public static func withID(_ id: UInt32) -> GGMLType? { known.first { $0.id == id } }
}

/// One tensor's entry in a GGUF file.
public struct GGUFTensorInfo: Sendable, Equatable {
  /// The tensor's name.
  public var name: String
  /// The dimensions as GGUF stores them: innermost (contiguous) first.
  public var dimensions: [Int]
  /// The element type.
  public var type: GGMLType
  /// Where the data lies, in bytes from the start of the file.
  public var fileRange: Range<Int>
}

/// A memory-mapped GGUF file (versions 2 and 3): header, metadata key/values and tensor table.
///
/// Everything is bounds-checked while parsing: a truncated or corrupt file, a tensor of unknown
/// type or a tensor whose data runs past the end gives a `ModelFileError` naming the key or tensor.
/// Dequantisation and the language model that will use it come later.
public final class GGUFFile: Sendable {
  /// The `GGUF` magic, read as a little-endian UInt32.
  public static let magic: UInt32 = 0x4655_4747
  /// The alignment of the data section when `general.alignment` is absent.
  public static let defaultAlignment = 32

  /// The format version.
  public let version: UInt32
  /// The metadata, in file order.
  public let metadata: [(key: String, value: GGUFValue)]
  /// The tensors, in file order.
  public let tensors: [GGUFTensorInfo]
  /// The file's path, for messages.
  public var path: String { file.path }

  private let file: MappedFile

  /// Maps and parses the file at `url`.
  public init(url: URL) throws(ModelFileError) {
    file = try MappedFile(url: url)
    var reader = GGUFReader(bytes: file.bytes, path: file.path)
    guard try reader.read(UInt32.self, "the magic") == Self.magic else {
      throw .malformedHeader(file: file.path, reason: "magic is not 'GGUF'")
    }
    version = try reader.read(UInt32.self, "the version")
    guard version == 2 || version == 3 else {
      throw .malformedHeader(file: file.path, reason: "version \(version) is not 2 or 3")
    }
    let tensorCount = try reader.count("the tensor count", minimumBytesEach: 24)
    let metadataCount = try reader.count("the metadata count", minimumBytesEach: 12)
    var metadata: [(key: String, value: GGUFValue)] = []
    for index in 0..<metadataCount {
      let key = try reader.string("the key of metadata entry \(index)")
      let type = try reader.read(UInt32.self, "the type of metadata '\(key)'")
      metadata.append((key, try reader.value(type: type, context: "metadata '\(key)'")))
    }
    var alignment = Self.defaultAlignment
    if let entry = metadata.first(where: { $0.key == "general.alignment" }) {
      guard case .unsigned(let value) = entry.value, value > 0, value <= 1 << 16, value.nonzeroBitCount == 1
      else {
        throw .malformedHeader(file: file.path, reason: "general.alignment is not a power of two")
      }
      alignment = Int(value)
    }
    var entries: [(name: String, dimensions: [Int], type: GGMLType, offset: UInt64)] = []
    for index in 0..<tensorCount {
      let name = try reader.string("the name of tensor \(index)")
      let rank = try reader.read(UInt32.self, "the rank of tensor '\(name)'")
      guard rank >= 1, rank <= 4 else {
        throw .badTensorData(file: file.path, tensor: name, reason: "rank \(rank) is not between 1 and 4")
      }
      var dimensions: [Int] = []
      for _ in 0..<rank {
        let dimension = try reader.read(UInt64.self, "the shape of tensor '\(name)'")
        guard dimension <= 1 << 40 else {
          throw .badTensorData(file: file.path, tensor: name, reason: "dimension \(dimension) is implausible")
        }
        dimensions.append(Int(dimension))
      }
      let typeID = try reader.read(UInt32.self, "the type of tensor '\(name)'")
      guard let type = GGMLType.withID(typeID) else {
        throw .badTensorData(file: file.path, tensor: name, reason: "unknown ggml type \(typeID)")
      }
      let offset = try reader.read(UInt64.self, "the offset of tensor '\(name)'")
      entries.append((name, dimensions, type, offset))
    }
    let dataStart = (reader.position + alignment - 1) / alignment * alignment
    var tensors: [GGUFTensorInfo] = []
    for entry in entries {
      tensors.append(
        try Self.locate(
          entry, dataStart: dataStart, alignment: alignment, fileSize: file.bytes.count, path: file.path))
    }
    self.metadata = metadata
    self.tensors = tensors
  }

  private static func locate(
    _ entry: (name: String, dimensions: [Int], type: GGMLType, offset: UInt64),
    dataStart: Int, alignment: Int, fileSize: Int, path: String
  ) throws(ModelFileError) -> GGUFTensorInfo {
    let elements = entry.dimensions.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
    guard entry.dimensions.allSatisfy({ $0 > 0 }), elements <= 1 << 40 else {
      throw .badTensorData(file: path, tensor: entry.name, reason: "shape \(entry.dimensions) is implausible")
    }
    guard entry.dimensions[0] % entry.type.blockSize == 0 else {
      throw .badTensorData(
        file: path, tensor: entry.name,
        reason: "first dimension \(entry.dimensions[0]) is not a multiple of the \(entry.type) block size "
          + "\(entry.type.blockSize)")
    }
    guard entry.offset % UInt64(alignment) == 0, entry.offset <= UInt64(fileSize) else {
      throw .badTensorData(
        file: path, tensor: entry.name,
        reason: "offset \(entry.offset) is not aligned to \(alignment) or past the end")
    }
    let byteCount = elements / entry.type.blockSize * entry.type.bytesPerBlock
    let start = dataStart + Int(entry.offset)
    guard start + byteCount <= fileSize else {
      throw .truncated(
        file: path,
        context: "tensor '\(entry.name)' (its \(byteCount) bytes end at \(start + byteCount), "
          + "the file has \(fileSize))")
    }
    return GGUFTensorInfo(
      name: entry.name, dimensions: entry.dimensions, type: entry.type, fileRange: start..<start + byteCount)
  }

  /// The metadata value for `key`, if present.
  public subscript(key: String) -> GGUFValue? { metadata.first { $0.key == key }?.value }
}

private struct GGUFReader {
  let bytes: UnsafeRawBufferPointer
  let path: String
  var position = 0

  mutating func read<T: FixedWidthInteger>(_: T.Type, _ context: @autoclosure () -> String)
    throws(ModelFileError) -> T
  {
    let size = MemoryLayout<T>.size
    guard bytes.count - position >= size else { throw .truncated(file: path, context: context()) }
    let value = T(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: T.self))
    position += size
    return value
  }

  /// Reads a u64 count and rejects one that could not fit in the rest of the file.
  mutating func count(_ context: String, minimumBytesEach: Int) throws(ModelFileError) -> Int {
    let value = try read(UInt64.self, context)
    guard value <= UInt64(max(0, bytes.count - position) / minimumBytesEach) else {
      throw .truncated(file: path, context: "\(context) (\(value) entries cannot fit in the file)")
    }
    return Int(value)
  }

  mutating func string(_ context: @autoclosure () -> String) throws(ModelFileError) -> String {
    let length = try read(UInt64.self, context())
    guard length <= UInt64(bytes.count - position) else { throw .truncated(file: path, context: context()) }
    let slice = UnsafeRawBufferPointer(rebasing: bytes[position..<position + Int(length)])
    position += Int(length)
    guard let text = String(validating: slice, as: UTF8.self) else {
      throw .malformedHeader(file: path, reason: "\(context()) is not valid UTF-8")
    }
    return text
  }

  mutating func value(type: UInt32, context: String) throws(ModelFileError) -> GGUFValue {
    switch type {
    case 0: return .unsigned(UInt64(try read(UInt8.self, context)))
    case 1: return .signed(Int64(try read(Int8.self, context)))
    case 2: return .unsigned(UInt64(try read(UInt16.self, context)))
    case 3: return .signed(Int64(try read(Int16.self, context)))
    case 4: return .unsigned(UInt64(try read(UInt32.self, context)))
    case 5: return .signed(Int64(try read(Int32.self, context)))
    case 6: return .float(Double(Float(bitPattern: try read(UInt32.self, context))))
    case 7:
      let raw = try read(UInt8.self, context)
      guard raw <= 1 else {
        throw .malformedHeader(file: path, reason: "\(context) is a bool of value \(raw)")
      }
      return .bool(raw == 1)
    case 8: return .string(try string(context))
    case 9:
      let elementType = try read(UInt32.self, context)
      guard elementType != 9 else {
        throw .malformedHeader(file: path, reason: "\(context) is a nested array, which this parser rejects")
      }
      let count = try self.count(context, minimumBytesEach: 1)
      var values: [GGUFValue] = []
      values.reserveCapacity(count)
      for index in 0..<count {
        values.append(try value(type: elementType, context: "\(context)[\(index)]"))
      }
      return .array(values)
    case 10: return .unsigned(try read(UInt64.self, context))
    case 11: return .signed(try read(Int64.self, context))
    case 12: return .float(Double(bitPattern: try read(UInt64.self, context)))
    default:
      throw .malformedHeader(file: path, reason: "\(context) has unknown value type \(type)")
    }
  }
}
