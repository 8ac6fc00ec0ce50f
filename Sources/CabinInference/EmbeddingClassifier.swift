/// A text with the label it should receive, for building and calibrating a classifier.
public struct LabelledText: Sendable, Hashable, Codable {
  /// The text.
  public var text: String
  /// Its label, such as an intent name.
  public var label: String

  /// A labelled text.
  public init(text: String, label: String) {
    self.text = text
    self.label = label
  }
}

/// The outcome of classifying one embedding.
public struct EmbeddingClassification: Sendable, Equatable {
  /// The best-scoring label (reported even when `isNone`, for explanations).
  public var label: String
  /// The best label's cosine score, in -1...1.
  public var score: Float
  /// The second-best label and its score, when there are at least two labels.
  public var runnerUp: (label: String, score: Float)?
  /// True when `score` is below the classifier's threshold: "none of these".
  public var isNone: Bool

  /// The label to act on: nil when the input is out of scope.
  public var acceptedLabel: String? { isNone ? nil : label }

  /// A classification result.
  public init(label: String, score: Float, runnerUp: (label: String, score: Float)?, isNone: Bool) {
    self.label = label
    self.score = score
    self.runnerUp = runnerUp
    self.isNone = isNone
  }

  /// Equal when every field is equal.
  public static func == (a: Self, b: Self) -> Bool {
    a.label == b.label && a.score == b.score && a.isNone == b.isNone
      && a.runnerUp?.label == b.runnerUp?.label && a.runnerUp?.score == b.runnerUp?.score
  }
}

/// A threshold chosen from held-out data, with how well it separates in-scope from out-of-scope.
public struct ThresholdCalibration: Sendable, Equatable {
  /// The chosen "none of these" threshold: scores below it are out of scope.
  public var threshold: Float
  /// Fraction of in-scope examples accepted with the right label at this threshold.
  public var inScopeAccuracy: Double
  /// Fraction of out-of-scope examples rejected at this threshold.
  public var outOfScopeRejection: Double

  /// The mean of the two rates, the quantity the calibration maximises.
  public var balancedAccuracy: Double { (inScopeAccuracy + outOfScopeRejection) / 2 }
}

/// Errors building or using an `EmbeddingClassifier`.
public enum EmbeddingClassifierError: Error, Equatable, CustomStringConvertible {
  /// No examples were given.
  case noExamples
  /// An embedding's length differs from the others'.
  case dimensionMismatch(expected: Int, actual: Int, context: String)
  /// The embedder returned a different number of embeddings than texts.
  case countMismatch(texts: Int, embeddings: Int)

  /// A one-line message naming the rule.
  public var description: String {
    switch self {
    case .noExamples: "an embedding classifier needs at least one labelled example"
    case .dimensionMismatch(let expected, let actual, let context):
      "\(context): embedding has \(actual) values, expected \(expected)"
    case .countMismatch(let texts, let embeddings):
      "embedder returned \(embeddings) embeddings for \(texts) texts"
    }
  }
}

/// Classifies sentence embeddings by cosine similarity to labelled examples, with a calibrated
/// "none of these" threshold.
///
/// A label's score is its best cosine over its examples (`nearestNeighbour`) or the cosine to the
/// mean of its examples (`centroid`). The best label wins; it is "none" when its score is below
/// `threshold`. Pick the threshold with `calibrate(inScope:outOfScope:)` on held-out data.
public struct EmbeddingClassifier: Sendable {
  /// How a label's score is computed from its examples.
  public enum Scoring: Sendable, Equatable {
    /// The highest cosine between the input and any example of the label.
    case nearestNeighbour
    /// The cosine between the input and the normalised mean of the label's examples.
    case centroid
  }

  /// The labels, sorted.
  public let labels: [String]
  /// The embedding length.
  public let dimension: Int
  /// The scoring rule.
  public let scoring: Scoring
  /// Scores below this are "none of these".
  public var threshold: Float

  // One unit-length prototype per example (nearestNeighbour) or per label (centroid).
  private let prototypes: [(labelIndex: Int, vector: [Float])]

  /// Builds a classifier from embedded examples.
  ///
  /// - Throws: `EmbeddingClassifierError` when there are no examples or their lengths differ.
  public init(
    examples: [(label: String, embedding: [Float])], scoring: Scoring = .nearestNeighbour,
    threshold: Float = 0
  ) throws(EmbeddingClassifierError) {
    guard let first = examples.first else { throw .noExamples }
    dimension = first.embedding.count
    for (index, example) in examples.enumerated() where example.embedding.count != dimension {
      throw .dimensionMismatch(
        expected: dimension, actual: example.embedding.count, context: "example \(index) ('\(example.label)')"
      )
    }
    labels = Set(examples.map(\.label)).sorted()
    let labelIndex = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
    switch scoring {
    case .nearestNeighbour:
      prototypes = examples.compactMap { example in
        labelIndex[example.label].map { ($0, Self.normalized(example.embedding)) }
      }
    case .centroid:
      var sums = [[Float]](repeating: [Float](repeating: 0, count: dimension), count: labels.count)
      for example in examples {
        guard let index = labelIndex[example.label] else { continue }
        let unit = Self.normalized(example.embedding)
        for d in 0..<dimension { sums[index][d] += unit[d] }
      }
      prototypes = sums.enumerated().map { ($0, Self.normalized($1)) }
    }
    self.scoring = scoring
    self.threshold = threshold
  }

