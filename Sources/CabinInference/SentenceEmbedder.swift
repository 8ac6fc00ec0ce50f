/// Turns sentences into fixed-size vectors whose cosine similarity reflects meaning.
public protocol SentenceEmbedder: Sendable {
  /// The length of every embedding.
  var dimension: Int { get }
  /// One embedding per text, in order; each of length `dimension`.
  func embed(_ texts: [String]) throws -> [[Float]]
}
