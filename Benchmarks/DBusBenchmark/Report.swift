import Foundation

/// The measured figures of every case and their ratios to the C baseline.
struct Report: Sendable {
  let rows: [(BenchCase, Figures)]
  let iterations: Int
  let rounds: Int

  private var baselineRate: Double? { rows.first { $0.0 == .baseline }?.1.perSecond }

  private func ratio(_ benchCase: BenchCase, _ figures: Figures) -> Double? {
    guard benchCase.isMethodCall, let baselineRate, baselineRate > 0 else { return nil }
    return figures.perSecond / baselineRate
  }

  var allTargetsMet: Bool {
    rows.allSatisfy { row in
      guard let target = row.0.target, let ratio = ratio(row.0, row.1) else { return true }
      return ratio >= target
    }
  }

  /// A fixed-width table: case, rate, p50, p99, ratio to C, target, met.
  func table() -> String {
    let header = ["case", "calls/s", "p50 µs", "p99 µs", "ratio to C", "target", "met"]
    var lines = [header]
    for (benchCase, figures) in rows {
      let ratio = ratio(benchCase, figures)
      let met: String =
        if let target = benchCase.target, let ratio { ratio >= target ? "yes" : "no" } else { "-" }
      lines.append([
        benchCase.label,
        String(format: "%.0f", figures.perSecond),
        String(format: "%.0f", Double(figures.p50Nanoseconds) / 1000),
        String(format: "%.0f", Double(figures.p99Nanoseconds) / 1000),
        ratio.map { String(format: "%.2f", $0) } ?? "-",
        benchCase.target.map { String(format: ">= %.2f", $0) } ?? "-",
        met,
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
      + "ratio = calls/s over (a)"
    return ([summary] + text).joined(separator: "\n")
  }
}
