import COpenBLAS
public import CabinInference
public import Foundation

/// A sentence the project wrote for an intent (or for `none`), used by stage 2.
public struct IntentExample: Sendable, Codable, Equatable {
  /// The catalog intent, or `none` for an out-of-scope example.
  public var intent: String
  /// The sentence.
  public var text: String

  /// Creates an example.
  public init(intent: String, text: String) {
    self.intent = intent
    self.text = text
  }

  /// Parses an examples file: a line `intent NAME` opens a block, indented lines are its sentences,
  /// `#` starts a comment. `NAME` must be in the catalog or be `none`.
  public static func parse(
    _ source: String, file: String = "<examples>", catalog: IntentCatalog = .v1
  ) throws -> [IntentExample] {
    var examples: [IntentExample] = []
    var current: String?
    for (offset, rawLine) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = String(
        rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty { continue }
      if line.first == " " || line.first == "\t" {
        guard let intent = current else {
          throw GrammarError(file: file, line: offset + 1, message: "example outside an 'intent' block")
        }
        examples.append(IntentExample(intent: intent, text: trimmed))
      } else {
        let words = trimmed.split(separator: " ").map(String.init)
        guard words.count == 2, words[0] == "intent",
          words[1] == IntentCatalog.none || catalog.entry(words[1]) != nil
        else {
          throw GrammarError(
            file: file, line: offset + 1, message: "expected 'intent NAME' with a catalog intent or 'none'")
        }
        current = words[1]
      }
    }
    return examples
  }

  /// Reads and parses an examples file.
  public static func load(contentsOf url: URL, catalog: IntentCatalog = .v1) throws -> [IntentExample] {
    let text: String
    do {
      text = try String(contentsOf: url, encoding: .utf8)
    } catch {
      throw GrammarError(file: url.path, line: 0, message: "cannot read examples file: \(error)")
    }
    return try parse(text, file: url.lastPathComponent, catalog: catalog)
  }
}

/// An error from stage 2.
public enum ClassifierError: Error, Equatable, CustomStringConvertible {
  /// The embedder returned a vector of the wrong length or the wrong number of vectors.
  case badEmbedding(expectedDimension: Int, expectedCount: Int, gotDimension: Int, gotCount: Int)
  /// No examples were given.
  case noExamples

  /// A readable description naming the rule broken.
  public var description: String {
    switch self {
    case .badEmbedding(let dimension, let count, let gotDimension, let gotCount):
      "embedder must return \(count) vectors of \(dimension) floats, returned \(gotCount) of \(gotDimension)"
    case .noExamples: "the nearest-neighbour classifier needs at least one example"
    }
  }
}

/// Stage 2: nearest neighbours over the project's example sentences, with a calibrated `none` threshold.
///
/// Examples labelled `none` take part as neighbours. The `k` nearest examples vote for an intent,
/// weighted by similarity; the winner's score is its closest example's similarity, blended with the
/// similarity to the centroid of all its examples (`centroidWeight`), so that one lucky neighbour
/// counts less than closeness to the intent as a whole. Below the `none` threshold the answer is
/// `none`. Without a given threshold it is chosen by leave-one-out over the examples: each example
/// is classified by the others, and the score below which an answer becomes `none` is the one that
/// gets the most examples right.
public struct NearestNeighbourClassifier: Sendable {
  /// The decision for one sentence.
  public struct Decision: Sendable, Equatable {
    /// The intent, or `none`.
    public var intent: String
    /// How sure the classifier is, from 0 to 1.
    public var confidence: Double
    /// The chosen intent's score: cosine similarity to its closest example, blended with the
    /// similarity to its centroid.
    public var similarity: Float
  }

  /// Below this score the answer is `none`.
  public let noneThreshold: Float
  /// The share of an intent's score that comes from its centroid, from 0 (closest example only) to 1.
  public var centroidWeight: Float { neighbourhood.centroidWeight }
  /// How many neighbours vote.
  public var neighbours: Int { neighbourhood.neighbours }
  private let embedder: any SentenceEmbedder
  private let neighbourhood: Neighbourhood

