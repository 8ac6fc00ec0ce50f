public import Foundation

/// One labelled sentence: a line of an evaluation JSONL file (`{"text", "accept", "source"}`).
public struct EvaluationCase: Sendable, Codable, Equatable {
  /// The sentence.
  public var text: String
  /// The acceptable intents; `["none"]` marks an out-of-scope sentence.
  public var accept: [String]
  /// Where the sentence came from (a dataset and label), used to group scores.
  public var source: String

  /// Creates a case.
  public init(text: String, accept: [String], source: String) {
    self.text = text
    self.accept = accept
    self.source = source
  }

  /// Whether the sentence is out of scope.
  public var isOutOfScope: Bool { accept == [IntentCatalog.none] }
}

/// A line of an evaluation file that cannot be read.
public struct EvaluationError: Error, Equatable, CustomStringConvertible {
  /// The file (or label) read.
  public var file: String
  /// The 1-based line number.
  public var line: Int
  /// What is wrong.
  public var message: String

  /// Creates an error.
  public init(file: String, line: Int, message: String) {
    self.file = file
    self.line = line
    self.message = message
  }

  /// `file:line: message`.
  public var description: String { "\(file):\(line): \(message)" }
}

/// Scores of an understander on a labelled set.
public struct EvaluationReport: Sendable, Codable, Equatable {
  /// Accuracy for one source.
  public struct SourceScore: Sendable, Codable, Equatable {
    /// The source name.
    public var source: String
    /// Sentences from it.
    public var total: Int
    /// Sentences whose first intent was acceptable.
    public var correct: Int
    /// `correct / total`.
    public var accuracy: Double { total == 0 ? 0 : Double(correct) / Double(total) }
  }

  /// A frequent mistake.
  public struct Confusion: Sendable, Codable, Equatable {
    /// The acceptable intents, joined with `|`.
    public var expected: String
    /// The intent produced instead.
    public var predicted: String
    /// How often.
    public var count: Int
  }

  /// A sentence whose first intent was not acceptable.
  public struct Mistake: Sendable, Codable, Equatable {
    /// The sentence.
    public var text: String
    /// The acceptable intents, joined with `|`.
    public var expected: String
    /// The intent produced instead.
    public var predicted: String
    /// The stage that produced it.
    public var stage: String
    /// Its confidence.
    public var confidence: Double
  }

  /// Sentences scored.
  public var total: Int
  /// In-scope sentences.
  public var inScopeTotal: Int
  /// In-scope sentences whose first intent was acceptable.
  public var inScopeCorrect: Int
  /// Out-of-scope sentences.
  public var outOfScopeTotal: Int
  /// Sentences answered `none`.
  public var predictedNone: Int
  /// Out-of-scope sentences answered `none`.
  public var outOfScopeCorrect: Int
  /// Scores per source, sorted by source name.
  public var bySource: [SourceScore]
  /// The most frequent mistakes, most frequent first.
  public var confusions: [Confusion]
  /// How many first intents each stage produced.
  public var byStage: [String: Int]
  /// Every wrong answer, in the order of the cases.
  public var mistakes: [Mistake]

  /// Share of in-scope sentences whose first intent was acceptable.
  public var inScopeAccuracy: Double { ratio(inScopeCorrect, inScopeTotal) }
  /// Share of `none` answers that were right.
  public var outOfScopePrecision: Double { ratio(outOfScopeCorrect, predictedNone) }
  /// Share of out-of-scope sentences answered `none`.
  public var outOfScopeRecall: Double { ratio(outOfScopeCorrect, outOfScopeTotal) }

  private func ratio(_ part: Int, _ whole: Int) -> Double { whole == 0 ? 0 : Double(part) / Double(whole) }

