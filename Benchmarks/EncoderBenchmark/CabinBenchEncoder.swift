// cabin-bench-encoder: latency, throughput and peak memory of the Swift sentence encoder in each
// weight precision against the NumPy reference (numpy_reference.py, run as a subprocess in the same
// run on the same ids). Each precision runs in its own child process so VmHWM is its own.
import ArgumentParser
import CabinInference
import CabinTestKit
import Foundation

/// The benchmark, or with `--child` the measurement of one precision in its own process.
@main
struct CabinBenchEncoder: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cabin-bench-encoder",
    abstract:
      "Latency, throughput and peak memory of the Swift sentence encoder in each precision against NumPy.")

  @OptionGroup var options: BenchmarkOptions

  func run() async throws {
    if let precision = options.child {
      let measurement = try SwiftMeasurement.measure(options: options, precision: precision)
      FileHandle.standardOutput.write(try JSONEncoder().encode(measurement))
    } else {
      try await runBenchmark(options: options)
    }
  }
}

func runBenchmark(options: BenchmarkOptions) async throws {
  let loadAtStart = Measure.loadAverage()
  let tokenizer = try WordPieceTokenizer(
    vocabularyURL: options.modelDirectory.appendingPathComponent("vocab.txt"),
    maxLength: SentenceEncoder.defaultMaxLength)
  let single = tokenizer.encode(BenchmarkSentences.single)
  guard single.count == 12 else {
    throw BenchmarkError("the single utterance must be 12 tokens, it is \(single.count)")
  }
  let batchTexts = (0..<options.batchRepeats).flatMap { _ in BenchmarkSentences.batch }
  let batchIDs = batchTexts.map(tokenizer.encode)

  var swift: [SwiftMeasurement] = []
  for precision in EncoderPrecision.allCases {
    swift.append(try await SwiftMeasurement.runChild(options: options, precision: precision))
  }
  let numpy = try await NumPyBaseline.run(
    options: options, single: single, batch: batchIDs, batchSize: BenchmarkSentences.batchSize)
  let numpyP50 = Measure.percentile(numpy.singleMs, 0.50)
  let numpyP99 = Measure.percentile(numpy.singleMs, 0.99)
  let numpyThroughput = Double(numpy.batchCount) / numpy.batchSeconds
  let numpyMB = Double(numpy.peakRSSKiB) / 1024

  print(
    "all-MiniLM-L6-v2, \(Measure.machine()), load average at start \(loadAtStart), at end \(Measure.loadAverage())"
  )
  print(
    "single utterance: \(single.count) tokens, \(options.iterations) runs; batch: \(batchTexts.count) utterances in batches of \(BenchmarkSentences.batchSize), mean \(String(format: "%.1f", Double(batchIDs.map(\.count).reduce(0, +)) / Double(batchIDs.count))) tokens"
  )
  print("NumPy (F32) times only its forward pass (ids given); Swift times tokenisation + forward pass.")
  print("Each Swift precision runs in its own process (own VmHWM); ratios are Swift/NumPy.")
  print("")
  var rows = [["metric", "NumPy", "target"] + swift.flatMap { [$0.precision, "ratio", "met"] }]
  func row(
    _ name: String, _ numpyValue: Double, _ target: String, digits: Int = 2,
    _ value: (SwiftMeasurement) -> Double, met: (Double, Double) -> Bool?
  ) {
    rows.append(
      [name, Table.f(numpyValue, digits), target]
        + swift.flatMap { measurement -> [String] in
          let swiftValue = value(measurement)
          return [
            Table.f(swiftValue, digits), Table.f(swiftValue / numpyValue),
            met(swiftValue, swiftValue / numpyValue).map(Table.yes) ?? "-",
          ]
        })
  }
  row(
    "latency p50 (ms)", numpyP50, "<= 5 and <= 0.5x", { Measure.percentile($0.singleMs, 0.5) },
    met: { $0 <= 5 && $1 <= 0.5 })
  row("latency p99 (ms)", numpyP99, "-", { Measure.percentile($0.singleMs, 0.99) }, met: { _, _ in nil })
  row(
    "throughput (utt/s)", numpyThroughput, ">= 400", digits: 0, { $0.throughput },
    met: { value, _ in value >= 400 })
  row(
    "peak RSS (MB)", numpyMB, "<= 120", digits: 1, { Double($0.peakRSSKiB) / 1024 },
    met: { value, _ in value <= 120 })
  Table.print(rows)
}

/// One precision's measurements, taken in a child process.
struct SwiftMeasurement: Codable {
  let precision: String
  let singleMs: [Double]
  let throughput: Double
  let peakRSSKiB: Int

  static func measure(options: BenchmarkOptions, precision: EncoderPrecision) throws -> Self {
    let encoder = try SentenceEncoder(modelDirectory: options.modelDirectory, precision: precision)
    let batchTexts = (0..<options.batchRepeats).flatMap { _ in BenchmarkSentences.batch }
    for _ in 0..<20 { _ = try encoder.embed([BenchmarkSentences.single]) }
    var singleMs: [Double] = []
    for _ in 0..<options.iterations {
      let start = ContinuousClock.now
      _ = try encoder.embed([BenchmarkSentences.single])
      singleMs.append(Measure.milliseconds(ContinuousClock.now - start))
    }
    _ = try encoder.embed(Array(batchTexts.prefix(BenchmarkSentences.batchSize)))
    let batchStart = ContinuousClock.now
    for start in stride(from: 0, to: batchTexts.count, by: BenchmarkSentences.batchSize) {
      _ = try encoder.embed(
        Array(batchTexts[start..<min(start + BenchmarkSentences.batchSize, batchTexts.count)]))
    }
    let seconds = Measure.milliseconds(ContinuousClock.now - batchStart) / 1000
    return Self(
      precision: precision.rawValue, singleMs: singleMs, throughput: Double(batchTexts.count) / seconds,
      peakRSSKiB: Measure.peakResidentKiB())
  }

  static func runChild(options: BenchmarkOptions, precision: EncoderPrecision) async throws -> Self {
    let result = try await ExternalTool.run(
      URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path,
      [
        "--model", options.modelDirectory.path, "--iterations", String(options.iterations), "--child",
        precision.rawValue,
      ], timeout: .seconds(1_800))
    guard result.status == 0 else {
      throw BenchmarkError(
        "the \(precision.rawValue) run exited with status \(result.status): \(result.error)")
    }
    return try JSONDecoder().decode(Self.self, from: Data(result.output.utf8))
  }
}
