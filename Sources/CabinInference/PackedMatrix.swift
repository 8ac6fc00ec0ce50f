import CInferenceKernels

/// The numeric precision of the encoder's linear-layer weights (Q/K/V, attention output,
/// intermediate and output dense). Embeddings, layer norms, attention and activations stay F32.
///
/// Measured on all-MiniLM-L6-v2 against the F32 encoder (the 20 oracle sentences plus 30 varied
/// ones, single and batched, `Int8EncoderTests`): `.float16` keeps cosine >= 0.99999;
/// `.int8` falls to 0.9954 on very short inputs ("!!!", "ok"), below the 0.999 that issue 4 asks.
public enum EncoderPrecision: String, Sendable, CaseIterable {
  /// The F32 weights as stored, multiplied by OpenBLAS.
  case float32
  /// Weights rounded to IEEE half floats at load time (half the memory of F32, so the 21 MB of
  /// linear weights stay in a 32 MB L3), multiplied with F32 activations by the AVX2/F16C kernel
  /// of `CInferenceKernels` (a scalar kernel on other CPUs).
  case float16
  /// Weights quantised at load time to int8 per output channel (symmetric, scale = max|w| / 127),
  /// multiplied like `.float16`. A quarter of F32's memory, but see the accuracy above.
  case int8
}

/// A linear layer's `[out, in]` weight matrix converted to half floats or int8 and packed in
/// blocks of 32 output columns for the `CInferenceKernels` kernels.
final class PackedMatrix: @unchecked Sendable {
  // Sendable because the buffers are written only in init.
  /// Rows of the source matrix (output features).
  let outFeatures: Int
  /// Columns of the source matrix (input features).
  let inFeatures: Int
  /// Blocks of 32 output columns.
  let blockCount: Int
  private let format: cabin_weight_format
  private let isa: cabin_isa
  private let packed: UnsafeMutableRawPointer
  private let scales: UnsafeMutablePointer<Float>

  /// Converts `weight` (shape `[out, in]`) to `format`, for the fastest kernel the CPU runs.
  init(_ weight: FloatTensor, format: cabin_weight_format) {
    outFeatures = weight.shape[0]
    inFeatures = weight.shape[1]
    blockCount = cabin_block_count(outFeatures)
    self.format = format
    isa = cabin_best_isa()
    packed = .allocate(byteCount: cabin_packed_bytes(format, outFeatures, inFeatures), alignment: 64)
    scales = .allocate(capacity: blockCount * Int(CABIN_BLOCK))
    cabin_pack(format, weight.pointer, outFeatures, inFeatures, packed, scales)
  }

  deinit {
    packed.deallocate()
    scales.deallocate()
  }

  /// `output[rows, out] = input[rows, in] · weightᵀ + bias`, split by output columns across the
  /// cores even for one utterance: these products do not use OpenBLAS, so no BLAS workers
  /// compete for the cores.
  func multiply(
    _ input: UnsafePointer<Float>, rows: Int, bias: UnsafePointer<Float>,
    into output: UnsafeMutablePointer<Float>
  ) {
    Kernels.parallelRanges(blockCount, minimumPerThread: 1) { blocks in
      cabin_linear(
        isa, format, input, rows, inFeatures, packed, scales, bias, outFeatures, blocks.lowerBound,
        blocks.upperBound, output)
    }
  }
}
