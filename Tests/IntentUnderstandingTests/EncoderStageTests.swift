import CabinInference
import Foundation
import IntentUnderstanding
import Testing

/// Both stages as the service builds them, with the real all-MiniLM-L6-v2 encoder (skipped when the
/// model is not installed).
@Suite(.enabled(if: Support.hasEncoder)) struct EncoderStageTests {
  /// Built once: stage 2 embeds every example sentence.
  static let shared = Result {
    try IntentUnderstander.load(
      directory: Support.intentsDirectory, configuration: .init(contacts: Support.contacts),
      embedder: SentenceEncoder(modelDirectory: Support.encoderDirectory))
  }

  /// Regression: general-knowledge questions fell to `weather.query` through the encoder.
  @Test func generalKnowledgeQuestionsAreOutOfScope() throws {
    let understander = try Self.shared.get()
    for text in ["what's the capital of norway", "who wrote the odyssey", "how many moons does jupiter have"]
    {
      let result = try understander.understand(text, speaker: .driver)
      #expect(result.isOutOfScope, "\(text): \(result.intents.map(\.name))")
    }
  }

  @Test func stageTwoSettingsComeFromClassifierJSON() throws {
    struct Settings: Decodable {
      var noneThreshold: Float
      var neighbours: Int
      var centroidWeight: Float
    }
    let settings = try JSONDecoder().decode(
      Settings.self,
      from: Data(contentsOf: Support.intentsDirectory.appendingPathComponent("classifier.json")))
    #expect(try Self.shared.get().noneThreshold == settings.noneThreshold)
    #expect(try Self.shared.get().stageTwoNeighbours == settings.neighbours)
    #expect(try Self.shared.get().stageTwoCentroidWeight == settings.centroidWeight)
  }

  /// Floors on the project's validation sets, a little under what each scored when written (k = 8,
  /// centroid weight 0.5), as in-scope accuracy, out-of-scope recall and precision:
  /// - `validation.jsonl`, one of the two sets the threshold was tuned on: 94.0%, 85.0%, 100%;
  /// - `validation-hard.jsonl` (colloquial, indirect and misspelt requests held out from the
  ///   examples): 91.0%, 77.3%, 91.5%;
  /// - `validation-areas.jsonl` (dialogue replies, radio, next song, navigation, location, bare
  ///   "stop", podcasts and audiobooks, near-domain out-of-scope questions; neither examples nor part
  ///   of the threshold sweep): 98.8%, 60.0%, 100% (90.9%, 60.0% and 85.7% before the grammar and
  ///   examples for these areas); with about 200 more rows (replies and corrections, reaching a
  ///   destination, calendar, directions, held out from the examples written with them, and seven
  ///   harder near-domain questions): 96.9%, 54.1%, 100%; with 71 more rows (praise and corrections
  ///   that name what was wrong, call letters and station names, podcasts, next song, directions,
  ///   location, two near-domain questions), held out from the examples written with them: 97.2%,
  ///   51.3%, 90.9% (on the earlier rows alone, recall and precision unchanged at 54.1% and 95.2%).
  /// - `validation-probes.jsonl`, which the out-of-scope templates, station names and everyday
  ///   wordings were found with: 89.0%, 72.1%, 73.3% with the grammar and examples before them
  ///   (da66e23); 96.8%, 95.6%, 92.6% after;
  /// - `validation-unseen.jsonl`, never read while changing the grammar: 88.5%, 79.3%, 82.0% before
  ///   those changes; 90.9%, 92.4%, 88.5% after.
  @Test(arguments: [
    (Support.validationSet, 0.92, 0.83, 0.95),
    (Support.hardValidationSet, 0.89, 0.75, 0.88),
    (Support.areasValidationSet, 0.95, 0.5, 0.88),
    (Support.probesValidationSet, 0.94, 0.93, 0.89),
    (Support.unseenValidationSet, 0.89, 0.9, 0.85),
  ])
  func validationSetKeepsItsFloors(set: URL, inScope: Double, recall: Double, precision: Double) throws {
    let report = try IntentEvaluation.evaluate(
      IntentEvaluation.cases(contentsOf: set), with: Self.shared.get())
    #expect(report.inScopeAccuracy >= inScope, "\(set.lastPathComponent)")
    #expect(report.outOfScopeRecall >= recall, "\(set.lastPathComponent)")
    #expect(report.outOfScopePrecision >= precision, "\(set.lastPathComponent)")
  }

  /// The harder set and the areas set are held out: none of their sentences is an example.
  @Test(arguments: [(Support.hardValidationSet, 600), (Support.areasValidationSet, 450)])
  func heldOutValidationSentencesAreNotExamples(set: URL, minimumCount: Int) throws {
    let examples = try IntentExample.load(
      contentsOf: Support.intentsDirectory.appendingPathComponent("examples.txt"))
    let known = Set(examples.map { $0.text.lowercased() })
    let cases = try IntentEvaluation.cases(contentsOf: set)
    #expect(cases.count >= minimumCount)
    #expect(cases.filter { known.contains($0.text.lowercased()) }.map(\.text) == [])
  }
}
