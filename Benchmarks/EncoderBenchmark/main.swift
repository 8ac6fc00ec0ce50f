// cabin-bench-encoder: latency, throughput and peak memory of the Swift sentence encoder against
// the NumPy reference (numpy_reference.py, run as a subprocess in the same run on the same ids).
//
// Usage: cabin-bench-encoder [--model DIR] [--iterations N] [--python PYTHON]
// Defaults: $CABIN_MODEL_DIR or models/all-MiniLM-L6-v2 under the package root, 300, python3.
import CabinInference
import Foundation

do {
  try runBenchmark()
} catch {
  FileHandle.standardError.write(Data("cabin-bench-encoder: error: \(error)\n".utf8))
  exit(1)
}

func runBenchmark() throws {
  let loadAtStart = Measure.loadAverage()
  let options = try BenchmarkOptions(arguments: Array(CommandLine.arguments.dropFirst()))
  let encoder = try SentenceEncoder(modelDirectory: options.modelDirectory)
  let single = encoder.tokenizer.encode(BenchmarkSentences.single)
  guard single.count == 12 else {
    throw BenchmarkError("the single utterance must be 12 tokens, it is \(single.count)")
  }
  let batchTexts = (0..<options.batchRepeats).flatMap { _ in BenchmarkSentences.batch }
  let batchIDs = batchTexts.map(encoder.tokenizer.encode)

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
  let swiftBatchSeconds = Measure.milliseconds(ContinuousClock.now - batchStart) / 1000
  let swiftPeakKiB = Measure.peakResidentKiB()

  let numpy = try NumPyBaseline.run(
    options: options, single: single, batch: batchIDs, batchSize: BenchmarkSentences.batchSize)

  let swiftP50 = Measure.percentile(singleMs, 0.50)
  let swiftP99 = Measure.percentile(singleMs, 0.99)
  let numpyP50 = Measure.percentile(numpy.singleMs, 0.50)
  let numpyP99 = Measure.percentile(numpy.singleMs, 0.99)
  let swiftThroughput = Double(batchTexts.count) / swiftBatchSeconds
  let numpyThroughput = Double(numpy.batchCount) / numpy.batchSeconds
  let swiftMB = Double(swiftPeakKiB) / 1024
  let numpyMB = Double(numpy.peakRSSKiB) / 1024

  print("all-MiniLM-L6-v2, F32, \(Measure.machine()), load average at start \(loadAtStart)")
  print(
    "single utterance: \(single.count) tokens, \(options.iterations) runs; batch: \(batchTexts.count) utterances in batches of \(BenchmarkSentences.batchSize), mean \(String(format: "%.1f", Double(batchIDs.map(\.count).reduce(0, +)) / Double(batchIDs.count))) tokens"
  )
  print("NumPy times only its forward pass (ids given); Swift times tokenisation + forward pass.")
  print("")
  Table.print([
    ["metric", "Swift", "NumPy", "Swift/NumPy", "target", "met"],
    [
      "latency p50 (ms)", Table.f(swiftP50), Table.f(numpyP50), Table.f(swiftP50 / numpyP50),
      "<= 5 and <= 0.5x", Table.yes(swiftP50 <= 5 && swiftP50 / numpyP50 <= 0.5),
    ],
    ["latency p99 (ms)", Table.f(swiftP99), Table.f(numpyP99), Table.f(swiftP99 / numpyP99), "-", "-"],
    [
      "throughput (utt/s)", Table.f(swiftThroughput, 0), Table.f(numpyThroughput, 0),
      Table.f(swiftThroughput / numpyThroughput), ">= 400", Table.yes(swiftThroughput >= 400),
    ],
    [
      "peak RSS (MB)", Table.f(swiftMB, 1), Table.f(numpyMB, 1), Table.f(swiftMB / numpyMB), "<= 120",
      Table.yes(swiftMB <= 120),
    ],
  ])
}
