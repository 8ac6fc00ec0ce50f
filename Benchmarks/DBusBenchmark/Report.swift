import Foundation

/// The measured figures of every case and their ratios to the C baseline.
///
/// Each round measures every case once, so a case's ratio is taken against the baseline of its
/// own round, and the table shows the median of those per-round ratios: on a shared two-core
/// machine the load changes from second to second, and a case compared with a baseline measured
/// minutes apart would mostly measure that change.
struct Report: Sendable {
  let runs: [BenchCase: [Figures]]
  let iterations: Int
  let rounds: Int

  private static func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
  }

  /// The per-round ratios of `benchCase` to the baseline, or nothing for cases without one.
  private func ratios(_ benchCase: BenchCase) -> [Double] {
    guard benchCase.isMethodCall, let baseline = runs[.baseline], let own = runs[benchCase] else { return [] }
    return zip(own, baseline).map { $0.perSecond / $1.perSecond }
  }

  private func ratio(_ benchCase: BenchCase) -> Double? {
    let ratios = ratios(benchCase)
    return ratios.isEmpty ? nil : Self.median(ratios)
  }

  var allTargetsMet: Bool {
    BenchCase.allCases.allSatisfy { benchCase in
      guard let target = benchCase.target, let ratio = ratio(benchCase) else { return true }
      return ratio >= target
    }
  }

  /// A fixed-width table: case, rate, p50, p99, ratio to C, target, met.
  func table() -> String {
    let header = [
      "case", "calls/s", "p50 µs", "p99 µs", "ratio to C", "(min-max)", "target", "met", "client CPU µs/call",
      "server CPU µs/call",
    ]
    var lines = [header]
    for benchCase in BenchCase.allCases {
      guard let measured = runs[benchCase], !measured.isEmpty else { continue }
      let figures = Figures.median(of: measured)
      let ratio = ratio(benchCase)
      let ratios = ratios(benchCase)
      let met: String =
        if let target = benchCase.target, let ratio { ratio >= target ? "yes" : "no" } else { "-" }
      lines.append([
        benchCase.label,
        String(format: "%.0f", figures.perSecond),
        String(format: "%.0f", Double(figures.p50Nanoseconds) / 1000),
        String(format: "%.0f", Double(figures.p99Nanoseconds) / 1000),
        ratio.map { String(format: "%.2f", $0) } ?? "-",
        ratios.isEmpty ? "-" : String(format: "%.2f-%.2f", ratios.min() ?? 0, ratios.max() ?? 0),
        benchCase.target.map { String(format: ">= %.2f", $0) } ?? "-",
        met,
        figures.clientCPUPerCall.map { String(format: "%.1f", Double($0) / 1000) } ?? "-",
        figures.serverCPUPerCall.map { String(format: "%.1f", Double($0) / 1000) } ?? "-",
      ])
    }
    let widths = header.indices.map { column in lines.map { $0[column].count }.max() ?? 0 }
    let text = lines.map { cells in
      cells.enumerated().map { column, cell in
        let pad = String(repeating: " ", count: widths[column] - cell.count)
        return column == 0 ? cell + pad : pad + cell
      }.joined(separator: "  ")
    }
    let summary =
      "\(iterations) calls per case and round, median of \(rounds) round(s); one private dbus-daemon; "
      + "ratio = median over rounds of calls/s over (a) in the same round;\n"
      + "CPU µs/call = on-CPU time of the client process (all its threads) and of the server process, "
      + "warm-up included"
    return ([summary] + text).joined(separator: "\n")
  }
}
