import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Nanoseconds on `CLOCK_MONOTONIC`, the clock the C baseline uses too.
func monotonicNanoseconds() -> Int64 {
  var now = timespec()
  clock_gettime(CLOCK_MONOTONIC, &now)
  return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}

/// What one measured run of a case produced: how many operations, how long, and the latency
/// percentiles of the individual operations.
struct Figures: Sendable {
  var operations: Int
  var elapsedNanoseconds: Int64
  var p50Nanoseconds: Int64
  var p99Nanoseconds: Int64
  /// CPU time the client side spent per call, warm-up included, when known.
  var clientCPUPerCall: Int64?
  /// CPU time the server process spent per call, warm-up included, when known.
  var serverCPUPerCall: Int64?
  /// CPU time the client process reported for its whole run (the C baseline only).
  var clientCPUTotal: Int64?

  var perSecond: Double { Double(operations) / (Double(elapsedNanoseconds) / 1e9) }

  init(operations: Int, elapsedNanoseconds: Int64, p50Nanoseconds: Int64, p99Nanoseconds: Int64) {
    self.operations = operations
    self.elapsedNanoseconds = elapsedNanoseconds
    self.p50Nanoseconds = p50Nanoseconds
    self.p99Nanoseconds = p99Nanoseconds
  }

  /// Figures from per-operation latencies, with nearest-rank percentiles (as the C baseline).
  init(samples: [Int64], elapsedNanoseconds: Int64) throws(BenchmarkError) {
    guard !samples.isEmpty, elapsedNanoseconds > 0 else {
      throw BenchmarkError("a run produced no samples")
    }
    let sorted = samples.sorted()
    self.init(
      operations: sorted.count, elapsedNanoseconds: elapsedNanoseconds,
      p50Nanoseconds: Self.percentile(sorted, 50), p99Nanoseconds: Self.percentile(sorted, 99))
  }

  /// Parses the baseline's line `calls=N elapsed_ns=T p50_ns=X p99_ns=Y cpu_ns=C`.
  init(baselineLine line: String) throws(BenchmarkError) {
    var fields: [String: Int64] = [:]
    for pair in line.split(separator: " ") {
      let parts = pair.split(separator: "=", maxSplits: 1)
      if parts.count == 2, let value = Int64(parts[1]) { fields[String(parts[0])] = value }
    }
    guard let calls = fields["calls"], let elapsed = fields["elapsed_ns"], let p50 = fields["p50_ns"],
      let p99 = fields["p99_ns"], calls > 0, elapsed > 0
    else {
      throw BenchmarkError(
        "the C baseline printed '\(line)'; expected 'calls=N elapsed_ns=T p50_ns=X p99_ns=Y cpu_ns=C'")
    }
    self.init(operations: Int(calls), elapsedNanoseconds: elapsed, p50Nanoseconds: p50, p99Nanoseconds: p99)
    clientCPUTotal = fields["cpu_ns"]
  }

  /// The median of each figure over several runs of the same case.
  static func median(of runs: [Figures]) -> Figures {
    func middle<T: Comparable>(_ values: [T]) -> T { values.sorted()[values.count / 2] }
    func middle(_ values: [Int64?]) -> Int64? {
      let known = values.compactMap { $0 }
      return known.isEmpty ? nil : middle(known)
    }
    let rates = runs.map(\.perSecond)
    let typical = runs.first { $0.perSecond == middle(rates) } ?? runs[0]
    var figures = Figures(
      operations: typical.operations, elapsedNanoseconds: typical.elapsedNanoseconds,
      p50Nanoseconds: middle(runs.map(\.p50Nanoseconds)), p99Nanoseconds: middle(runs.map(\.p99Nanoseconds)))
    figures.clientCPUPerCall = middle(runs.map(\.clientCPUPerCall))
    figures.serverCPUPerCall = middle(runs.map(\.serverCPUPerCall))
    return figures
  }

  private static func percentile(_ sorted: [Int64], _ percent: Int) -> Int64 {
    let rank = (sorted.count * percent + 99) / 100
    return sorted[max(rank, 1) - 1]
  }
}

/// A failure of the benchmark itself (a process that would not start, a wrong reply).
struct BenchmarkError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// The CPU time this process has used so far, in nanoseconds, threads that have exited included
/// (the blocking cases call from a thread of their own that is gone when they are measured).
func ownCPUNanoseconds() -> Int64 {
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  let microseconds =
    Int64(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1_000_000
    + Int64(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec)
  return microseconds * 1_000
}

/// The CPU time the live threads of process `pid` have used so far, in nanoseconds, from the
/// first field of each `/proc/PID/task/TID/schedstat`; 0 when the process is gone.
func cpuNanoseconds(ofProcess pid: Int32) -> Int64 {
  let tasks = "/proc/\(pid)/task"
  let threads = (try? FileManager.default.contentsOfDirectory(atPath: tasks)) ?? []
  return threads.reduce(0) { total, thread in
    let text = (try? String(contentsOfFile: "\(tasks)/\(thread)/schedstat", encoding: .utf8)) ?? ""
    return total + (text.split(separator: " ").first.flatMap { Int64($0) } ?? 0)
  }
}
