package import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A read-only memory map of a whole file; the only owner of the mapping, unmapped in `deinit`.
///
/// Weights stay in the page cache and only the pages a forward pass touches become resident, which
/// keeps the encoder's memory close to the size of the weights it actually reads.
package final class MappedFile: @unchecked Sendable {
  // Sendable because the mapping is PROT_READ and never changes after init.
  /// The mapped bytes.
  package let bytes: UnsafeRawBufferPointer
  /// The file's path, for error messages.
  package let path: String

  /// Maps `url` read-only; an empty file maps to an empty buffer.
  package init(url: URL) throws(ModelFileError) {
    path = url.path
    let fd = open(url.path, O_RDONLY)
    guard fd >= 0 else {
      throw .unreadable(file: url.path, reason: String(cString: strerror(errno)))
    }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
      throw .unreadable(file: url.path, reason: String(cString: strerror(errno)))
    }
    let size = Int(info.st_size)
    guard size > 0 else {
      bytes = UnsafeRawBufferPointer(start: nil, count: 0)
      return
    }
    // mmap(2): "After the mmap() call has returned, the file descriptor, fd, can be closed
    // immediately without invalidating the mapping."
    guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
      throw .unreadable(file: url.path, reason: "mmap: \(String(cString: strerror(errno)))")
    }
    bytes = UnsafeRawBufferPointer(start: base, count: size)
  }

  deinit {
    if let base = bytes.baseAddress {
      munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
    }
  }
}

/// A read-only view of `Float` elements that keeps the storage it points into alive.
///
/// The storage is either a memory-mapped file or an owned copy (used when the file's data is not
/// 4-byte aligned, or when weights are rearranged at load time, such as the fused QKV projection).
package struct FloatTensor: @unchecked Sendable {
  // Sendable because neither the mapping nor the owned buffer is written after creation.
  /// The first element.
  package let pointer: UnsafePointer<Float>
  /// The number of elements.
  package let count: Int
  /// The shape, outermost dimension first.
  package let shape: [Int]
  private let owner: AnyObject

  /// A view of `count` floats at `pointer`, which must lie inside `file`'s mapping.
  package init(pointer: UnsafePointer<Float>, count: Int, shape: [Int], file: MappedFile) {
    self.pointer = pointer
    self.count = count
    self.shape = shape
    owner = file
  }

  /// A tensor owning a copy of `values`.
  package init(copying values: [Float], shape: [Int]) {
    let storage = OwnedFloats(values)
    pointer = UnsafePointer(storage.base)
    count = values.count
    self.shape = shape
    owner = storage
  }

  /// The elements as a buffer.
  package var buffer: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: pointer, count: count) }
}

private final class OwnedFloats {
  let base: UnsafeMutablePointer<Float>

  init(_ values: [Float]) {
    base = .allocate(capacity: max(1, values.count))
    values.withUnsafeBufferPointer { source in
      if let start = source.baseAddress { base.initialize(from: start, count: values.count) }
    }
  }

  deinit { base.deallocate() }
}
