import CabinInference
import CabinTestKit
import Foundation
import Testing

@Suite("Safetensors loader")
struct SafetensorsFileTests {
  private func write(_ data: Data) throws -> (URL, URL) {
    let directory = try TestSupport.temporaryDirectory()
    let url = directory.appendingPathComponent("model.safetensors")
    try data.write(to: url)
    return (directory, url)
  }

  private func sample() throws -> Data {
    var writer = SafetensorsWriter()
    writer.add("a.weight", shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
    writer.add("b.bias", shape: [4], values: [7, 8, 9, 10])
    return try writer.data()
  }

  @Test("a well-formed file lists its tensors with dtype, shape and byte range")
  func readsHeader() throws {
    let (directory, url) = try write(try sample())
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = try SafetensorsFile(url: url)
    #expect(file.metadata == ["format": "pt"])
    let a = try #require(file.tensors["a.weight"])
    #expect(a.name == "a.weight")
    #expect(a.dtype == .f32)
    #expect(a.shape == [2, 3])
    #expect(a.dataRange == 0..<24)
    #expect(file.tensors["b.bias"]?.dataRange == 24..<40)
  }

  @Test("a file cut inside a tensor's data is rejected naming that tensor", arguments: [1, 8, 15])
  func rejectsTruncatedData(bytesCut: Int) throws {
    let data = try sample()
    let (directory, url) = try write(data.prefix(data.count - bytesCut))
    defer { try? FileManager.default.removeItem(at: directory) }
    let error = #expect(throws: ModelFileError.self) { try SafetensorsFile(url: url) }
    guard case .truncated(let file, let context) = error else {
      Issue.record("expected .truncated, got \(String(describing: error))")
      return
    }
    #expect(file == url.path)
    #expect(context.contains("tensor 'b.bias'"))
  }

  @Test("a file cut in the middle names the first tensor in data order that does not fit")
  func namesFirstTruncatedTensor() throws {
    var writer = SafetensorsWriter()
    for index in 0..<20 { writer.add("t\(index)", shape: [4], values: [1, 2, 3, 4]) }
    let data = try writer.data()
    let (directory, url) = try write(data.prefix(data.count - 16 * 10 - 1))
    defer { try? FileManager.default.removeItem(at: directory) }
    let error = #expect(throws: ModelFileError.self) { try SafetensorsFile(url: url) }
    #expect(error?.description.contains("tensor 't9'") == true, "\(String(describing: error))")
  }

  @Test("a file cut inside the header, an empty file and a huge header length are rejected")
  func rejectsBrokenHeaders() throws {
    let data = try sample()
    for (bytes, expected) in [
      (data.prefix(40), "JSON header"), (Data(), "8-byte header length"), (data.prefix(5), "8-byte"),
    ] {
      let (directory, url) = try write(bytes)
      defer { try? FileManager.default.removeItem(at: directory) }
      let error = #expect(throws: ModelFileError.self) { try SafetensorsFile(url: url) }
      #expect(error?.description.contains(expected) == true, "\(String(describing: error))")
    }
    var huge = data
    huge.replaceSubrange(0..<8, with: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])
    let (directory, url) = try write(huge)
    defer { try? FileManager.default.removeItem(at: directory) }
    let error = #expect(throws: ModelFileError.self) { try SafetensorsFile(url: url) }
    #expect(error?.description.contains("exceeds") == true)
  }

  @Test("corrupt header entries are rejected naming the tensor")
  func rejectsCorruptEntries() throws {
    let cases: [(entry: String, message: String)] = [
      (#"{"dtype":"F33","shape":[1],"data_offsets":[0,4]}"#, "unknown dtype 'F33'"),
      (#"{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}"#, "shape is not a list of non-negative integers"),
      (#"{"dtype":"F32","shape":[2],"data_offsets":[0,4]}"#, "needs 8 bytes, data_offsets give 4"),
      (#"{"dtype":"F32","shape":[1],"data_offsets":[4,0]}"#, "data_offsets is not [begin, end]"),
      (#"{"shape":[1],"data_offsets":[0,4]}"#, "dtype is missing"),
    ]
    for item in cases {
      var json = Data(#"{"broken.tensor":\#(item.entry)}"#.utf8)
      while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
      var data = Data()
      withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
      data.append(json)
      data.append(Data(count: 8))
      let (directory, url) = try write(data)
      defer { try? FileManager.default.removeItem(at: directory) }
      let error = #expect(throws: ModelFileError.self) { try SafetensorsFile(url: url) }
      #expect(error?.description.contains("tensor 'broken.tensor'") == true, "\(String(describing: error))")
      #expect(error?.description.contains(item.message) == true, "\(String(describing: error))")
    }
  }

  @Test("random corruption of the header never crashes the loader")
  func survivesRandomCorruption() throws {
    let data = try sample()
    var random = SeededGenerator(seed: 99)
    var rejected = 0
    for _ in 0..<200 {
      var corrupt = data
      let index = Int.random(in: 8..<min(corrupt.count, 120), using: &random)
      corrupt[index] = UInt8.random(in: 0...255, using: &random)
      let (directory, url) = try write(corrupt)
      defer { try? FileManager.default.removeItem(at: directory) }
      do {
        _ = try SafetensorsFile(url: url)
      } catch {
        rejected += 1
      }
    }
    #expect(rejected > 0)
  }

  @Test("a missing file is reported as unreadable with its path")
  func reportsMissingFile() throws {
    let url = URL(fileURLWithPath: "/nonexistent/cabin/model.safetensors")
    #expect(throws: ModelFileError.unreadable(file: url.path, reason: "No such file or directory")) {
      try SafetensorsFile(url: url)
    }
  }
}
