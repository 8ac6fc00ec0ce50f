import CabinInference
import Foundation
import Testing

/// Writes GGUF v3 files for tests.
private struct GGUFWriter {
  var data = Data()

  mutating func u32(_ value: UInt32) {
    withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
  }
  mutating func u64(_ value: UInt64) {
    withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
  }
  mutating func string(_ value: String) {
    u64(UInt64(value.utf8.count))
    data.append(contentsOf: value.utf8)
  }

  /// A small model: metadata of several types, an F32 [4, 2] tensor and a Q8_0 [32, 1] tensor.
  static func sample() -> Data {
    var w = GGUFWriter()
    w.u32(GGUFFile.magic)
    w.u32(3)
    w.u64(2)
    w.u64(4)
    w.string("general.architecture")
    w.u32(8)
    w.string("llama")
    w.string("llama.context_length")
    w.u32(4)
    w.u32(2048)
    w.string("tokenizer.ggml.tokens")
    w.u32(9)
    w.u32(8)
    w.u64(2)
    w.string("<s>")
    w.string("hi")
    w.string("general.alignment")
    w.u32(4)
    w.u32(32)
    w.string("token_embd.weight")
    w.u32(2)
    w.u64(4)
    w.u64(2)
    w.u32(0)
    w.u64(0)
    w.string("blk.0.attn_q.weight")
    w.u32(2)
    w.u64(32)
    w.u64(1)
    w.u32(8)
    w.u64(32)
    while w.data.count % 32 != 0 { w.data.append(0) }
    w.data.append(Data(count: 32 + 34))
    return w.data
  }
}

@Suite("GGUF parser")
struct GGUFFileTests {
  private func parse(_ data: Data) throws -> GGUFFile {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("model.gguf")
    try data.write(to: url)
    return try GGUFFile(url: url)
  }

  @Test("header, metadata and tensor table of a small GGUF file are read")
  func readsSmallFile() throws {
    let data = GGUFWriter.sample()
    let file = try parse(data)
    #expect(file.version == 3)
    #expect(file["general.architecture"] == .string("llama"))
    #expect(file["llama.context_length"] == .unsigned(2048))
    #expect(file["tokenizer.ggml.tokens"] == .array([.string("<s>"), .string("hi")]))
    #expect(file.tensors.map(\.name) == ["token_embd.weight", "blk.0.attn_q.weight"])
    #expect(file.tensors[0].dimensions == [4, 2])
    #expect(file.tensors[0].type.name == "F32")
    #expect(file.tensors[1].type.name == "Q8_0")
    let dataStart = data.count - 66
    #expect(file.tensors[0].fileRange == dataStart..<dataStart + 32)
    #expect(file.tensors[1].fileRange == dataStart + 32..<dataStart + 66)
  }

  @Test("a file cut anywhere is rejected with a message saying where it ends")
  func rejectsEveryTruncation() throws {
    let data = GGUFWriter.sample()
    for length in stride(from: 0, to: data.count, by: 3) {
      let error = #expect(throws: ModelFileError.self) { try parse(data.prefix(length)) }
      guard case .truncated = error else {
        Issue.record("cut at \(length): expected .truncated, got \(String(describing: error))")
        continue
      }
    }
    let error = #expect(throws: ModelFileError.self) { try parse(data.prefix(data.count - 1)) }
    #expect(error?.description.contains("tensor 'blk.0.attn_q.weight'") == true)
  }

  @Test("bad magic, unknown tensor type and a misaligned offset are rejected, naming the tensor")
  func rejectsCorruptFields() throws {
    var data = GGUFWriter.sample()
    data[0] = UInt8(ascii: "X")
    #expect(throws: ModelFileError.self) { try parse(data) }

    data = GGUFWriter.sample()
    let typeOffset = try #require(data.range(of: Data("blk.0.attn_q.weight".utf8))).upperBound + 4 + 16
    data[typeOffset] = 99
    let error = #expect(throws: ModelFileError.self) { try parse(data) }
    #expect(error?.description.contains("tensor 'blk.0.attn_q.weight': unknown ggml type 99") == true)

    data = GGUFWriter.sample()
    data[typeOffset + 4] = 33
    let misaligned = #expect(throws: ModelFileError.self) { try parse(data) }
    #expect(misaligned?.description.contains("not aligned") == true)
  }
}