  /// Embeds the examples and calibrates the `none` threshold (unless one is given).
  public init(
    examples: [IntentExample], embedder: any SentenceEmbedder, neighbours: Int = 5,
    centroidWeight: Float = 0, noneThreshold: Float? = nil
  ) throws {
    guard !examples.isEmpty else { throw ClassifierError.noExamples }
    self.embedder = embedder
    let labels = examples.map(\.intent)
    let vectors = try Self.embedNormalised(examples.map(\.text), with: embedder)
    neighbourhood = Neighbourhood(
      labels: labels, vectors: vectors.flatMap { $0 }, dimension: embedder.dimension,
      centroids: Self.centroids(labels: labels, vectors: vectors), neighbours: max(1, neighbours),
      centroidWeight: min(1, max(0, centroidWeight)))
    self.noneThreshold = noneThreshold ?? neighbourhood.calibrate()
  }

  /// Classifies one sentence.
  public func classify(_ text: String) throws -> Decision {
    let vector = try Self.embedNormalised([text], with: embedder)[0]
    let vote = neighbourhood.vote(for: vector)
    if vote.label == IntentCatalog.none || vote.similarity < noneThreshold {
      let margin = Double(noneThreshold - vote.similarity) / Double(max(noneThreshold, 0.01))
      let confidence = vote.label == IntentCatalog.none ? Double(vote.similarity) : 0.5 + 0.5 * margin
      return Decision(
        intent: IntentCatalog.none, confidence: min(1, max(0.5, confidence)), similarity: vote.similarity)
    }
    let span = Double(max(1 - noneThreshold, 0.01))
    let confidence = 0.5 + 0.5 * Double(vote.similarity - noneThreshold) / span
    return Decision(intent: vote.label, confidence: min(1, confidence), similarity: vote.similarity)
  }

  private static func embedNormalised(_ texts: [String], with embedder: any SentenceEmbedder) throws
    -> [[Float]]
  {
    let raw = try embedder.embed(texts)
    let wrong = raw.first { $0.count != embedder.dimension }
    guard raw.count == texts.count, wrong == nil else {
      throw ClassifierError.badEmbedding(
        expectedDimension: embedder.dimension, expectedCount: texts.count,
        gotDimension: wrong?.count ?? embedder.dimension, gotCount: raw.count)
    }
    return raw.map { vector in
      let norm = dot(vector, vector).squareRoot()
      return norm > 0 ? vector.map { $0 / norm } : vector
    }
  }

  fileprivate static func dot(_ a: [Float], _ b: [Float]) -> Float {
    cblas_sdot(Int32(min(a.count, b.count)), a, 1, b, 1)
  }

  /// The normalised mean of each intent's example vectors.
  private static func centroids(labels: [String], vectors: [[Float]]) -> [String: [Float]] {
    var sums: [String: [Float]] = [:]
    for (label, vector) in zip(labels, vectors) {
      sums[label] = zip(sums[label] ?? [Float](repeating: 0, count: vector.count), vector).map { $0 + $1 }
    }
    return sums.mapValues { sum in
      let norm = dot(sum, sum).squareRoot()
      return norm > 0 ? sum.map { $0 / norm } : sum
    }
  }
}

/// The embedded examples and how they vote.
private struct Neighbourhood {
  let labels: [String]
  /// One normalised row of `dimension` floats per example.
  let vectors: [Float]
  let dimension: Int
  let centroids: [String: [Float]]
  let neighbours: Int
  let centroidWeight: Float

  /// Queries compared with every example at once in leave-one-out: one matrix product per block
  /// instead of a dot product per pair keeps calibration over thousands of examples to a moment.
  private static let calibrationBlock = 256

  /// The `k` nearest examples vote; the winner's score blends its closest example with its centroid.
  func vote(for vector: [Float]) -> (label: String, similarity: Float) {
    similarities(of: vector, queryCount: 1).withUnsafeBufferPointer {
      vote(for: vector, similarities: $0, excluding: nil)
    }
  }

