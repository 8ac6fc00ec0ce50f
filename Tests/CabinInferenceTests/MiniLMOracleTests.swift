import CabinInference
import Foundation
import Testing

/// Compares the Swift encoder with the independent NumPy implementation
/// (Benchmarks/EncoderBenchmark/numpy_reference.py) on the real all-MiniLM-L6-v2 weights.
@Suite("all-MiniLM-L6-v2 against the NumPy oracle")
struct MiniLMOracleTests {
  struct Reference: Decodable {
    struct Case: Decodable {
      let text: String
      let ids: [Int32]
      let embedding: [Float]
    }
    let maxLength: Int
    let cases: [Case]
  }

  @Test(
    "every oracle sentence tokenises to the reference ids and embeds with cosine >= 0.9999",
    arguments: [EncoderPrecision.float32, .float16])
  func matchesOracle(precision: EncoderPrecision) throws {
    let encoder = try SentenceEncoder(modelDirectory: TestSupport.modelDirectory(), precision: precision)
    let reference = try TestSupport.fixture("reference-embeddings.json", as: Reference.self)
    #expect(reference.cases.count >= 20)
    #expect(encoder.dimension == 384)
    for item in reference.cases {
      #expect(encoder.tokenizer.encode(item.text) == item.ids, "tokens of \(item.text.debugDescription)")
    }
    let one = try reference.cases.map { try encoder.embed([$0.text])[0] }
    let batched = try encoder.embed(reference.cases.map(\.text))
    for (index, item) in reference.cases.enumerated() {
      let single = TestSupport.cosine(one[index], item.embedding)
      let batch = TestSupport.cosine(batched[index], item.embedding)
      #expect(single >= 0.9999, "single \(item.text.debugDescription): cosine \(single)")
      #expect(batch >= 0.9999, "batched \(item.text.debugDescription): cosine \(batch)")
      #expect(abs(TestSupport.cosine(one[index], one[index]) - 1) < 1e-6)
    }
  }

  @Test("a wrong-shape tensor in a copy of the real model is named in the error")
  func rejectsMismatchedConfiguration() throws {
    let source = try TestSupport.modelDirectory()
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    for name in ["vocab.txt", "model.safetensors"] {
      try FileManager.default.createSymbolicLink(
        at: directory.appendingPathComponent(name), withDestinationURL: source.appendingPathComponent(name))
    }
    var configuration = try BertConfiguration(url: source.appendingPathComponent("config.json"))
    configuration.intermediateSize = 1024
    try JSONEncoder().encode(configuration).write(to: directory.appendingPathComponent("config.json"))
    #expect {
      try SentenceEncoder(modelDirectory: directory)
    } throws: { error in
      guard case ModelFileError.wrongShape(_, let tensor, let expected, let actual) = error else {
        return false
      }
      return tensor == "encoder.layer.0.intermediate.dense.weight" && expected == [1024, 384]
        && actual == [1536, 384]
    }
  }
}
