public import Foundation
import Synchronization

/// A sentence embedder that keeps vectors for known sentences on disk, so a service's fixed
/// example sentences are embedded once per model rather than at every start.
///
/// While recording, every vector computed is remembered; ``save()`` writes them and stops
/// recording, so the sentences users say later are never stored. The file is keyed by
/// `modelIdentity`: a file made with another model (or damaged) is ignored and rewritten.
/// Without a file it only remembers, for its lifetime, every vector it computed (a threshold sweep
/// over an evaluation set embeds each sentence once).
public final class CachingEmbedder: SentenceEmbedder {
  private let base: any SentenceEmbedder
  private let file: URL?
  private let identity: String
  private let state: Mutex<(vectors: [String: [Float]], recording: Bool, dirty: Bool)>

  /// Wraps `base`, loading what `file` holds for `modelIdentity`.
  public init(wrapping base: any SentenceEmbedder, file: URL, modelIdentity: String) {
    self.base = base
    self.file = file
    identity = modelIdentity
    let loaded = Self.load(file, identity: modelIdentity, dimension: base.dimension) ?? [:]
    state = Mutex((loaded, true, false))
  }

  /// Wraps `base`, remembering in memory only.
  public init(wrapping base: any SentenceEmbedder) {
    self.base = base
    file = nil
    identity = ""
    state = Mutex(([:], true, false))
  }

  /// The wrapped embedder's dimension.
  public var dimension: Int { base.dimension }

  /// How many sentences have a stored vector.
  public var count: Int { state.withLock { $0.vectors.count } }

  /// Returns stored vectors and computes the rest in one batch.
  public func embed(_ texts: [String]) throws -> [[Float]] {
    let known = state.withLock { state in texts.map { state.vectors[$0] } }
    let missing = texts.indices.filter { known[$0] == nil }
    guard !missing.isEmpty else { return known.map { $0! } }
    let computed = try base.embed(missing.map { texts[$0] })
    var result = known
    for (index, vector) in zip(missing, computed) { result[index] = vector }
    state.withLock { state in
      guard state.recording else { return }
      for (index, vector) in zip(missing, computed) { state.vectors[texts[index]] = vector }
      state.dirty = true
    }
    return result.map { $0! }
  }

  /// Writes the stored vectors if anything was added, and stops recording; does nothing without a
  /// file.
  public func save() throws {
    guard let file else { return }
    let (vectors, dirty) = state.withLock { state in
      state.recording = false
      return (state.vectors, state.dirty)
    }
    guard dirty else { return }
    var data = Data(Self.magic.utf8)
    data.append(contentsOf: Array(identity.utf8) + [0x0A])
    append(UInt32(dimension), to: &data)
    append(UInt32(vectors.count), to: &data)
    for (text, vector) in vectors.sorted(by: { $0.key < $1.key }) {
      let bytes = Array(text.utf8)
      append(UInt32(bytes.count), to: &data)
      data.append(contentsOf: bytes)
      for value in vector { append(value.bitPattern, to: &data) }
    }
    try FileManager.default.createDirectory(
      at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
    try data.write(to: file, options: .atomic)
  }

  // Format: magic line, identity line, then little-endian UInt32 dimension and count, then per
  // sentence a UInt32 byte length, its UTF-8 bytes and `dimension` Float32 values.
  private static let magic = "CABIN-EMBEDDINGS 1\n"

  private func append(_ value: UInt32, to data: inout Data) {
    withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
  }

  private static func load(_ file: URL, identity: String, dimension: Int) -> [String: [Float]]? {
    guard let data = try? Data(contentsOf: file, options: .mappedIfSafe) else { return nil }
    let bytes = [UInt8](data)
    var offset = 0
    func line() -> String? {
      guard let end = bytes[offset...].firstIndex(of: 0x0A) else { return nil }
      defer { offset = end + 1 }
      return String(decoding: bytes[offset..<end], as: UTF8.self)
    }
    func word() -> UInt32? {
      guard offset + 4 <= bytes.count else { return nil }
      defer { offset += 4 }
      return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
        | UInt32(bytes[offset + 3]) << 24
    }
    guard line().map({ $0 + "\n" }) == magic, line() == identity, word() == UInt32(dimension),
      let count = word()
    else { return nil }
    var result: [String: [Float]] = [:]
    for _ in 0..<count {
      guard let length = word().map(Int.init), offset + length + 4 * dimension <= bytes.count else {
        return nil
      }
      let text = String(decoding: bytes[offset..<offset + length], as: UTF8.self)
      offset += length
      var vector: [Float] = []
      vector.reserveCapacity(dimension)
      for _ in 0..<dimension {
        guard let bits = word() else { return nil }
        vector.append(Float(bitPattern: bits))
      }
      result[text] = vector
    }
    return result
  }
}
