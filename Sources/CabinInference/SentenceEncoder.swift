public import Foundation

/// Token input that the encoder cannot run.
public enum EncoderInputError: Error, Equatable, CustomStringConvertible {
  /// Sequence `sequence` holds token id `id`, outside `0..<vocabularySize`.
  case tokenOutOfRange(sequence: Int, id: Int32, vocabularySize: Int)
  /// Sequence `sequence` has `length` tokens; the model takes 1 to `maximum`.
  case badLength(sequence: Int, length: Int, maximum: Int)

  /// A one-line message naming the sequence and the rule.
  public var description: String {
    switch self {
    case .tokenOutOfRange(let sequence, let id, let size):
      "sequence \(sequence): token id \(id) is outside the vocabulary (0..<\(size))"
    case .badLength(let sequence, let length, let maximum):
      "sequence \(sequence): \(length) tokens, the model takes 1...\(maximum)"
    }
  }
}

/// A BERT sentence encoder (first model: all-MiniLM-L6-v2) running on the CPU: WordPiece
/// tokenizer, forward pass with F32 activations, mean pooling, L2 normalisation.
///
/// The linear layers' weights are half floats by default (`EncoderPrecision.float16`, converted
/// while loading): on all-MiniLM-L6-v2 the embeddings keep cosine >= 0.99999 with the F32 weights
/// (worst 0.9999996 over 50 varied sentences, single and batched), and a 12-token utterance takes
/// about 5.5 ms instead of 13 ms on the 2-core bench under load (cabin-bench-encoder), because the
/// 21 MB of half-float weights stay in L3 where the 42 MB of F32 weights stream from DRAM.
/// `.float32` runs the original OpenBLAS path.
///
/// A model directory holds `config.json`, `vocab.txt` and `model.safetensors` (see
/// `Config/models/` and `scripts/install-models.sh`). The weights are memory-mapped. `embed` is
/// safe to call from several threads at once; each call uses both cores.
public final class SentenceEncoder: SentenceEmbedder {
  /// The longest token sequence the sentence-transformers configuration of MiniLM uses.
  public static let defaultMaxLength = 256
  /// Tokens per forward pass when embedding many texts; bounds the scratch memory (about 40 MB).
  public static let tokensPerPass = 2048

  /// The width of the embeddings (384 for MiniLM-L6).
  public let dimension: Int
  /// The tokenizer, with its truncation length.
  public let tokenizer: WordPieceTokenizer
  /// The model's configuration.
  public var configuration: BertConfiguration { model.configuration }

  /// The precision of the linear layers' weights.
  public var precision: EncoderPrecision { model.precision }

  private let model: BertModel

  /// Loads the model in `modelDirectory`, truncating texts to 256 tokens.
  public convenience init(modelDirectory: URL, precision: EncoderPrecision = .float16) throws {
    try self.init(modelDirectory: modelDirectory, maxLength: Self.defaultMaxLength, precision: precision)
  }

  /// Loads the model in `modelDirectory`, truncating texts to `maxLength` tokens, with the linear
  /// layers' weights in `precision` (quantised while loading).
  ///
  /// - Throws: `ModelFileError` naming the file and the tensor, key or line that is missing,
  ///   truncated, of the wrong dtype or of the wrong shape.
  public init(modelDirectory: URL, maxLength: Int, precision: EncoderPrecision = .float16) throws {
    let configuration = try BertConfiguration(url: modelDirectory.appendingPathComponent("config.json"))
    let vocabularyURL = modelDirectory.appendingPathComponent("vocab.txt")
    guard maxLength <= configuration.maxPositions else {
      throw ModelFileError.invalidContent(
        file: modelDirectory.appendingPathComponent("config.json").path, line: nil,
        reason: "maxLength \(maxLength) exceeds max_position_embeddings \(configuration.maxPositions)")
    }
    tokenizer = try WordPieceTokenizer(vocabularyURL: vocabularyURL, maxLength: maxLength)
    guard tokenizer.vocabularySize == configuration.vocabularySize else {
      throw ModelFileError.invalidContent(
        file: vocabularyURL.path, line: nil,
        reason:
          "\(tokenizer.vocabularySize) tokens, config.json says vocab_size \(configuration.vocabularySize)")
    }
    let weights = try SafetensorsFile(url: modelDirectory.appendingPathComponent("model.safetensors"))
    model = try BertModel(configuration: configuration, file: weights, precision: precision)
    dimension = configuration.hiddenSize
  }

  /// Embeds `texts`: unit-length vectors of `dimension` floats, one per text.
  public func embed(_ texts: [String]) throws -> [[Float]] {
    try embed(tokenIDs: texts.map(tokenizer.encode))
  }

  /// Embeds already tokenised sequences (each with its `[CLS]` and `[SEP]`).
  ///
  /// - Throws: `EncoderInputError` for an id outside the vocabulary or a bad length.
  public func embed(tokenIDs sequences: [[Int32]]) throws -> [[Float]] {
    let configuration = model.configuration
    for (index, sequence) in sequences.enumerated() {
      guard (1...configuration.maxPositions).contains(sequence.count) else {
        throw EncoderInputError.badLength(
          sequence: index, length: sequence.count, maximum: configuration.maxPositions)
      }
      if let bad = sequence.first(where: { $0 < 0 || Int($0) >= configuration.vocabularySize }) {
        throw EncoderInputError.tokenOutOfRange(
          sequence: index, id: bad, vocabularySize: configuration.vocabularySize)
      }
    }
    var result: [[Float]] = []
    result.reserveCapacity(sequences.count)
    var start = 0
    while start < sequences.count {
      var end = start
      var tokens = 0
      while end < sequences.count, end == start || tokens + sequences[end].count <= Self.tokensPerPass {
        tokens += sequences[end].count
        end += 1
      }
      result += model.embed(Array(sequences[start..<end]))
      start = end
    }
    return result
  }
}
