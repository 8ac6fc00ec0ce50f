import CInferenceKernels
import CabinTestKit
import Testing

/// The int8 and half-float linear kernels against the portable scalar kernel and an exact F32
/// product.
@Suite("Reduced-precision linear kernels")
struct PackedKernelTests {
  struct Case: CustomStringConvertible {
    let rows: Int
    let inFeatures: Int
    let outFeatures: Int
    var description: String { "\(rows)x\(inFeatures) · \(outFeatures)" }
  }

  /// Odd sizes: row counts off the 6-row tile and the 48-row chunk, column counts off
  /// the 32-column block and 16-column vectors.
  static let cases = [
    Case(rows: 1, inFeatures: 1, outFeatures: 1), Case(rows: 5, inFeatures: 7, outFeatures: 33),
    Case(rows: 12, inFeatures: 17, outFeatures: 64), Case(rows: 13, inFeatures: 50, outFeatures: 70),
    Case(rows: 61, inFeatures: 384, outFeatures: 100), Case(rows: 7, inFeatures: 129, outFeatures: 15),
  ]

  struct Problem {
    var input: [Float]
    var weight: [Float]
    var bias: [Float]
    var packed: [UInt8]
    var scales: [Float]
    let size: Case
    let format: cabin_weight_format
    var blocks: Int { cabin_block_count(size.outFeatures) }

    init(_ size: Case, format: cabin_weight_format, seed: UInt64) {
      self.size = size
      self.format = format
      var random = SeededGenerator(seed: seed)
      input = random.values(size.rows * size.inFeatures, scale: 1)
      weight = random.values(size.outFeatures * size.inFeatures, scale: 0.05)
      // One all-zero output channel: its outputs are the bias (its int8 scale is 0).
      for index in 0..<size.inFeatures { weight[index] = 0 }
      bias = random.values(size.outFeatures)
      let blocks = cabin_block_count(size.outFeatures)
      packed = [UInt8](repeating: 1, count: cabin_packed_bytes(format, size.outFeatures, size.inFeatures))
      scales = [Float](repeating: 1, count: blocks * Int(CABIN_BLOCK))
      cabin_pack(format, weight, size.outFeatures, size.inFeatures, &packed, &scales)
    }

    func run(_ isa: cabin_isa, blocks range: Range<Int>, into output: inout [Float]) {
      cabin_linear(
        isa, format, input, size.rows, size.inFeatures, packed, scales, bias, size.outFeatures,
        range.lowerBound,
        range.upperBound, &output)
    }

    func run(_ isa: cabin_isa) -> [Float] {
      var output = [Float](repeating: .nan, count: size.rows * size.outFeatures)
      run(isa, blocks: 0..<blocks, into: &output)
      return output
    }
  }

  static let formats = [CABIN_WEIGHTS_INT8, CABIN_WEIGHTS_F16]

  @Test(
    "the scalar kernel is within half a rounding step per weight of the exact product",
    arguments: cases, formats)
  func scalarMatchesExactProduct(size: Case, format: cabin_weight_format) {
    let problem = Problem(size, format: format, seed: UInt64(size.rows * 1000 + size.outFeatures))
    let output = problem.run(CABIN_ISA_SCALAR)
    for row in 0..<size.rows {
      let x = problem.input[(row * size.inFeatures)...].prefix(size.inFeatures)
      for column in 0..<size.outFeatures {
        let w = problem.weight[(column * size.inFeatures)...].prefix(size.inFeatures)
        let exact = zip(x, w).reduce(Double(problem.bias[column])) { $0 + Double($1.0) * Double($1.1) }
        // Int8 rounds each weight by at most half a step of its column's scale; a half float by
        // at most 2^-11 of itself.
        let bound =
          format == CABIN_WEIGHTS_F16
          ? zip(x, w).reduce(0) { $0 + Double(abs($1.0 * $1.1)) } / 2048 + 1e-5
          : x.reduce(0) { $0 + Double(abs($1)) } * Double(problem.scales[column]) / 2 + 1e-4
        let actual = Double(output[row * size.outFeatures + column])
        #expect(abs(actual - exact) <= bound, "row \(row) column \(column): \(actual) vs \(exact)")
      }
    }
    #expect(problem.scales[0] == (format == CABIN_WEIGHTS_F16 ? 1 : 0))
    for row in 0..<size.rows { #expect(output[row * size.outFeatures] == problem.bias[0]) }
  }

  @Test("the AVX2 kernel matches the scalar kernel, whole and split by blocks", arguments: cases, formats)
  func simdMatchesScalar(size: Case, format: cabin_weight_format) throws {
    let problem = Problem(size, format: format, seed: UInt64(size.inFeatures * 7 + size.rows))
    let expected = problem.run(CABIN_ISA_SCALAR)
    #expect(cabin_isa_supported(cabin_best_isa()) != 0)
    try #require(cabin_isa_supported(CABIN_ISA_AVX2) != 0, "this machine has AVX2 (see the issue)")
    for isa in [CABIN_ISA_AVX2] {
      let whole = problem.run(isa)
      var split = [Float](repeating: .nan, count: size.rows * size.outFeatures)
      let middle = problem.blocks / 2
      problem.run(isa, blocks: middle..<problem.blocks, into: &split)
      problem.run(isa, blocks: 0..<middle, into: &split)
      for index in expected.indices {
        let tolerance = 1e-5 * max(1, abs(expected[index])) * Float(size.inFeatures).squareRoot()
        #expect(abs(whole[index] - expected[index]) <= tolerance, "isa \(isa.rawValue) element \(index)")
        #expect(split[index] == whole[index], "isa \(isa.rawValue) split element \(index)")
      }
    }
  }
}

@Suite("Half-float conversion")
struct HalfFloatTests {
  @Test("every half float converts to the float Swift's Float16 gives, and back to the same bits")
  func roundTripsEveryHalf() {
    for bits in UInt16.min...UInt16.max {
      let expected = Float(Float16(bitPattern: bits))
      let actual = cabin_half_to_float(bits)
      #expect(actual == expected || (actual.isNaN && expected.isNaN), "bits \(bits)")
      if !expected.isNaN { #expect(cabin_float_to_half(actual) == bits, "bits \(bits)") }
    }
  }

  @Test("floats round to the nearest half, ties to even, as Swift's Float16 rounds")
  func roundsToNearestEven() {
    var random = SeededGenerator(seed: 99)
    let samples = (0..<20000).map { _ in
      Float(sign: .plus, exponent: Int.random(in: -30...15, using: &random), significand: 1)
        * Float.random(in: -1...1, using: &random)
    }
    let edges: [Float] = [
      0, -0, 65504, 65519.99, 65520, 1e-8, 2.98e-8, 6.1e-5, .infinity, -.infinity, 1 + 0x1p-11,
      1 + 3 * 0x1p-11,
    ]
    for value in samples + edges {
      #expect(cabin_float_to_half(value) == Float16(value).bitPattern, "value \(value)")
    }
  }
}
