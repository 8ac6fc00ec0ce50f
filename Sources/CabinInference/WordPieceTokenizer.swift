public import Foundation

/// BERT's uncased WordPiece tokenizer, matching Hugging Face `tokenizers` for BERT-uncased models
/// (`BertNormalizer` with lower-casing, `BertPreTokenizer`, `WordPiece`, `[CLS] … [SEP]` template).
///
/// Steps, all on Unicode scalars as the reference works on Rust `char`s:
/// 1. The special tokens (`[CLS]`, `[SEP]`, `[UNK]`, `[MASK]`, `[PAD]`) written literally in the
///    text are kept as themselves, as the reference's added-token matching does.
/// 2. Clean: drop NUL, U+FFFD and control, format and private-use scalars
///    except tab, newline and carriage return; turn every white space into a space.
///    Unassigned scalars are kept (they become `[UNK]`), as the reference keeps them.
/// 3. Put spaces around CJK ideographs, so each becomes its own word.
/// 4. Strip accents (canonical decomposition, then drop non-spacing marks) and lower-case.
/// 5. Split on white space and split off every punctuation scalar (ASCII punctuation and the
///    Unicode `P*` categories) as its own word.
/// 6. Greedy longest-match-first WordPiece per word, continuation pieces prefixed `##`; a word
///    that cannot be covered, or is longer than 100 scalars, becomes `[UNK]`.
/// 7. Truncate to `maxLength - 2` pieces and wrap in `[CLS]` and `[SEP]`.
public struct WordPieceTokenizer: Sendable {
  /// The special tokens the template and the vocabulary file use.
  public static let specialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
  /// Words longer than this (in Unicode scalars) become `[UNK]`.
  public static let maximumWordLength = 100

  /// The longest sequence `encode` returns, `[CLS]` and `[SEP]` included.
  public let maxLength: Int
  /// The size of the vocabulary; ids are below it.
  public var vocabularySize: Int { tokens.count }

  private let ids: [String: Int32]
  private let tokens: [String]
  private let specials: [(scalars: [Unicode.Scalar], id: Int32)]
  private let unknownID: Int32
  private let classID: Int32
  private let separatorID: Int32

  /// Builds a tokenizer from a vocabulary given as tokens in id order.
  ///
  /// - Throws: `ModelFileError.invalidContent` when a token repeats or `[UNK]`, `[CLS]` or `[SEP]`
  ///   is missing, or `maxLength` is below 2; `source` names the vocabulary in the message.
  public init(vocabulary: [String], maxLength: Int, source: String = "vocabulary") throws(ModelFileError) {
    guard maxLength >= 2 else {
      throw .invalidContent(
        file: source, line: nil, reason: "maxLength \(maxLength) leaves no room for [CLS] and [SEP]")
    }
    var ids: [String: Int32] = [:]
    for (index, token) in vocabulary.enumerated() {
      guard ids.updateValue(Int32(index), forKey: token) == nil else {
        throw .invalidContent(file: source, line: index + 1, reason: "token '\(token)' appears twice")
      }
    }
    func required(_ token: String) throws(ModelFileError) -> Int32 {
      guard let id = ids[token] else {
        throw .invalidContent(file: source, line: nil, reason: "vocabulary lacks \(token)")
      }
      return id
    }
    unknownID = try required("[UNK]")
    classID = try required("[CLS]")
    separatorID = try required("[SEP]")
    specials = Self.specialTokens.compactMap { token in ids[token].map { (Array(token.unicodeScalars), $0) } }
    self.ids = ids
    tokens = vocabulary
    self.maxLength = maxLength
  }

