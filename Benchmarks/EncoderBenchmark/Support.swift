import ArgumentParser
import CabinInference
import CabinTestKit
import Foundation

/// A benchmark failure with its reason.
struct BenchmarkError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// Command-line options.
struct BenchmarkOptions: ParsableArguments {
  static let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  @Option(
    name: .customLong("model"),
    help: ArgumentHelp(
      "The sentence encoder's directory (default: $CABIN_MODEL_DIR, or models/all-MiniLM-L6-v2 under the package root).",
      valueName: "dir"))
  var modelPath: String?

  @Option(help: "Timed single-utterance runs of each implementation and precision.")
  var iterations = 300

  @Option(help: "The Python interpreter that runs numpy_reference.py (it needs NumPy).")
  var python = "python3"

  /// The internal mode: measure this precision alone and print JSON (one child process each).
  @Option(help: .hidden, transform: BenchmarkOptions.precision)
  var child: EncoderPrecision?

  /// `--model`, else `$CABIN_MODEL_DIR`, else models/all-MiniLM-L6-v2 under the package root.
  var modelDirectory: URL {
    modelPath.map { URL(fileURLWithPath: $0) }
      ?? ProcessInfo.processInfo.environment["CABIN_MODEL_DIR"].map { URL(fileURLWithPath: $0) }
      ?? Self.packageRoot.appendingPathComponent("models/all-MiniLM-L6-v2")
  }
  /// Rounds of `BenchmarkSentences.batch` in the throughput run.
  var batchRepeats: Int { 16 }
  /// The NumPy reference implementation.
  var referenceScript: URL {
    Self.packageRoot.appendingPathComponent("Benchmarks/EncoderBenchmark/numpy_reference.py")
  }

  func validate() throws {
    guard iterations > 0 else { throw ValidationError("--iterations wants a positive integer") }
  }

  private static func precision(_ value: String) throws -> EncoderPrecision {
    guard let precision = EncoderPrecision(rawValue: value) else {
      throw ValidationError("--child wants one of \(EncoderPrecision.allCases.map(\.rawValue))")
    }
    return precision
  }
}

/// The benchmark's utterances, written for this benchmark.
enum BenchmarkSentences {
  /// Tokenises to exactly 12 ids with [CLS] and [SEP].
  static let single = "please make the back seats a little bit warmer now"
  /// Utterances per call in the throughput run, for both implementations.
  static let batchSize = 128
  /// One round of the throughput run; repeated `batchRepeats` times.
  static let batch = [
    "turn the heating up two degrees", "it's boiling in here", "play the latest episode of my podcast",
    "skip to the next track", "how long until we arrive", "find a charger on the way",
    "open the sunroof a little", "close all the windows", "call the office", "read my last message",
    "what's the range left", "is it going to rain this afternoon", "set the fan to level three",
    "turn on the seat heating for the passenger", "mute the radio", "navigate home avoiding tolls",
    "dim the cabin lights", "name the tune on the radio", "switch on the rear defroster",
    "tell Sam I'm stuck in traffic and will be twenty minutes late", "louder please",
    "I can't see out of the windscreen", "find an Italian restaurant near the station",
    "repeat that", "no, cancel it", "yes do it", "what's on my calendar tomorrow",
    "put on some relaxing music for the kids in the back", "check the tyre pressure",
    "can we make it to Lyon without stopping", "turn the air conditioning off", "share my location with Jo",
  ]
}

/// Timing, percentiles, memory and machine facts.
enum Measure {
  static func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
  }

  static func percentile(_ values: [Double], _ fraction: Double) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))]
  }

  /// VmHWM of this process, in KiB (0 where /proc is absent).
  static func peakResidentKiB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
      return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
    }
    return 0
  }

  /// The 1-minute load average: the machine is shared, so figures taken under load say so.
  static func loadAverage() -> String {
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.map(
      String.init)
      ?? "unknown"
  }

  static func machine() -> String {
    let cpu =
      (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
      .split(separator: "\n").first { $0.hasPrefix("model name") }?
      .split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
    return "\(cpu), \(ProcessInfo.processInfo.activeProcessorCount) cores"
  }
}

/// The NumPy reference's own measurements.
struct NumPyBaseline: Decodable {
  let singleMs: [Double]
  let batchSeconds: Double
  let batchCount: Int
  let peakRSSKiB: Int

  private struct Request: Encodable {
    let single: [Int32]
    let batch: [[Int32]]
    let iterations: Int
    let batchSize: Int
    let warmup = 5
  }

  static func run(options: BenchmarkOptions, single: [Int32], batch: [[Int32]], batchSize: Int) async throws
    -> Self
  {
    let request = Request(single: single, batch: batch, iterations: options.iterations, batchSize: batchSize)
    let result = try await ExternalTool.run(
      "/usr/bin/env", [options.python, options.referenceScript.path, "bench", options.modelDirectory.path],
      input: try JSONEncoder().encode(request), timeout: .seconds(1_800))
    guard result.status == 0 else {
      throw BenchmarkError("the NumPy reference exited with status \(result.status): \(result.error)")
    }
    return try JSONDecoder().decode(Self.self, from: Data(result.output.utf8))
  }
}

/// Plain-text table output.
enum Table {
  static func f(_ value: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", value) }

  static func yes(_ condition: Bool) -> String { condition ? "yes" : "NO" }

  static func print(_ rows: [[String]]) {
    let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
    for (index, row) in rows.enumerated() {
      Swift.print(
        row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
          .joined(separator: "  "))
      if index == 0 { Swift.print(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
    }
  }
}
