import CInferenceKernels
import COpenBLAS
import Dispatch
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The BERT forward pass (embeddings, post-norm transformer layers, GELU) with mean pooling and
/// L2 normalisation, over F32 weights or, for the linear layers, int8 weights (see
/// `EncoderPrecision`).
///
/// F32 matrix products go through OpenBLAS `cblas_sgemm`. Why OpenBLAS: about 95% of the work is
/// dense F32 matrix products; OpenBLAS is packaged by Debian and Yocto, BSD-licensed, picks
/// kernels for the running CPU at load time (AVX2/FMA on x86 benches, NEON on Arm head units) and
/// threads large products across cores itself. A hand-written Swift GEMM would be several times
/// slower, Accelerate does not exist on Linux, and MKL is x86-only and proprietary.
///
/// Sequences are packed rather than padded: the linear layers run over all tokens of all
/// sequences at once (one tall GEMM), attention and pooling run per sequence over its own rows.
/// This equals padding with an attention mask, without computing the padded rows.
package struct BertModel: Sendable {
  /// The configuration the weights were checked against.
  package let configuration: BertConfiguration
  private let wordEmbeddings: FloatTensor
  private let positionEmbeddings: FloatTensor
  private let tokenTypeEmbeddings: FloatTensor
  private let embeddingNorm: (gamma: FloatTensor, beta: FloatTensor)
  private let layers: [Layer]
  /// The precision of the linear layers' weights.
  package let precision: EncoderPrecision

  private struct Layer: Sendable {
    // Query, key and value rows stacked into one [3H, H] matrix so one GEMM computes all three.
    var qkvWeight: LinearWeight
    var qkvBias: FloatTensor
    var attentionOutWeight: LinearWeight
    var attentionOutBias: FloatTensor
    var attentionNorm: (gamma: FloatTensor, beta: FloatTensor)
    var intermediateWeight: LinearWeight
    var intermediateBias: FloatTensor
    var outputWeight: LinearWeight
    var outputBias: FloatTensor
    var outputNorm: (gamma: FloatTensor, beta: FloatTensor)
  }

  /// Loads and shape-checks every tensor of `configuration` from `file`, quantising the linear
  /// layers' weights when `precision` asks for it.
  package init(
    configuration: BertConfiguration, file: SafetensorsFile, precision: EncoderPrecision = .float32
  ) throws(ModelFileError) {
    try configuration.validate(source: file.path)
    self.configuration = configuration
    self.precision = precision
    func linear(_ tensor: FloatTensor) -> LinearWeight {
      switch precision {
      case .float32: .float32(tensor)
      case .float16: .packed(PackedMatrix(tensor, format: CABIN_WEIGHTS_F16))
      case .int8: .packed(PackedMatrix(tensor, format: CABIN_WEIGHTS_INT8))
      }
    }
    let h = configuration.hiddenSize
    let inner = configuration.intermediateSize
    func norm(_ prefix: String) throws(ModelFileError) -> (gamma: FloatTensor, beta: FloatTensor) {
      (
        try file.float32Tensor(prefix + ".weight", shape: [h]),
        try file.float32Tensor(prefix + ".bias", shape: [h])
      )
    }
    wordEmbeddings = try file.float32Tensor(
      "embeddings.word_embeddings.weight", shape: [configuration.vocabularySize, h])
    positionEmbeddings = try file.float32Tensor(
      "embeddings.position_embeddings.weight", shape: [configuration.maxPositions, h])
    tokenTypeEmbeddings = try file.float32Tensor(
      "embeddings.token_type_embeddings.weight", shape: [configuration.typeVocabularySize, h])
    embeddingNorm = try norm("embeddings.LayerNorm")
    var layers: [Layer] = []
    for index in 0..<configuration.layerCount {
      let p = "encoder.layer.\(index)."
      var qkvWeight: [Float] = []
      var qkvBias: [Float] = []
      for part in ["query", "key", "value"] {
        qkvWeight += try file.float32Tensor(p + "attention.self.\(part).weight", shape: [h, h]).buffer
        qkvBias += try file.float32Tensor(p + "attention.self.\(part).bias", shape: [h]).buffer
      }
      layers.append(
        Layer(
          qkvWeight: linear(FloatTensor(copying: qkvWeight, shape: [3 * h, h])),
          qkvBias: FloatTensor(copying: qkvBias, shape: [3 * h]),
          attentionOutWeight: linear(
            try file.float32Tensor(p + "attention.output.dense.weight", shape: [h, h])),
          attentionOutBias: try file.float32Tensor(p + "attention.output.dense.bias", shape: [h]),
          attentionNorm: try norm(p + "attention.output.LayerNorm"),
          intermediateWeight: linear(
            try file.float32Tensor(p + "intermediate.dense.weight", shape: [inner, h])),
          intermediateBias: try file.float32Tensor(p + "intermediate.dense.bias", shape: [inner]),
          outputWeight: linear(try file.float32Tensor(p + "output.dense.weight", shape: [h, inner])),
          outputBias: try file.float32Tensor(p + "output.dense.bias", shape: [h]),
          outputNorm: try norm(p + "output.LayerNorm")))
    }
    self.layers = layers
  }

  /// Mean-pooled, L2-normalised embeddings of already validated token sequences (ids below the
  /// vocabulary size, lengths 1...maxPositions), one row of `hiddenSize` floats per sequence.
  package func embed(_ sequences: [[Int32]]) -> [[Float]] {
    let h = configuration.hiddenSize
    let inner = configuration.intermediateSize
    let lengths = sequences.map(\.count)
    let offsets = lengths.reduce(into: [0]) { $0.append($0[$0.count - 1] + $1) }
    let rows = offsets[offsets.count - 1]
    guard rows > 0 else { return sequences.map { _ in [Float](repeating: 0, count: h) } }

    let scratch = UnsafeMutableBufferPointer<Float>.allocate(capacity: rows * (6 * h + inner))
    defer { scratch.deallocate() }
    guard let base = scratch.baseAddress else { return [] }
    let x = base
    let qkv = x + rows * h
    let context = qkv + rows * 3 * h
    let projected = context + rows * h
    let intermediate = projected + rows * h

    embedTokens(sequences, offsets: offsets, into: x)
    Kernels.layerNorm(x, rows: rows, width: h, norm: embeddingNorm, epsilon: configuration.layerNormEpsilon)
    for layer in layers {
      Kernels.linear(x, rows: rows, weight: layer.qkvWeight, bias: layer.qkvBias, into: qkv)
      Kernels.attention(
        qkv: qkv, offsets: offsets, hiddenSize: h, headCount: configuration.headCount, into: context)
      Kernels.linear(
        context, rows: rows, weight: layer.attentionOutWeight, bias: layer.attentionOutBias, into: projected)
      Kernels.addLayerNorm(
        x, residual: projected, rows: rows, width: h, norm: layer.attentionNorm,
        epsilon: configuration.layerNormEpsilon)
      Kernels.linear(
        x, rows: rows, weight: layer.intermediateWeight, bias: layer.intermediateBias, into: intermediate)
      Kernels.gelu(intermediate, count: rows * inner)
      Kernels.linear(
        intermediate, rows: rows, weight: layer.outputWeight, bias: layer.outputBias, into: projected)
      Kernels.addLayerNorm(
        x, residual: projected, rows: rows, width: h, norm: layer.outputNorm,
        epsilon: configuration.layerNormEpsilon)
    }
    return sequences.indices.map {
      Kernels.meanPoolNormalized(x + offsets[$0] * h, rows: lengths[$0], width: h)
    }
  }

  private func embedTokens(_ sequences: [[Int32]], offsets: [Int], into x: UnsafeMutablePointer<Float>) {
    let h = configuration.hiddenSize
    let word = wordEmbeddings.pointer
    let position = positionEmbeddings.pointer
    let tokenType = tokenTypeEmbeddings.pointer
    for (index, sequence) in sequences.enumerated() {
      for (tokenIndex, id) in sequence.enumerated() {
        let row = x + (offsets[index] + tokenIndex) * h
        let wordRow = word + Int(id) * h
        let positionRow = position + tokenIndex * h
        for column in 0..<h {
          row[column] = wordRow[column] + positionRow[column] + tokenType[column]
        }
      }
    }
  }
}