  /// A plain-text report for the command line.
  public var summary: String {
    func percent(_ value: Double) -> String { String(format: "%5.1f%%", value * 100) }
    var lines = [
      "sentences: \(total)",
      "in scope: \(percent(inScopeAccuracy)) (\(inScopeCorrect)/\(inScopeTotal))",
      "out of scope: precision \(percent(outOfScopePrecision)), recall \(percent(outOfScopeRecall))"
        + " (\(outOfScopeCorrect)/\(outOfScopeTotal))",
      "stages: " + byStage.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
      "", "accuracy by source:",
    ]
    lines += bySource.map { "  \(percent($0.accuracy))  \($0.correct)/\($0.total)  \($0.source)" }
    lines += ["", "most frequent confusions:"]
    lines += confusions.map { "  \($0.count)x  \($0.expected) -> \($0.predicted)" }
    return lines.joined(separator: "\n")
  }
}

/// Measures an understander on labelled sentences.
public enum IntentEvaluation {
  /// Reads JSON lines of `{"text", "accept", "source"}` (other keys are ignored; blank lines skipped).
  public static func cases(jsonLines: String, file: String = "<jsonl>") throws -> [EvaluationCase] {
    let decoder = JSONDecoder()
    var cases: [EvaluationCase] = []
    for (offset, line) in jsonLines.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty { continue }
      let decoded: EvaluationCase
      do {
        decoded = try decoder.decode(EvaluationCase.self, from: Data(trimmed.utf8))
      } catch {
        throw EvaluationError(
          file: file, line: offset + 1,
          message:
            "expected an object with string 'text', string array 'accept' and string 'source' (\(error))")
      }
      guard !decoded.accept.isEmpty else {
        throw EvaluationError(file: file, line: offset + 1, message: "'accept' must name at least one intent")
      }
      cases.append(decoded)
    }
    return cases
  }

  /// Reads an evaluation JSONL file.
  public static func cases(contentsOf url: URL) throws -> [EvaluationCase] {
    let text: String
    do {
      text = try String(contentsOf: url, encoding: .utf8)
    } catch {
      throw EvaluationError(file: url.path, line: 0, message: "cannot read evaluation file: \(error)")
    }
    return try cases(jsonLines: text, file: url.lastPathComponent)
  }

  /// Understands every case without dialogue context (speaker: driver) and scores the first intent.
  public static func evaluate(
    _ cases: [EvaluationCase], with understander: IntentUnderstander, topConfusions: Int = 10
  ) throws -> EvaluationReport {
    var report = EvaluationReport(
      total: cases.count, inScopeTotal: 0, inScopeCorrect: 0, outOfScopeTotal: 0, predictedNone: 0,
      outOfScopeCorrect: 0, bySource: [], confusions: [], byStage: [:], mistakes: [])
    var sources: [String: (total: Int, correct: Int)] = [:]
    var confusions: [String: EvaluationReport.Confusion] = [:]
    for item in cases {
      let result = try understander.understand(item.text, speaker: .driver)
      let first = result.intents.first
      let predicted = first?.name ?? IntentCatalog.none
      let correct = item.accept.contains(predicted)
      report.byStage[first?.stage.rawValue ?? "none", default: 0] += 1
      if predicted == IntentCatalog.none { report.predictedNone += 1 }
      if item.isOutOfScope {
        report.outOfScopeTotal += 1
        if correct { report.outOfScopeCorrect += 1 }
      } else {
        report.inScopeTotal += 1
        if correct { report.inScopeCorrect += 1 }
      }
      sources[item.source, default: (0, 0)].total += 1
      if correct {
        sources[item.source, default: (0, 0)].correct += 1
      } else {
        let expected = item.accept.joined(separator: "|")
        report.mistakes.append(
          .init(
            text: item.text, expected: expected, predicted: predicted, stage: first?.stage.rawValue ?? "none",
            confidence: first?.confidence ?? 0))
        confusions[
          expected + ">" + predicted, default: .init(expected: expected, predicted: predicted, count: 0)
        ]
        .count += 1
      }
    }
    report.bySource = sources.map { .init(source: $0.key, total: $0.value.total, correct: $0.value.correct) }
      .sorted { $0.source < $1.source }
    report.confusions = Array(
      confusions.values.sorted {
        $0.count != $1.count ? $0.count > $1.count : ($0.expected, $0.predicted) < ($1.expected, $1.predicted)
      }
      .prefix(topConfusions))
    return report
  }
}
