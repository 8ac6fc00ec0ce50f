import Foundation
import IntentUnderstanding
import Testing

@Suite struct EvaluationTests {
  @Test func reportCountsAccuracyPerSourceOutOfScopeAndConfusions() throws {
    let lines = """
      {"text": "turn on the ac", "accept": ["climate.ac"], "source": "a"}
      {"text": "next song", "accept": ["media.next"], "source": "a"}
      {"text": "next song", "accept": ["media.previous"], "source": "b"}
      {"text": "what is the capital of peru", "accept": ["none"], "source": "b", "license": "x"}
      {"text": "pause the music", "accept": ["none"], "source": "b"}

      """
    let cases = try IntentEvaluation.cases(jsonLines: lines)
    #expect(cases.count == 5)
    let report = try IntentEvaluation.evaluate(cases, with: Support.understander())
    #expect(report.inScopeTotal == 3)
    #expect(report.inScopeCorrect == 2)
    #expect(report.outOfScopeTotal == 2)
    #expect(report.outOfScopeCorrect == 1)
    #expect(report.outOfScopeRecall == 0.5)
    #expect(report.outOfScopePrecision == 1)
    #expect(report.bySource.map(\.source) == ["a", "b"])
    #expect(report.bySource.map(\.correct) == [2, 1])
    #expect(
      Set(report.confusions.map { "\($0.expected)>\($0.predicted)" }) == [
        "media.previous>media.next", "none>media.pause",
      ])
    #expect(report.summary.contains("in scope:  66.7% (2/3)"))
  }

  @Test func badLineIsATypedErrorNamingTheLine() {
    let lines = """
      {"text": "pause", "accept": ["media.pause"], "source": "a"}
      {"text": "pause", "accept": "media.pause", "source": "a"}
      """
    #expect {
      try IntentEvaluation.cases(jsonLines: lines, file: "set.jsonl")
    } throws: { error in
      guard let error = error as? EvaluationError else { return false }
      return error.file == "set.jsonl" && error.line == 2
    }
    #expect(
      throws: EvaluationError(file: "set.jsonl", line: 1, message: "'accept' must name at least one intent")
    ) {
      try IntentEvaluation.cases(jsonLines: #"{"text": "x", "accept": [], "source": "a"}"#, file: "set.jsonl")
    }
  }

  /// Regression floor for the grammar stage alone on the shared dev set (measured 39.8% in scope,
  /// 93.5% out-of-scope recall when written); the targets need stage 2 with the real encoder.
  @Test(.enabled(if: FileManager.default.fileExists(atPath: Support.devSet.path)))
  func grammarStageAloneKeepsItsFloorOnTheDevSet() throws {
    let report = try IntentEvaluation.evaluate(
      IntentEvaluation.cases(contentsOf: Support.devSet), with: Support.understander())
    #expect(report.inScopeAccuracy >= 0.37)
    #expect(report.outOfScopeRecall >= 0.9)
  }

  /// The dev set is for measuring only: no project example or sentence of the project's validation
  /// sets holds one of its sentences of four words or more, compared without case, punctuation or
  /// apostrophes ("yes", "cancel that" or "call my mother" are everyone's).
  @Test(.enabled(if: FileManager.default.fileExists(atPath: Support.devSet.path)))
  func noDevSentenceIsInTheProject() throws {
    func words(_ text: String) -> [Substring] {
      String(text.lowercased().filter { $0 != "'" }.map { $0.isLetter || $0.isNumber ? $0 : " " })
        .split(separator: " ")
    }
    let dev = Set(
      try IntentEvaluation.cases(contentsOf: Support.devSet).map { words($0.text) }.filter { $0.count >= 4 }
        .map { $0.joined(separator: " ") })
    func holdsADevSentence(_ text: String) -> Bool {
      let own = words(text)
      guard own.count >= 4 else { return false }
      return (0...own.count - 4).contains { start in
        (start + 4...own.count).contains { dev.contains(own[start..<$0].joined(separator: " ")) }
      }
    }
    let examples = try IntentExample.load(
      contentsOf: Support.intentsDirectory.appendingPathComponent("examples.txt"))
    #expect(examples.map(\.text).filter(holdsADevSentence) == [])
    for set in [
      Support.validationSet, Support.hardValidationSet, Support.areasValidationSet,
      Support.probesValidationSet, Support.unseenValidationSet,
    ] {
      let cases = try IntentEvaluation.cases(contentsOf: set)
      #expect(cases.map(\.text).filter(holdsADevSentence) == [], "\(set.lastPathComponent)")
    }
  }

}
