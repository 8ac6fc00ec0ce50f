import CabinInference
import CabinTestKit
import Foundation

/// Writes safetensors files for tests: F32 tensors, little-endian, JSON header padded to 8 bytes.
struct SafetensorsWriter {
  var tensors: [(name: String, shape: [Int], values: [Float])] = []

  mutating func add(_ name: String, shape: [Int], values: [Float]) {
    tensors.append((name, shape, values))
  }

  func data() throws -> Data {
    var header: [String: Any] = ["__metadata__": ["format": "pt"]]
    var offset = 0
    for tensor in tensors {
      let size = tensor.values.count * 4
      header[tensor.name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + size]]
      offset += size
    }
    var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
    while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
    var data = Data()
    withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
    data.append(json)
    for tensor in tensors {
      tensor.values.withUnsafeBytes { data.append(contentsOf: $0) }
    }
    return data
  }
}

extension SeededGenerator {
  /// `count` floats drawn uniformly from `-scale...scale`.
  mutating func values(_ count: Int, scale: Float = 0.5) -> [Float] {
    (0..<count).map { _ in Float.random(in: -scale...scale, using: &self) }
  }
}

/// A tiny random BERT written to a temporary model directory, plus the same weights in memory for
/// the naive reference forward pass below.
struct TinyBert {
  static let vocabulary = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "turn", "the", "heat", "up", "down", "music", "play",
    "##ing", "##s", "cold", ",", "!", "a", "b", "c",
  ]

  let configuration = BertConfiguration(
    vocabularySize: TinyBert.vocabulary.count, hiddenSize: 8, layerCount: 2, headCount: 2,
    intermediateSize: 12,
    maxPositions: 16)
  var weights: [String: (shape: [Int], values: [Float])] = [:]

  init(seed: UInt64) {
    var random = SeededGenerator(seed: seed)
    let h = configuration.hiddenSize
    let inner = configuration.intermediateSize
    func add(_ name: String, _ shape: [Int], scale: Float = 0.5) {
      weights[name] = (shape, random.values(shape.reduce(1, *), scale: scale))
    }
    add("embeddings.word_embeddings.weight", [configuration.vocabularySize, h])
    add("embeddings.position_embeddings.weight", [configuration.maxPositions, h])
    add("embeddings.token_type_embeddings.weight", [configuration.typeVocabularySize, h])
    add("embeddings.LayerNorm.weight", [h])
    add("embeddings.LayerNorm.bias", [h])
    for layer in 0..<configuration.layerCount {
      let p = "encoder.layer.\(layer)."
      for part in ["query", "key", "value"] {
        add(p + "attention.self.\(part).weight", [h, h])
        add(p + "attention.self.\(part).bias", [h])
      }
      add(p + "attention.output.dense.weight", [h, h])
      add(p + "attention.output.dense.bias", [h])
      add(p + "attention.output.LayerNorm.weight", [h])
      add(p + "attention.output.LayerNorm.bias", [h])
      add(p + "intermediate.dense.weight", [inner, h])
      add(p + "intermediate.dense.bias", [inner])
      add(p + "output.dense.weight", [h, inner])
      add(p + "output.dense.bias", [h])
      add(p + "output.LayerNorm.weight", [h])
      add(p + "output.LayerNorm.bias", [h])
    }
  }

  /// Writes config.json, vocab.txt and model.safetensors, optionally replacing one tensor's shape.
  func write(to directory: URL, reshaping name: String? = nil, to shape: [Int] = []) throws {
    var writer = SafetensorsWriter()
    for (tensorName, tensor) in weights.sorted(by: { $0.key < $1.key }) {
      if tensorName == name {
        writer.add(tensorName, shape: shape, values: Array(tensor.values.prefix(shape.reduce(1, *))))
      } else {
        writer.add(tensorName, shape: tensor.shape, values: tensor.values)
      }
    }
    try writer.data().write(to: directory.appendingPathComponent("model.safetensors"))
    try (Self.vocabulary.joined(separator: "\n") + "\n").write(
      to: directory.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
    try JSONEncoder().encode(configuration).write(to: directory.appendingPathComponent("config.json"))
  }

  /// The textbook forward pass in Double, one sequence at a time, written independently of the
  /// library's packed, BLAS-based kernels.
  func referenceEmbedding(_ ids: [Int32]) -> [Double] {
    let h = configuration.hiddenSize
    let heads = configuration.headCount
    let headSize = h / heads
    func w(_ name: String) -> [Double] { weights[name, default: ([], [])].values.map(Double.init) }
    func linear(_ x: [[Double]], _ prefix: String) -> [[Double]] {
      let weight = w(prefix + ".weight")
      let bias = w(prefix + ".bias")
      let inFeatures = x[0].count
      return x.map { row in
        bias.indices.map { o in
          bias[o] + (0..<inFeatures).reduce(0.0) { $0 + row[$1] * weight[o * inFeatures + $1] }
        }
      }
    }
    func layerNorm(_ x: [[Double]], _ prefix: String) -> [[Double]] {
      let gamma = w(prefix + ".weight")
      let beta = w(prefix + ".bias")
      return x.map { row in
        let mean = row.reduce(0, +) / Double(row.count)
        let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(row.count)
        return row.indices.map {
          (row[$0] - mean) / (variance + Double(configuration.layerNormEpsilon)).squareRoot() * gamma[$0]
            + beta[$0]
        }
      }
    }
    let word = w("embeddings.word_embeddings.weight")
    let position = w("embeddings.position_embeddings.weight")
    let type = w("embeddings.token_type_embeddings.weight")
    var x = ids.enumerated().map { p, id in
      (0..<h).map { word[Int(id) * h + $0] + position[p * h + $0] + type[$0] }
    }
    x = layerNorm(x, "embeddings.LayerNorm")
    for layer in 0..<configuration.layerCount {
      let p = "encoder.layer.\(layer)."
      let q = linear(x, p + "attention.self.query")
      let k = linear(x, p + "attention.self.key")
      let v = linear(x, p + "attention.self.value")
      var context = [[Double]](repeating: [Double](repeating: 0, count: h), count: ids.count)
      for head in 0..<heads {
        let columns = head * headSize..<(head + 1) * headSize
        for i in ids.indices {
          let scores = ids.indices.map { j in
            columns.reduce(0.0) { $0 + q[i][$1] * k[j][$1] } / Double(headSize).squareRoot()
          }
          let top = scores.max() ?? 0
          let exps = scores.map { Foundation.exp($0 - top) }
          let total = exps.reduce(0, +)
          for column in columns {
            context[i][column] = ids.indices.reduce(0.0) { $0 + exps[$1] / total * v[$1][column] }
          }
        }
      }
      let attended = linear(context, p + "attention.output.dense")
      x = layerNorm(zip(x, attended).map { zip($0, $1).map(+) }, p + "attention.output.LayerNorm")
      let inner = linear(x, p + "intermediate.dense").map {
        $0.map { 0.5 * $0 * (1 + Foundation.erf($0 / 2.0.squareRoot())) }
      }
      let output = linear(inner, p + "output.dense")
      x = layerNorm(zip(x, output).map { zip($0, $1).map(+) }, p + "output.LayerNorm")
    }
    let pooled = (0..<h).map { column in x.reduce(0.0) { $0 + $1[column] } / Double(ids.count) }
    let norm = pooled.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
    return pooled.map { $0 / norm }
  }
}
