import Foundation
import IntentUnderstanding
import Testing

@Suite struct JSGFGeneratorTests {
  static let dictionary = URL(fileURLWithPath: "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict")

  @Test func grammarHasHeaderAndEveryReferencedRuleIsDefined() throws {
    let speech = JSGFGenerator.generate(try Support.grammar(), contacts: Support.contacts)
    let lines = speech.text.split(separator: "\n").map(String.init)
    #expect(lines.first == "#JSGF V1.0;")
    #expect(lines.contains("grammar cabin;"))
    #expect(lines.contains { $0.hasPrefix("public <command> = ") })
    let definitions = lines.compactMap { line -> String? in
      guard line.hasPrefix("<"), let end = line.firstIndex(of: ">") else { return nil }
      return String(line[..<line.index(after: end)])
    }
    let defined = Set(definitions)
    #expect(defined.count == definitions.count, "a rule is defined twice (pocketsphinx warns)")
    var referenced: Set<String> = []
    for line in lines where !line.hasPrefix("#") {
      var rest = Substring(line.split(separator: "=", maxSplits: 1).last ?? "")
      while let open = rest.firstIndex(of: "<"), let close = rest[open...].firstIndex(of: ">") {
        referenced.insert(String(rest[open...close]))
        rest = rest[rest.index(after: close)...]
      }
    }
    #expect(referenced.subtracting(defined).subtracting(["<VOID>"]).isEmpty)
  }

  /// Regression: the speech grammar was reported to hold `<number> = <number>;`, a rule naming only
  /// itself. pocketsphinx keeps the first definition of a name and such a rule matches nothing, so every
  /// number slot could be skipped ("set the temperature to degree on the"); SpeechRecognition carried
  /// a text repair for it. No generated rule may refer to itself.
  @Test func noRuleRefersToItself() throws {
    for contacts in [[], Support.contacts] {
      let speech = JSGFGenerator.generate(try Support.grammar(), contacts: contacts)
      for line in speech.text.split(separator: "\n") where line.hasPrefix("<") {
        let parts = line.split(separator: "=", maxSplits: 1)
        try #require(parts.count == 2, "\(line)")
        let name = parts[0].trimmingCharacters(in: .whitespaces)
        #expect(!parts[1].contains(name), "\(line)")
      }
      #expect(speech.text.contains("<slot_number> = <number>;"))
      #expect(speech.text.contains("\n<number> = (zero | "))
    }
  }

  @Test func wordsAreLowerCaseWithoutPunctuationAndOpenSlotsAreLeftOutAndMarked() throws {
    let speech = JSGFGenerator.generate(try Support.grammar(), contacts: Support.contacts)
    #expect(speech.words.allSatisfy { $0.allSatisfy { $0.isASCII && $0.isLowercase && $0.isLetter } })
    #expect(speech.omitted.contains { $0.hasPrefix("navigation.navigate: ") && $0.hasSuffix("(open slot)") })
    #expect(speech.omitted.filter { $0.hasPrefix("none: ") }.allSatisfy { $0.hasSuffix("(out of scope)") })
    #expect(speech.omitted.contains { $0.hasPrefix("none: ") })
    #expect(!speech.text.contains("{"))
    #expect(speech.text.contains("<slot_contact> = (anna berg)"))
    #expect(speech.text.contains("<list_zone> = "))
  }

  @Test func withoutContactsContactTemplatesAreLeftOut() throws {
    let speech = JSGFGenerator.generate(try Support.grammar())
    #expect(!speech.text.contains("<slot_contact>"))
    #expect(speech.omitted.contains { $0.hasSuffix("(no contacts)") })
  }

  @Test(.enabled(if: FileManager.default.fileExists(atPath: dictionary.path)))
  func withThePocketsphinxDictionaryOnlyKnownWordsRemain() throws {
    let text = try String(contentsOf: Self.dictionary, encoding: .utf8)
    let vocabulary = Set(
      text.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) })
    let speech = JSGFGenerator.generate(
      try Support.grammar(), contacts: Support.contacts, vocabulary: vocabulary)
    #expect(speech.words.isSubset(of: vocabulary), "\(speech.words.subtracting(vocabulary).sorted())")
    #expect(speech.unknownWords.contains("aircon"))
  }
}