/// A linear layer's weight matrix, `[out, in]`, in the precision the model was loaded with.
enum LinearWeight: Sendable {
  /// F32 weights, multiplied by OpenBLAS.
  case float32(FloatTensor)
  /// Half-float or int8 weights, multiplied by the `CInferenceKernels` kernels.
  case packed(PackedMatrix)
}

/// The numeric kernels of the forward pass, on raw row-major buffers.
package enum Kernels {
  /// Cores used for the kernels OpenBLAS does not parallelise (attention, GELU, layer norm).
  ///
  /// These kernels only fan out for batches: OpenBLAS's idle workers spin on the other core for a
  /// while after each GEMM, so splitting a single utterance's small kernels costs more in
  /// contention than it saves (seen in `perf` as time in `sched_yield`).
  static let threadCount = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))

  /// Runs `body` over `0..<count` split into at most `threadCount` contiguous ranges, in parallel
  /// when `count` is at least `minimumPerThread` per extra thread.
  static func parallelRanges(_ count: Int, minimumPerThread: Int, _ body: (Range<Int>) -> Void) {
    let chunks = min(threadCount, max(1, count / max(1, minimumPerThread)))
    guard chunks > 1 else {
      body(0..<count)
      return
    }
    // Callers write disjoint ranges of their buffers, and concurrentPerform returns only after every
    // iteration has finished, so sharing the non-Sendable body across its threads is safe.
    nonisolated(unsafe) let body = body
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
      body(count * chunk / chunks..<count * (chunk + 1) / chunks)
    }
  }

  /// `output[rows, out] = input[rows, in] · weightᵀ + bias`, weight stored `[out, in]` as PyTorch does.
  static func linear(
    _ input: UnsafePointer<Float>, rows: Int, weight: LinearWeight, bias: FloatTensor,
    into output: UnsafeMutablePointer<Float>
  ) {
    switch weight {
    case .float32(let tensor):
      linear(input, rows: rows, weight: tensor, bias: bias, into: output)
    case .packed(let matrix):
      matrix.multiply(input, rows: rows, bias: bias.pointer, into: output)
    }
  }

  private static func linear(
    _ input: UnsafePointer<Float>, rows: Int, weight: FloatTensor, bias: FloatTensor,
    into output: UnsafeMutablePointer<Float>
  ) {
    let outFeatures = weight.shape[0]
    let inFeatures = weight.shape[1]
    for row in 0..<rows {
      (output + row * outFeatures).update(from: bias.pointer, count: outFeatures)
    }
    cblas_sgemm(
      CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outFeatures), Int32(inFeatures),
      1, input, Int32(inFeatures), weight.pointer, Int32(inFeatures), 1, output, Int32(outFeatures))
  }

  /// Scaled dot-product self-attention per packed sequence and head.
  ///
  /// `qkv` holds, per token, the query, key and value rows side by side (`3 * hiddenSize` floats);
  /// tokens attend only to tokens of their own sequence (`offsets[i]..<offsets[i+1]`).
  static func attention(
    qkv: UnsafePointer<Float>, offsets: [Int], hiddenSize h: Int, headCount: Int,
    into context: UnsafeMutablePointer<Float>
  ) {
    let headSize = h / headCount
    let scale = 1 / Float(headSize).squareRoot()
    let stride = 3 * h
    let sequenceCount = offsets.count - 1
    let longest = (0..<sequenceCount).map { offsets[$0 + 1] - offsets[$0] }.max() ?? 0
    let work = offsets[sequenceCount] * longest * headSize
    parallelRanges(sequenceCount * headCount, minimumPerThread: work > 100_000 ? 1 : Int.max) { tasks in
      withUnsafeTemporaryAllocation(of: Float.self, capacity: longest) { scores in
        guard let scores = scores.baseAddress else { return }
        for task in tasks {
          let sequence = task / headCount
          let head = task % headCount
          let first = offsets[sequence]
          let length = offsets[sequence + 1] - first
          for i in 0..<length {
            let query = qkv + (first + i) * stride + head * headSize
            var largest = -Float.infinity
            for j in 0..<length {
              let key = qkv + (first + j) * stride + h + head * headSize
              let score = dot(query, key, count: headSize) * scale
              scores[j] = score
              largest = max(largest, score)
            }
            var total: Float = 0
            for j in 0..<length {
              let e = expf(scores[j] - largest)
              scores[j] = e
              total += e
            }
            let out = context + (first + i) * h + head * headSize
            out.update(repeating: 0, count: headSize)
            let inverse = 1 / total
            for j in 0..<length {
              let value = qkv + (first + j) * stride + 2 * h + head * headSize
              let weight = scores[j] * inverse
              for d in 0..<headSize { out[d] += weight * value[d] }
            }
          }
        }
      }
    }
  }

  /// The dot product of two float vectors, accumulated eight lanes at a time.
  static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
    var lanes = SIMD8<Float>()
    var index = 0
    let rawA = UnsafeRawPointer(a)
    let rawB = UnsafeRawPointer(b)
    while index + 8 <= count {
      let va = rawA.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self)
      let vb = rawB.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self)
      // Not `addProduct`: a fused multiply-add must be exact, and on the baseline x86-64 target
      // (no FMA instructions) it becomes one libm `fmaf` call per lane.
      lanes += va * vb
      index += 8
    }
    var sum = lanes.sum()
    while index < count {
      sum += a[index] * b[index]
      index += 1
    }
    return sum
  }

  /// In-place layer normalisation of each row.
  static func layerNorm(
    _ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, norm: (gamma: FloatTensor, beta: FloatTensor),
    epsilon: Float
  ) {
    parallelRanges(rows, minimumPerThread: 64) { range in
      for row in range { normalizeRow(x + row * width, width: width, norm: norm, epsilon: epsilon) }
    }
  }

  /// `x = layerNorm(x + residual)`, row by row.
  static func addLayerNorm(
    _ x: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>, rows: Int, width: Int,
    norm: (gamma: FloatTensor, beta: FloatTensor), epsilon: Float
  ) {
    parallelRanges(rows, minimumPerThread: 64) { range in
      for row in range {
        let line = x + row * width
        let add = residual + row * width
        for column in 0..<width { line[column] += add[column] }
        normalizeRow(line, width: width, norm: norm, epsilon: epsilon)
      }
    }
  }

  private static func normalizeRow(
    _ row: UnsafeMutablePointer<Float>, width: Int, norm: (gamma: FloatTensor, beta: FloatTensor),
    epsilon: Float
  ) {
    var sum: Float = 0
    for column in 0..<width { sum += row[column] }
    let mean = sum / Float(width)
    var squares: Float = 0
    for column in 0..<width {
      let centred = row[column] - mean
      squares += centred * centred
    }
    let inverse = 1 / (squares / Float(width) + epsilon).squareRoot()
    let gamma = norm.gamma.pointer
    let beta = norm.beta.pointer
    for column in 0..<width {
      row[column] = (row[column] - mean) * inverse * gamma[column] + beta[column]
    }
  }

  /// In-place GELU in BERT's exact form, `0.5 x (1 + erf(x / √2))`, split across cores for
  /// batches.
  static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
    parallelRanges(count, minimumPerThread: 64 * 1536) { range in
      cabin_gelu(x + range.lowerBound, range.count)
    }
  }

  /// The error function to Float precision (absolute error below 3e-7); ±1 beyond ±4, where
  /// erf differs from 1 by less than Float can represent.
  package static func erf(_ x: Float) -> Float { cabin_erf(x) }

  /// The mean of `rows` rows, scaled to unit length (all zeros stay zeros).
  static func meanPoolNormalized(_ x: UnsafePointer<Float>, rows: Int, width: Int) -> [Float] {
    var pooled = [Float](repeating: 0, count: width)
    for row in 0..<rows {
      let line = x + row * width
      for column in 0..<width { pooled[column] += line[column] }
    }
    var squares: Float = 0
    for column in 0..<width { squares += pooled[column] * pooled[column] }
    let norm = squares.squareRoot()
    guard norm > 0 else { return pooled }
    return pooled.map { $0 / norm }
  }
}
