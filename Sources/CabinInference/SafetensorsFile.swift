public import Foundation

/// One tensor's entry in a safetensors header.
public struct SafetensorsTensorInfo: Sendable, Equatable {
  /// The tensor's name, such as `encoder.layer.0.attention.self.query.weight`.
  public var name: String
  /// The element type.
  public var dtype: SafetensorsDType
  /// The shape, outermost dimension first; empty for a scalar.
  public var shape: [Int]
  /// Where the data lies, in bytes from the start of the data section.
  public var dataRange: Range<Int>
}

/// A memory-mapped safetensors file: an 8-byte little-endian header length, a JSON header naming
/// each tensor's dtype, shape and byte range, then the raw little-endian data.
///
/// The whole header is validated when the file is opened (known dtypes, non-negative shapes, byte
/// ranges inside the file and matching the shape), so reading a tensor afterwards cannot fault.
public final class SafetensorsFile: Sendable {
  /// Headers above this size are rejected as corrupt rather than parsed.
  public static let maximumHeaderSize = 100 << 20

  /// The tensors by name.
  public let tensors: [String: SafetensorsTensorInfo]
  /// The free-form `__metadata__` string map.
  public let metadata: [String: String]
  /// The file's path, for messages.
  public var path: String { file.path }

  private let file: MappedFile
  private let dataStart: Int

  /// Maps and validates the file at `url`.
  public init(url: URL) throws(ModelFileError) {
    file = try MappedFile(url: url)
    let bytes = file.bytes
    let path = file.path
    guard bytes.count >= 8 else { throw .truncated(file: path, context: "the 8-byte header length") }
    let headerLength = bytes.loadUnaligned(as: UInt64.self).littleEndian
    guard headerLength <= UInt64(Self.maximumHeaderSize) else {
      throw .malformedHeader(
        file: path, reason: "header length \(headerLength) exceeds \(Self.maximumHeaderSize) bytes")
    }
    guard 8 + Int(headerLength) <= bytes.count else {
      throw .truncated(
        file: path, context: "the \(headerLength)-byte JSON header (file has \(bytes.count) bytes)")
    }
    dataStart = 8 + Int(headerLength)
    let json: Any
    do {
      json = try JSONSerialization.jsonObject(
        with: Data(bytes[8..<dataStart]), options: [])
    } catch {
      throw .malformedHeader(file: path, reason: "header is not valid JSON")
    }
    guard let header = json as? [String: Any] else {
      throw .malformedHeader(file: path, reason: "header is not a JSON object")
    }
    var metadata: [String: String] = [:]
    var tensors: [String: SafetensorsTensorInfo] = [:]
    let dataSize = bytes.count - dataStart
    // In data order, so a truncated file names the first tensor that does not fit.
    let entries = header.sorted { Self.firstOffset($0.value) < Self.firstOffset($1.value) }
    for (name, value) in entries {
      if name == "__metadata__" {
        guard let map = value as? [String: String] else {
          throw .malformedHeader(file: path, reason: "__metadata__ is not a map of strings")
        }
        metadata = map
        continue
      }
      tensors[name] = try Self.tensorInfo(name: name, entry: value, dataSize: dataSize, path: path)
    }
    self.tensors = tensors
    self.metadata = metadata
  }

  private static func tensorInfo(
    name: String, entry: Any, dataSize: Int, path: String
  ) throws(ModelFileError) -> SafetensorsTensorInfo {
    guard let fields = entry as? [String: Any] else {
      throw .badTensorData(file: path, tensor: name, reason: "header entry is not an object")
    }
    guard let dtypeName = fields["dtype"] as? String else {
      throw .badTensorData(file: path, tensor: name, reason: "dtype is missing")
    }
    guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
      throw .badTensorData(file: path, tensor: name, reason: "unknown dtype '\(dtypeName)'")
    }
    guard let shape = integers(fields["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
      throw .badTensorData(
        file: path, tensor: name, reason: "shape is not a list of non-negative integers")
    }
    guard let offsets = integers(fields["data_offsets"]), offsets.count == 2,
      offsets[0] >= 0, offsets[0] <= offsets[1]
    else {
      throw .badTensorData(
        file: path, tensor: name, reason: "data_offsets is not [begin, end] with 0 <= begin <= end")
    }
    guard offsets[1] <= dataSize else {
      throw .truncated(
        file: path,
        context: "tensor '\(name)' (its data ends at byte \(offsets[1]) of a \(dataSize)-byte data section)"
      )
    }
    var elements = 1
    for dimension in shape {
      let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
      guard !overflow else {
        throw .badTensorData(file: path, tensor: name, reason: "shape \(shape) overflows")
      }
      elements = product
    }
    let (expectedBytes, overflow) = elements.multipliedReportingOverflow(by: dtype.byteWidth)
    guard !overflow, expectedBytes == offsets[1] - offsets[0] else {
      throw .badTensorData(
        file: path, tensor: name,
        reason: "shape \(shape) of \(dtypeName) needs \(elements * dtype.byteWidth) bytes, "
          + "data_offsets give \(offsets[1] - offsets[0])")
    }
    return SafetensorsTensorInfo(name: name, dtype: dtype, shape: shape, dataRange: offsets[0]..<offsets[1])
  }

  private static func firstOffset(_ entry: Any) -> Int {
    integers((entry as? [String: Any])?["data_offsets"])?.first ?? -1
  }

  private static func integers(_ value: Any?) -> [Int]? {
    guard let numbers = value as? [NSNumber] else { return nil }
    var result: [Int] = []
    for number in numbers {
      let double = number.doubleValue
      guard double.rounded() == double, abs(double) < 0x1p62 else { return nil }
      result.append(number.intValue)
    }
    return result
  }

  /// The F32 tensor `name`, checked to have exactly `shape`.
  package func float32Tensor(_ name: String, shape: [Int]) throws(ModelFileError) -> FloatTensor {
    guard let info = tensors[name] else { throw .missingTensor(file: path, tensor: name) }
    guard info.dtype == .f32 else {
      throw .wrongDType(file: path, tensor: name, expected: "F32", actual: info.dtype.rawValue)
    }
    guard info.shape == shape else {
      throw .wrongShape(file: path, tensor: name, expected: shape, actual: info.shape)
    }
    let count = info.dataRange.count / 4
    let raw = UnsafeRawBufferPointer(rebasing: file.bytes[(dataStart + info.dataRange.lowerBound)...])
    guard let start = raw.baseAddress else { throw .truncated(file: path, context: "tensor '\(name)'") }
    if Int(bitPattern: start) % MemoryLayout<Float>.alignment == 0 {
      return FloatTensor(
        pointer: start.assumingMemoryBound(to: Float.self), count: count, shape: shape, file: file)
    }
    let values = (0..<count).map { start.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) }
    return FloatTensor(copying: values, shape: shape)
  }
}
