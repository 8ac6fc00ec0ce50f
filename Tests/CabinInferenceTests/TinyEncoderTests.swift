import CabinInference
import Foundation
import Testing

/// The encoder's kernels and loader on tiny random models written to a temporary directory:
/// no download needed.
@Suite("Sentence encoder on tiny random models")
struct TinyEncoderTests {
  @Test(
    "the packed, BLAS-based forward pass matches a naive Double implementation",
    arguments: [1, 7, 42] as [UInt64])
  func matchesNaiveReference(seed: UInt64) throws {
    let model = TinyBert(seed: seed)
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    try model.write(to: directory)
    let encoder = try SentenceEncoder(modelDirectory: directory, maxLength: 16, precision: .float32)
    #expect(encoder.dimension == 8)
    let texts = ["turn the heat up", "playing music!", "", "cold, cold, cold", "zzz unknown words here"]
    let embeddings = try encoder.embed(texts)
    for (text, embedding) in zip(texts, embeddings) {
      let expected = model.referenceEmbedding(encoder.tokenizer.encode(text))
      let cosine = TestSupport.cosine(embedding, expected.map(Float.init))
      #expect(cosine >= 0.99999, "\(text.debugDescription): cosine \(cosine)")
      let largestError = zip(embedding, expected).map { abs(Double($0) - $1) }.max() ?? 1
      #expect(largestError < 1e-4, "\(text.debugDescription): largest error \(largestError)")
    }
  }

  @Test("a sequence embeds the same alone and packed with longer and shorter neighbours")
  func packingEqualsMasking() throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    try TinyBert(seed: 3).write(to: directory)
    let encoder = try SentenceEncoder(modelDirectory: directory, maxLength: 16)
    let alone = try encoder.embed(["play music"])[0]
    let packed = try encoder.embed(["turn the heat up up up up", "play music", "a"])[1]
    let difference = zip(alone, packed).map { abs($0 - $1) }.max() ?? 1
    #expect(difference < 1e-6)
    let norm = alone.reduce(0) { $0 + $1 * $1 }.squareRoot()
    #expect(abs(norm - 1) < 1e-5)
  }

  @Test("a batch larger than one pass (more than tokensPerPass tokens, parallel kernels) equals one-by-one")
  func largeBatchesSplitIntoPasses() throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    try TinyBert(seed: 13).write(to: directory)
    let encoder = try SentenceEncoder(modelDirectory: directory, maxLength: 16)
    let words = ["turn", "the", "heat", "up", "down", "music", "playing", "cold", "a", "b", "c"]
    let texts = (0..<300).map { index in
      (0..<(index % 13 + 1)).map { words[($0 * 7 + index) % words.count] }.joined(separator: " ")
    }
    let tokenCount = texts.map { encoder.tokenizer.encode($0).count }.reduce(0, +)
    #expect(tokenCount > SentenceEncoder.tokensPerPass)
    let batched = try encoder.embed(texts)
    #expect(batched.count == texts.count)
    for index in stride(from: 0, to: texts.count, by: 37) {
      let alone = try encoder.embed([texts[index]])[0]
      let difference = zip(alone, batched[index]).map { abs($0 - $1) }.max() ?? 1
      #expect(difference < 1e-5, "text \(index): \(difference)")
    }
  }

  @Test("token ids outside the vocabulary and bad lengths are rejected, not read out of bounds")
  func rejectsBadTokenInput() throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    try TinyBert(seed: 5).write(to: directory)
    let encoder = try SentenceEncoder(modelDirectory: directory, maxLength: 16)
    #expect(throws: EncoderInputError.tokenOutOfRange(sequence: 1, id: 20, vocabularySize: 20)) {
      try encoder.embed(tokenIDs: [[2, 3], [2, 20, 3]])
    }
    #expect(throws: EncoderInputError.badLength(sequence: 0, length: 0, maximum: 16)) {
      try encoder.embed(tokenIDs: [[]])
    }
    #expect(throws: EncoderInputError.badLength(sequence: 0, length: 17, maximum: 16)) {
      try encoder.embed(tokenIDs: [[Int32](repeating: 5, count: 17)])
    }
  }

  @Test("a tensor of the wrong shape is rejected with an error naming the tensor")
  func rejectsWrongShape() throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    try TinyBert(seed: 9).write(to: directory, reshaping: "encoder.layer.1.output.dense.weight", to: [12, 8])
    let error = #expect(throws: ModelFileError.self) {
      try SentenceEncoder(modelDirectory: directory, maxLength: 16)
    }
    #expect(
      error
        == .wrongShape(
          file: directory.appendingPathComponent("model.safetensors").path,
          tensor: "encoder.layer.1.output.dense.weight", expected: [8, 12], actual: [12, 8]))
    #expect(error?.description.contains("'encoder.layer.1.output.dense.weight' has shape [12, 8]") == true)
  }

  @Test("a missing tensor is named; a vocabulary that disagrees with config.json is rejected")
  func rejectsMissingTensorAndVocabularyMismatch() throws {
    let directory = try TestSupport.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    var model = TinyBert(seed: 11)
    model.weights["encoder.layer.0.attention.self.key.bias"] = nil
    try model.write(to: directory)
    #expect(
      throws: ModelFileError.missingTensor(
        file: directory.appendingPathComponent("model.safetensors").path,
        tensor: "encoder.layer.0.attention.self.key.bias")
    ) {
      try SentenceEncoder(modelDirectory: directory, maxLength: 16)
    }
    try "[UNK]\n[CLS]\n[SEP]\n".write(
      to: directory.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
    let error = #expect(throws: ModelFileError.self) {
      try SentenceEncoder(modelDirectory: directory, maxLength: 16)
    }
    #expect(error?.description.contains("3 tokens, config.json says vocab_size 20") == true)
  }
}

@Suite("Numeric kernels")
struct KernelTests {
  @Test("the table-interpolated erf stays within 3e-7 of libm's double-precision erf")
  func erfMatchesLibm() {
    var largest = 0.0
    for step in -60_000...60_000 {
      let x = Float(step) / 10_000
      largest = max(largest, abs(Double(Kernels.erf(x)) - Foundation.erf(Double(x))))
    }
    #expect(largest < 3e-7, "largest error \(largest)")
    #expect(Kernels.erf(.infinity) == 1)
    #expect(Kernels.erf(-.infinity) == -1)
    #expect(Kernels.erf(.nan).isNaN)
    #expect(Kernels.erf(0) == 0)
  }
}