  /// Embeds `examples` with `embedder` and builds a classifier from them.
  public init(
    embedder: some SentenceEmbedder, examples: [LabelledText], scoring: Scoring = .nearestNeighbour,
    threshold: Float = 0
  ) throws {
    let embeddings = try embedder.embed(examples.map(\.text))
    guard embeddings.count == examples.count else {
      throw EmbeddingClassifierError.countMismatch(texts: examples.count, embeddings: embeddings.count)
    }
    try self.init(
      examples: zip(examples, embeddings).map { ($0.label, $1) }, scoring: scoring, threshold: threshold)
  }

  /// The best label for `embedding`, its score, the runner-up and whether it is "none".
  public func classify(_ embedding: [Float]) throws(EmbeddingClassifierError) -> EmbeddingClassification {
    guard embedding.count == dimension else {
      throw .dimensionMismatch(expected: dimension, actual: embedding.count, context: "input")
    }
    let input = Self.normalized(embedding)
    var best = [Float](repeating: -.infinity, count: labels.count)
    for prototype in prototypes {
      var dot: Float = 0
      for d in 0..<dimension { dot += input[d] * prototype.vector[d] }
      best[prototype.labelIndex] = max(best[prototype.labelIndex], dot)
    }
    let ranked = best.indices.sorted { best[$0] > best[$1] || (best[$0] == best[$1] && $0 < $1) }
    let top = ranked[0]
    let second = ranked.count > 1 ? (labels[ranked[1]], best[ranked[1]]) : nil
    return EmbeddingClassification(
      label: labels[top], score: best[top], runnerUp: second, isNone: best[top] < threshold)
  }

  /// Picks the threshold that maximises balanced accuracy on held-out embeddings: in-scope
  /// examples count as right when accepted with their own label, out-of-scope ones when rejected.
  /// Ties go to the candidate with the widest margin (the midpoint between neighbouring scores).
  public func calibrate(
    inScope: [(label: String, embedding: [Float])], outOfScope: [[Float]]
  ) throws(EmbeddingClassifierError) -> ThresholdCalibration {
    var scored: [(score: Float, correct: Bool)] = []
    for example in inScope {
      let result = try classify(example.embedding)
      scored.append((result.score, result.label == example.label))
    }
    var rejected: [Float] = []
    for embedding in outOfScope { rejected.append(try classify(embedding).score) }
    return Self.calibrate(inScope: scored, outOfScope: rejected)
  }

  /// The calibration rule on bare scores, for any classifier that reports a best score.
  public static func calibrate(inScope: [(score: Float, correct: Bool)], outOfScope: [Float])
    -> ThresholdCalibration
  {
    let scores = Set(inScope.map(\.score) + outOfScope).sorted()
    guard let lowest = scores.first, let highest = scores.last else {
      return ThresholdCalibration(threshold: 0, inScopeAccuracy: 1, outOfScopeRejection: 1)
    }
    var candidates = [lowest - calibrationEdge]
    for (low, high) in zip(scores, scores.dropFirst()) { candidates.append((low + high) / 2) }
    candidates.append(highest + calibrationEdge)
    var best = ThresholdCalibration(threshold: 0, inScopeAccuracy: 0, outOfScopeRejection: 0)
    var bestMargin: Float = -1
    for candidate in candidates {
      let accepted = inScope.filter { $0.correct && $0.score >= candidate }.count
      let rejected = outOfScope.filter { $0 < candidate }.count
      let result = ThresholdCalibration(
        threshold: candidate,
        inScopeAccuracy: inScope.isEmpty ? 1 : Double(accepted) / Double(inScope.count),
        outOfScopeRejection: outOfScope.isEmpty ? 1 : Double(rejected) / Double(outOfScope.count))
      let margin = scores.map { abs($0 - candidate) }.min() ?? 0
      if result.balancedAccuracy > best.balancedAccuracy
        || (result.balancedAccuracy == best.balancedAccuracy && margin > bestMargin)
      {
        best = result
        bestMargin = margin
      }
    }
    return best
  }

  /// How far below the lowest (or above the highest) score the outermost calibration candidates lie.
  public static let calibrationEdge: Float = 0.01

  private static func normalized(_ vector: [Float]) -> [Float] {
    var squares: Float = 0
    for value in vector { squares += value * value }
    let norm = squares.squareRoot()
    return norm > 0 ? vector.map { $0 / norm } : vector
  }
}
