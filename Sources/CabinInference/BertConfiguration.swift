public import Foundation

/// The hyper-parameters of a BERT encoder, as its `config.json` states them.
public struct BertConfiguration: Sendable, Equatable, Codable {
  /// Number of rows of the word-embedding table (`vocab_size`).
  public var vocabularySize: Int
  /// Width of every hidden state (`hidden_size`).
  public var hiddenSize: Int
  /// Number of transformer layers (`num_hidden_layers`).
  public var layerCount: Int
  /// Number of attention heads per layer (`num_attention_heads`); divides `hiddenSize`.
  public var headCount: Int
  /// Width of the feed-forward layer (`intermediate_size`).
  public var intermediateSize: Int
  /// Longest sequence the position embeddings cover (`max_position_embeddings`).
  public var maxPositions: Int
  /// Number of token-type (segment) embeddings (`type_vocab_size`).
  public var typeVocabularySize: Int
  /// Epsilon of every layer normalisation (`layer_norm_eps`).
  public var layerNormEpsilon: Float
  /// The feed-forward activation (`hidden_act`); only `gelu` (the exact erf form) is supported.
  public var activation: String

  enum CodingKeys: String, CodingKey {
    case vocabularySize = "vocab_size"
    case hiddenSize = "hidden_size"
    case layerCount = "num_hidden_layers"
    case headCount = "num_attention_heads"
    case intermediateSize = "intermediate_size"
    case maxPositions = "max_position_embeddings"
    case typeVocabularySize = "type_vocab_size"
    case layerNormEpsilon = "layer_norm_eps"
    case activation = "hidden_act"
  }

  /// A configuration from its values; call `validate(source:)` before building a model from it.
  public init(
    vocabularySize: Int, hiddenSize: Int, layerCount: Int, headCount: Int, intermediateSize: Int,
    maxPositions: Int, typeVocabularySize: Int = 2, layerNormEpsilon: Float = 1e-12,
    activation: String = "gelu"
  ) {
    self.vocabularySize = vocabularySize
    self.hiddenSize = hiddenSize
    self.layerCount = layerCount
    self.headCount = headCount
    self.intermediateSize = intermediateSize
    self.maxPositions = maxPositions
    self.typeVocabularySize = typeVocabularySize
    self.layerNormEpsilon = layerNormEpsilon
    self.activation = activation
  }

  /// Reads and validates a `config.json`.
  public init(url: URL) throws(ModelFileError) {
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw .unreadable(file: url.path, reason: "cannot read the model configuration")
    }
    do {
      self = try JSONDecoder().decode(Self.self, from: data)
    } catch {
      throw .invalidContent(file: url.path, line: nil, reason: "not a BERT configuration: \(error)")
    }
    try validate(source: url.path)
  }

  /// Checks that every size is positive, heads divide the width, and the activation is supported.
  public func validate(source: String) throws(ModelFileError) {
    let sizes = [
      ("vocab_size", vocabularySize), ("hidden_size", hiddenSize), ("num_hidden_layers", layerCount),
      ("num_attention_heads", headCount), ("intermediate_size", intermediateSize),
      ("max_position_embeddings", maxPositions), ("type_vocab_size", typeVocabularySize),
    ]
    for (key, value) in sizes where value <= 0 || value > 1 << 20 {
      throw .invalidContent(file: source, line: nil, reason: "\(key) is \(value), expected 1...\(1 << 20)")
    }
    guard hiddenSize % headCount == 0 else {
      throw .invalidContent(
        file: source, line: nil,
        reason: "hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(headCount)")
    }
    guard activation == "gelu" else {
      throw .invalidContent(
        file: source, line: nil, reason: "hidden_act '\(activation)' is not supported (only gelu)")
    }
    guard layerNormEpsilon.isFinite, layerNormEpsilon > 0 else {
      throw .invalidContent(file: source, line: nil, reason: "layer_norm_eps must be positive")
    }
  }
}