  /// Cosine similarities of `queryCount` normalised rows in `queries` with every example, one row
  /// of `labels.count` per query.
  private func similarities(of queries: UnsafePointer<Float>, queryCount: Int) -> [Float] {
    let count = labels.count
    return [Float](unsafeUninitializedCapacity: queryCount * count) { buffer, initialised in
      cblas_sgemm(
        CblasRowMajor, CblasNoTrans, CblasTrans, Int32(queryCount), Int32(count), Int32(dimension),
        1, queries, Int32(dimension), vectors, Int32(dimension), 0, buffer.baseAddress, Int32(count))
      initialised = queryCount * count
    }
  }

  /// The vote of the `k` most similar examples but `excluding`.
  private func vote(
    for vector: UnsafePointer<Float>, similarities: UnsafeBufferPointer<Float>, excluding: Int?
  )
    -> (label: String, similarity: Float)
  {
    var top: [(index: Int, similarity: Float)] = []
    for (index, similarity) in similarities.enumerated() where index != excluding {
      if top.count < neighbours {
        top.append((index, similarity))
        top.sort { $0.similarity > $1.similarity }
      } else if let last = top.last, similarity > last.similarity {
        top[top.count - 1] = (index, similarity)
        top.sort { $0.similarity > $1.similarity }
      }
    }
    var weights: [String: Float] = [:]
    var best: [String: Float] = [:]
    for entry in top {
      let label = labels[entry.index]
      weights[label, default: 0] += max(entry.similarity, 0)
      best[label] = max(best[label] ?? -1, entry.similarity)
    }
    let winner = weights.max { lhs, rhs in lhs.value != rhs.value ? lhs.value < rhs.value : lhs.key > rhs.key
    }
    guard let label = winner?.key, let closest = best[label] else { return (IntentCatalog.none, 0) }
    guard centroidWeight > 0, label != IntentCatalog.none, let centroid = centroids[label] else {
      return (label, closest)
    }
    let toCentroid = cblas_sdot(Int32(dimension), centroid, 1, vector, 1)
    return (label, (1 - centroidWeight) * closest + centroidWeight * toCentroid)
  }

  /// Leave-one-out over the examples (centroids still include the example left out).
  func calibrate() -> Float {
    var outcomes: [(similarity: Float, label: String, truth: String)] = []
    outcomes.reserveCapacity(labels.count)
    vectors.withUnsafeBufferPointer { rows in
      guard let rows = rows.baseAddress else { return }
      for first in stride(from: 0, to: labels.count, by: Self.calibrationBlock) {
        let queryCount = min(Self.calibrationBlock, labels.count - first)
        let block = similarities(of: rows + first * dimension, queryCount: queryCount)
        block.withUnsafeBufferPointer { block in
          for offset in 0..<queryCount {
            let index = first + offset
            let row = UnsafeBufferPointer(
              rebasing: block[(offset * labels.count)..<((offset + 1) * labels.count)])
            let vote = vote(for: rows + index * dimension, similarities: row, excluding: index)
            outcomes.append((vote.similarity, vote.label, labels[index]))
          }
        }
      }
    }
    return Self.bestThreshold(outcomes)
  }

  /// The lowest score threshold that classifies the most outcomes right: below it an answer
  /// becomes `none`. One pass over the outcomes sorted by score: at each candidate, those below it
  /// count when their truth is `none`, those at or above it when their vote was right.
  static func bestThreshold(_ outcomes: [(similarity: Float, label: String, truth: String)]) -> Float {
    let sorted = outcomes.sorted { $0.similarity < $1.similarity }
    var rightAtOrAbove = sorted.reduce(0) { $0 + ($1.label == $1.truth ? 1 : 0) }
    var noneBelow = 0
    var bestThreshold: Float = 0.5
    var bestCorrect = -1
    for (index, outcome) in sorted.enumerated() {
      if index == 0 || outcome.similarity != sorted[index - 1].similarity,
        noneBelow + rightAtOrAbove > bestCorrect
      {
        bestCorrect = noneBelow + rightAtOrAbove
        bestThreshold = outcome.similarity
      }
      noneBelow += outcome.truth == IntentCatalog.none ? 1 : 0
      rightAtOrAbove -= outcome.label == outcome.truth ? 1 : 0
    }
    return bestThreshold
  }
}