  /// Loads a `vocab.txt` (one token per line, the line number minus one is its id).
  public init(vocabularyURL: URL, maxLength: Int) throws(ModelFileError) {
    let text: String
    do {
      text = try String(contentsOf: vocabularyURL, encoding: .utf8)
    } catch {
      throw .unreadable(file: vocabularyURL.path, reason: "not readable as UTF-8 text")
    }
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
      String($0.hasSuffix("\r") ? $0.dropLast() : $0)
    }
    if lines.last == "" { lines.removeLast() }
    try self.init(vocabulary: lines, maxLength: maxLength, source: vocabularyURL.path)
  }

  /// The token ids of `text`: `[CLS]`, at most `maxLength - 2` word pieces, `[SEP]`.
  public func encode(_ text: String) -> [Int32] {
    var pieces: [Int32] = []
    let budget = maxLength - 2
    let scalars = Array(text.unicodeScalars)
    var segmentStart = 0
    var index = 0
    while index < scalars.count, pieces.count < budget {
      guard let special = specialToken(in: scalars, at: index) else {
        index += 1
        continue
      }
      appendWordPieces(of: scalars[segmentStart..<index], to: &pieces)
      pieces.append(special.id)
      index += special.length
      segmentStart = index
    }
    if pieces.count < budget {
      appendWordPieces(of: scalars[segmentStart...], to: &pieces)
    }
    return [classID] + pieces.prefix(budget) + [separatorID]
  }

  /// The token strings for `ids`, for messages and debugging; unknown ids print as `[UNK]`.
  public func tokens(for ids: [Int32]) -> [String] {
    ids.map { tokens.indices.contains(Int($0)) ? tokens[Int($0)] : "[UNK]" }
  }

  private func specialToken(in scalars: [Unicode.Scalar], at index: Int) -> (id: Int32, length: Int)? {
    guard scalars[index] == "[" else { return nil }
    for special in specials where scalars[index...].starts(with: special.scalars) {
      return (special.id, special.scalars.count)
    }
    return nil
  }

  private func appendWordPieces(of segment: ArraySlice<Unicode.Scalar>, to pieces: inout [Int32]) {
    guard !segment.isEmpty else { return }
    for word in Self.words(in: Self.normalize(segment)) {
      appendPieces(of: word, to: &pieces)
      if pieces.count >= maxLength - 2 { return }
    }
  }

  private func appendPieces(of word: [Unicode.Scalar], to pieces: inout [Int32]) {
    guard word.count <= Self.maximumWordLength else {
      pieces.append(unknownID)
      return
    }
    var found: [Int32] = []
    var start = 0
    while start < word.count {
      var end = word.count
      var match: Int32?
      while end > start {
        var candidate = start > 0 ? "##" : ""
        candidate.unicodeScalars.append(contentsOf: word[start..<end])
        if let id = ids[candidate] {
          match = id
          break
        }
        end -= 1
      }
      guard let match else {
        pieces.append(unknownID)
        return
      }
      found.append(match)
      start = end
    }
    pieces.append(contentsOf: found)
  }

  static func normalize(_ input: ArraySlice<Unicode.Scalar>) -> [Unicode.Scalar] {
    var cleaned = String.UnicodeScalarView()
    for scalar in input {
      if scalar.value == 0 || scalar.value == 0xFFFD || isOther(scalar) { continue }
      if scalar.properties.isWhitespace {
        cleaned.append(" ")
      } else if isCJK(scalar) {
        cleaned.append(" ")
        cleaned.append(scalar)
        cleaned.append(" ")
      } else {
        cleaned.append(scalar)
      }
    }
    var result: [Unicode.Scalar] = []
    for scalar in String(cleaned).decomposedStringWithCanonicalMapping.unicodeScalars
    where scalar.properties.generalCategory != .nonspacingMark {
      result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
    }
    return result
  }

  static func words(in scalars: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
    var words: [[Unicode.Scalar]] = []
    var current: [Unicode.Scalar] = []
    for scalar in scalars {
      if scalar.properties.isWhitespace {
        if !current.isEmpty { words.append(current) }
        current = []
      } else if isPunctuation(scalar) {
        if !current.isEmpty { words.append(current) }
        words.append([scalar])
        current = []
      } else {
        current.append(scalar)
      }
    }
    if !current.isEmpty { words.append(current) }
    return words
  }

  private static func isOther(_ scalar: Unicode.Scalar) -> Bool {
    if scalar == "\t" || scalar == "\n" || scalar == "\r" { return false }
    switch scalar.properties.generalCategory {
    case .control, .format, .privateUse, .surrogate: return true
    default: return false
    }
  }

  private static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 33...47, 58...64, 91...96, 123...126: return true
    default: break
    }
    switch scalar.properties.generalCategory {
    case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
      .initialPunctuation, .finalPunctuation, .otherPunctuation:
      return true
    default:
      return false
    }
  }

  // The CJK Unified Ideographs blocks and extensions, as BERT's original tokenizer defines them.
  private static func isCJK(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
      0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
      return true
    default:
      return false
    }
  }
}
