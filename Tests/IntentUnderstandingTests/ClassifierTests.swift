import Foundation
import IntentUnderstanding
import Testing

@Suite struct ClassifierTests {
  static func projectExamples() throws -> [IntentExample] {
    try IntentExample.load(contentsOf: Support.intentsDirectory.appendingPathComponent("examples.txt"))
      + Support.grammar().sampleSentences()
  }

  /// Built once: calibration compares every example with every other.
  static let shared = Result {
    try NearestNeighbourClassifier(examples: projectExamples(), embedder: HashedNGramEmbedder())
  }

  @Test func examplesFileParsesAndCoversEveryCatalogIntentAndNone() throws {
    let examples = try IntentExample.load(
      contentsOf: Support.intentsDirectory.appendingPathComponent("examples.txt"))
    let intents = Set(examples.map(\.intent))
    let catalog = Set(IntentCatalog.v1.entries.keys.filter { !$0.hasPrefix("followup.") })
    #expect(intents == catalog.union([IntentCatalog.none]))
    #expect(examples.filter { $0.intent == IntentCatalog.none }.count >= 40)
  }

  @Test func examplesFileErrorsNameTheLine() {
    #expect(
      throws: GrammarError(
        file: "x.txt", line: 2, message: "expected 'intent NAME' with a catalog intent or 'none'")
    ) {
      try IntentExample.parse("intent none\nintent climate.teleport\n  beam me up", file: "x.txt")
    }
  }

  @Test func nearestNeighbourPicksTheClosestIntentAndCalibratesNone() throws {
    let classifier = try Self.shared.get()
    #expect(classifier.noneThreshold > 0 && classifier.noneThreshold < 1)
    let weather = try classifier.classify("what will the weather forecast be like")
    #expect(weather.intent == "weather.query")
    #expect(weather.confidence >= 0.5)
    let unrelated = try classifier.classify("zzqx vrbl kwyjibo")
    #expect(unrelated.intent == IntentCatalog.none)
  }

  /// The winner's score blends its closest example with its centroid: here the closest example is
  /// the query itself (1), the centroid of [1, 0, 0] and [0.6, 0.8, 0] is [0.894, 0.447, 0].
  @Test func centroidWeightBlendsClosestExampleAndCentroid() throws {
    let embedder = TableEmbedder(
      table: ["a1": [1, 0, 0], "a2": [0.6, 0.8, 0], "b": [0, 0, 1], "query": [1, 0, 0]], dimension: 3)
    let examples = [
      IntentExample(intent: "media.pause", text: "a1"), IntentExample(intent: "media.pause", text: "a2"),
      IntentExample(intent: "media.next", text: "b"),
    ]
    let centroid = Float(1.6 / (1.6 * 1.6 + 0.8 * 0.8).squareRoot())
    for (weight, expected) in [(Float(0), Float(1)), (0.5, (1 + centroid) / 2), (1, centroid)] {
      let classifier = try NearestNeighbourClassifier(
        examples: examples, embedder: embedder, neighbours: 2, centroidWeight: weight, noneThreshold: 0.5)
      let decision = try classifier.classify("query")
      #expect(decision.intent == "media.pause")
      #expect(abs(decision.similarity - expected) < 1e-5, "weight \(weight)")
    }
  }

  @Test func loadBuildsBothStagesFromTheConfigurationDirectory() throws {
    let understander = try IntentUnderstander.load(
      directory: Support.intentsDirectory, embedder: HashedNGramEmbedder(dimension: 256))
    #expect(try understander.understand("turn on the ac").intents.first?.stage == .grammar)
    let empty = FileManager.default.temporaryDirectory.appendingPathComponent("cabin-empty-\(UUID())")
    try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: empty) }
    #expect(throws: GrammarError(file: empty.path, line: 0, message: "no '.grammar' files in the directory"))
    {
      try IntentUnderstander.load(directory: empty)
    }
  }

  /// Leave-one-out with one neighbour: a1 and a2 vote for each other at 0.8, the `none` example n1
  /// is taken for A at 0.6, and b1 (orthogonal to all) for A at 0. A threshold of 0.8 turns n1
  /// into a right `none` and keeps a1 and a2: 3 of 4, where 0 and 0.6 get 2.
  @Test func calibrationPicksTheThresholdThatGetsTheMostExamplesRight() throws {
    let embedder = TableEmbedder(
      table: ["a1": [1, 0, 0], "a2": [0.8, 0.6, 0], "b1": [0, 0, 1], "n1": [0, 1, 0]], dimension: 3)
    let examples = [
      IntentExample(intent: "media.pause", text: "a1"), IntentExample(intent: "media.pause", text: "a2"),
      IntentExample(intent: "media.next", text: "b1"), IntentExample(intent: IntentCatalog.none, text: "n1"),
    ]
    let classifier = try NearestNeighbourClassifier(examples: examples, embedder: embedder, neighbours: 1)
    #expect(abs(classifier.noneThreshold - 0.8) < 1e-6)
  }

  @Test func wrongEmbeddingShapeIsATypedError() {
    #expect(
      throws: ClassifierError.badEmbedding(
        expectedDimension: 8, expectedCount: 1, gotDimension: 3, gotCount: 1)
    ) {
      _ = try NearestNeighbourClassifier(
        examples: [IntentExample(intent: "media.pause", text: "pause")], embedder: ShortVectorEmbedder())
    }
    #expect(throws: ClassifierError.noExamples) {
      _ = try NearestNeighbourClassifier(examples: [], embedder: HashedNGramEmbedder())
    }
  }

  @Test func understanderFallsBackToStageTwoWhenTheGrammarIsNotConfident() throws {
    let classifier = try Self.shared.get()
    let understander = try Support.understander(classifier: classifier)
    let grammarOnly = try Support.understander()
    let text = "hmm what sort of weather forecast is coming up for us"
    #expect(try grammarOnly.understand(text).isOutOfScope)
    let result = try understander.understand(text)
    #expect(result.intents.map(\.name) == ["weather.query"])
    #expect(result.intents.first?.stage == .embedding)
    let grammarStill = try understander.understand("turn on the ac")
    #expect(grammarStill.intents.first?.stage == .grammar)
  }
}
