import CabinInference
import Foundation
import Testing

@Suite("WordPiece tokenizer")
struct WordPieceTokenizerTests {
  struct Cases: Decodable {
    struct Case: Decodable {
      let text: String
      let maxLength: Int
      let ids: [Int32]
      let tokens: [String]
    }
    let cases: [Case]
  }

  @Test("ids equal Hugging Face tokenizers' on tricky input (units, apostrophes, accents, emoji, CJK, long)")
  func matchesReferenceTokenizer() throws {
    let vocabulary = try TestSupport.modelDirectory().appendingPathComponent("vocab.txt")
    let fixture = try TestSupport.fixture("tokenizer-cases.json", as: Cases.self)
    #expect(fixture.cases.count >= 20)
    for item in fixture.cases {
      let tokenizer = try WordPieceTokenizer(vocabularyURL: vocabulary, maxLength: item.maxLength)
      let ids = tokenizer.encode(item.text)
      #expect(
        ids == item.ids,
        "\(item.text.debugDescription): got \(tokenizer.tokens(for: ids)), expected \(item.tokens)")
    }
  }

  private let tiny = try? WordPieceTokenizer(
    vocabulary: [
      "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "cafe", "21", "##°", "##c", "'",
      "s",
      "it", "中", ".",
    ], maxLength: 32)

  private func tokens(_ text: String) throws -> [String] {
    let tokenizer = try #require(tiny)
    return tokenizer.tokens(for: tokenizer.encode(text))
  }

  @Test("greedy longest-match word pieces, continuation prefix and unknown words")
  func wordPieces() throws {
    #expect(try tokens("unaffable") == ["[CLS]", "un", "##aff", "##able", "[SEP]"])
    #expect(try tokens("unaffablex") == ["[CLS]", "[UNK]", "[SEP]"])
    #expect(try tokens("21°C") == ["[CLS]", "21", "##°", "##c", "[SEP]"])
  }

  @Test("lower-casing, accent stripping, punctuation splitting and CJK isolation")
  func normalisation() throws {
    #expect(try tokens("CAFÉ") == ["[CLS]", "cafe", "[SEP]"])
    #expect(try tokens("it's.") == ["[CLS]", "it", "'", "s", ".", "[SEP]"])
    #expect(try tokens("it中it") == ["[CLS]", "it", "中", "it", "[SEP]"])
    #expect(try tokens("\u{0}it\u{200B}s\u{7}") == ["[CLS]", "[UNK]", "[SEP]"])
    #expect(try tokens(" \t\n") == ["[CLS]", "[SEP]"])
  }

  @Test("regression: unassigned scalars were dropped like control characters instead of making [UNK]")
  func keepsUnassignedScalars() throws {
    #expect(try tokens("it\u{0378}s") == ["[CLS]", "[UNK]", "[SEP]"])
    #expect(try tokens("it\u{E000}s") == ["[CLS]", "[UNK]", "[SEP]"])
    #expect(try tokens("it \u{E000}s") == ["[CLS]", "it", "s", "[SEP]"])
  }

  @Test("literal special tokens are kept; truncation keeps [CLS] and [SEP]")
  func specialsAndTruncation() throws {
    #expect(try tokens("it[MASK]s") == ["[CLS]", "it", "[MASK]", "s", "[SEP]"])
    let short = try WordPieceTokenizer(vocabulary: ["[UNK]", "[CLS]", "[SEP]", "it"], maxLength: 4)
    #expect(short.encode("it it it it it") == [1, 3, 3, 2])
    #expect(short.encode(String(repeating: "it ", count: 10_000)).count == 4)
  }

  @Test("a vocabulary without [UNK] or with a repeated token, and maxLength below 2, are rejected")
  func rejectsBadVocabulary() {
    #expect(throws: ModelFileError.invalidContent(file: "v", line: nil, reason: "vocabulary lacks [UNK]")) {
      try WordPieceTokenizer(vocabulary: ["[CLS]", "[SEP]"], maxLength: 8, source: "v")
    }
    #expect(throws: ModelFileError.invalidContent(file: "v", line: 4, reason: "token 'a' appears twice")) {
      try WordPieceTokenizer(vocabulary: ["[UNK]", "[CLS]", "a", "a", "[SEP]"], maxLength: 8, source: "v")
    }
    #expect(throws: ModelFileError.self) {
      try WordPieceTokenizer(vocabulary: ["[UNK]", "[CLS]", "[SEP]"], maxLength: 1)
    }
  }
}
