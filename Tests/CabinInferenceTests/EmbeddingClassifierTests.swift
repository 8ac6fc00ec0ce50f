import CabinInference
import Foundation
import Testing

/// A deterministic stand-in embedder: a bag of hashed words, so similar wordings share dimensions.
private struct BagOfWordsEmbedder: SentenceEmbedder {
  let dimension = 64

  func embed(_ texts: [String]) throws -> [[Float]] {
    texts.map { text in
      var vector = [Float](repeating: 0, count: dimension)
      for word in text.lowercased().split(separator: " ") {
        let hash = word.unicodeScalars.reduce(UInt32(2_166_136_261)) { ($0 ^ $1.value) &* 16_777_619 }
        vector[Int(hash % UInt32(dimension))] += 1
      }
      return vector
    }
  }
}

@Suite("Embedding classifier")
struct EmbeddingClassifierTests {
  private let examples = [
    LabelledText(text: "make it warmer in here", label: "climate"),
    LabelledText(text: "turn the heating up", label: "climate"),
    LabelledText(text: "play some music", label: "media"),
    LabelledText(text: "skip to the following track", label: "media"),
    LabelledText(text: "call my sister", label: "phone"),
  ]

  @Test(
    "the nearest example's label wins and the runner-up is reported",
    arguments: [
      EmbeddingClassifier.Scoring.nearestNeighbour, .centroid,
    ])
  func classifies(scoring: EmbeddingClassifier.Scoring) throws {
    let embedder = BagOfWordsEmbedder()
    let classifier = try EmbeddingClassifier(
      embedder: embedder, examples: examples, scoring: scoring, threshold: 0.3)
    #expect(classifier.labels == ["climate", "media", "phone"])
    let result = try classifier.classify(embedder.embed(["please turn the heating up"])[0])
    #expect(result.label == "climate")
    #expect(result.acceptedLabel == "climate")
    #expect(result.score > 0.3)
    let runnerUp = try #require(result.runnerUp)
    #expect(runnerUp.score <= result.score)
    #expect(runnerUp.label != "climate")
    let unrelated = try classifier.classify(embedder.embed(["quantum chromodynamics lecture"])[0])
    #expect(unrelated.isNone)
    #expect(unrelated.acceptedLabel == nil)
  }

  @Test("calibration puts the threshold between in-scope and out-of-scope scores")
  func calibratesSeparableScores() {
    let calibration = EmbeddingClassifier.calibrate(
      inScope: [(0.9, true), (0.8, true), (0.75, true), (0.7, false)], outOfScope: [0.2, 0.35, 0.5])
    #expect(calibration.threshold > 0.5 && calibration.threshold < 0.7)
    #expect(calibration.inScopeAccuracy == 0.75)
    #expect(calibration.outOfScopeRejection == 1)
  }

  @Test("calibration on overlapping scores maximises balanced accuracy")
  func calibratesOverlappingScores() {
    let calibration = EmbeddingClassifier.calibrate(
      inScope: [(0.9, true), (0.6, true), (0.55, true), (0.4, true)], outOfScope: [0.3, 0.5, 0.58, 0.1])
    // Best cut: accept 0.9, 0.6 (2/4) and reject 0.58 and below (4/4) or accept 0.55 and up... the
    // rule picks the maximum of (accepted/4 + rejected/4) / 2.
    let candidates: [Float] = [0.05, 0.2, 0.35, 0.45, 0.525, 0.565, 0.59, 0.75, 0.95]
    let best =
      candidates.map { t in
        (Double([0.9, 0.6, 0.55, 0.4].filter { $0 >= t }.count) / 4 + Double(
          [0.3, 0.5, 0.58, 0.1].filter { $0 < t }.count) / 4) / 2
      }.max() ?? 0
    #expect(abs(calibration.balancedAccuracy - best) < 1e-9)
  }

  @Test("calibrate on a classifier uses its own scores and labels")
  func calibratesClassifier() throws {
    let embedder = BagOfWordsEmbedder()
    let classifier = try EmbeddingClassifier(embedder: embedder, examples: examples)
    let heldOut = [("turn up the heating", "climate"), ("play music", "media"), ("call sister", "phone")]
    let outOfScope = ["what is the capital of peru", "sing me a lullaby tonight"]
    let calibration = try classifier.calibrate(
      inScope: zip(heldOut, try embedder.embed(heldOut.map(\.0))).map { ($0.1, $1) },
      outOfScope: try embedder.embed(outOfScope))
    #expect(calibration.inScopeAccuracy == 1)
    #expect(calibration.outOfScopeRejection == 1)
  }

  @Test("no examples and embeddings of the wrong length are typed errors")
  func rejectsBadInput() throws {
    #expect(throws: EmbeddingClassifierError.noExamples) { try EmbeddingClassifier(examples: []) }
    #expect(
      throws: EmbeddingClassifierError.dimensionMismatch(expected: 2, actual: 3, context: "example 1 ('b')")
    ) {
      try EmbeddingClassifier(examples: [("a", [1, 0]), ("b", [1, 0, 0])])
    }
    let classifier = try EmbeddingClassifier(examples: [("a", [1, 0]), ("b", [0, 1])])
    #expect(throws: EmbeddingClassifierError.dimensionMismatch(expected: 2, actual: 1, context: "input")) {
      try classifier.classify([1])
    }
  }
}
