/// A speech grammar generated from the intent templates, in the JSGF dialect pocketsphinx 0.8 reads.
public struct SpeechGrammar: Sendable, Equatable {
  /// The grammar text (`#JSGF V1.0;` header, one rule per intent and list, one public rule).
  public var text: String
  /// Templates left out, each as `intent: template (reason)`: open slots such as destinations
  /// cannot be written as a finite grammar, a vocabulary may lack a word, and out-of-scope (`none`)
  /// templates are not commands.
  public var omitted: [String]
  /// Template words missing from the vocabulary given (their phrases were left out).
  public var unknownWords: Set<String>
  /// Every word the grammar uses.
  public var words: Set<String>
}

/// Writes the speech grammar from the same templates the matcher uses.
///
/// Words are lower-case without punctuation; list slots and numeric slots become rules over finite
/// words; contacts come from the contact list; templates with open (`text`) slots are left out and
/// listed in `SpeechGrammar.omitted`, as are out-of-scope templates. Follow-up templates are
/// included: they are what people say.
/// The matcher's filler words are not: only "please" may open or close a command.
public enum JSGFGenerator {
  private static let numberRules = """
    <digit> = one | two | three | four | five | six | seven | eight | nine;
    <teen> = ten | eleven | twelve | thirteen | fourteen | fifteen | sixteen | seventeen | eighteen | nineteen;
    <tens> = twenty | thirty | forty | fifty | sixty | seventy | eighty | ninety;
    <small> = <digit> | <teen> | <tens> [<digit>];
    <number> = (zero | <small> | [<digit> | a] hundred [[and] <small>]) [point <digit> | and a half];
    """

  private static let builtinRules: [BuiltinSlotKind: String] = [
    .number: "<number>",
    .temperature: "<number> [degrees | degree] [celsius | fahrenheit]",
    .percent: "<number> [percent] | half | halfway | a quarter | three quarters",
    .level: "<number> | low | medium | high | max | maximum | highest | full | min | minimum | lowest",
    .duration:
      "<number> (second | seconds | minute | minutes | hour | hours) [and a half] | half an hour"
      + " | (a | an) (minute | hour) [and a half]",
    .frequency: "[fm | am] (<number> | <digit> <digit> [<digit>] [<digit>]) [point <digit>] [fm | am]",
    .phone: "<digit> <digit> <digit> <digit>*",
    .clock: "(<small> [<small>] | (half | quarter) past <small>) [o clock | am | pm] | noon | midnight",
  ]

  /// Generates the grammar.
  ///
  /// - Parameters:
  ///   - grammar: the intent grammar.
  ///   - contacts: names the contact slot accepts; with none, contact templates are left out.
  ///   - vocabulary: the recogniser's dictionary words, if known; phrases with other words are left out.
  ///   - name: the JSGF grammar name.
  public static func generate(
    _ grammar: Grammar, contacts: [Contact] = [], vocabulary: Set<String>? = nil, name: String = "cabin"
  ) -> SpeechGrammar {
    var writer = Writer(vocabulary: vocabulary)
    var rules: [String] = []
    var intentRules: [String] = []
    var omitted: [String] = []
    var usedLists: Set<String> = []
    var usedBuiltins: Set<BuiltinSlotKind> = []
    let contactPhrases = contacts.flatMap { [$0.name] + $0.aliases }.map {
      Normalizer.tokens($0).joined(separator: " ")
    }
    .filter { !$0.isEmpty && writer.known($0) }
    var byIntent: [String: [String]] = [:]
    var order: [String] = []
    for template in grammar.templates {
      var reason: String?
      TemplateSyntax.visitSlots(template.nodes) { _, kind in
        if kind == BuiltinSlotKind.text.rawValue { reason = "open slot" }
        if kind == BuiltinSlotKind.callSign.rawValue { reason = "call letters" }
        if kind == BuiltinSlotKind.stationName.rawValue { reason = "station name" }
        if kind == BuiltinSlotKind.contact.rawValue, contactPhrases.isEmpty { reason = "no contacts" }
      }
      if template.intent == IntentCatalog.none { reason = "out of scope" }
      if let reason {
        omitted.append("\(template.intent): \(template.source) (\(reason))")
        continue
      }
      guard let body = writer.sequence(template.nodes), !body.isEmpty else {
        omitted.append("\(template.intent): \(template.source) (words not in vocabulary)")
        continue
      }
      TemplateSyntax.visitSlots(template.nodes) { _, kind in
        if let builtin = BuiltinSlotKind(rawValue: kind) {
          usedBuiltins.insert(builtin)
        } else {
          usedLists.insert(kind)
        }
      }
      if byIntent[template.intent] == nil { order.append(template.intent) }
      byIntent[template.intent, default: []].append(body)
    }
    for intent in order {
      let ruleName = ruleName(intent)
      intentRules.append("<\(ruleName)>")
      rules.append(
        "<\(ruleName)> = " + (byIntent[intent] ?? []).map { "(\($0))" }.joined(separator: " | ") + ";")
    }
    for listName in usedLists.sorted() {
      guard let list = grammar.lists[listName] else { continue }
      let phrases = list.entries.flatMap(\.phrases).compactMap { writer.sequence($0) }
      rules.append(
        "<list_\(listName)> = "
          + (phrases.isEmpty ? "<VOID>" : phrases.map { "(\($0))" }.joined(separator: " | ")) + ";")
    }
    for builtin in BuiltinSlotKind.allCases where usedBuiltins.contains(builtin) {
      if builtin == .contact {
        rules.append("<slot_contact> = " + contactPhrases.map { "(\($0))" }.joined(separator: " | ") + ";")
      } else if let rule = builtinRules[builtin] {
        rules.append("<slot_\(builtin.rawValue)> = \(rule);")
      }
    }
    // The matcher's filler words are left out: as an optional first word, short ones ("to", "do",
    // "bit") soaked up road noise and the command's first word (on `cabin-eval-speech --set tuning`,
    // word errors 22% with them, 13% with "please" alone).
    let header = [
      "#JSGF V1.0;", "", "grammar \(name);", "",
      "public <command> = [please] (" + intentRules.joined(separator: " | ") + ") [please];",
    ]
    let body = (rules + [numberRules]).joined(separator: "\n")
    let text = (header + ["", body]).joined(separator: "\n") + "\n"
    var words: Set<String> = ["please"]
    for line in body.split(separator: "\n") {
      guard let definition = line.split(separator: "=", maxSplits: 1).last else { continue }
      for token in definition.split(whereSeparator: { " |()[];*".contains($0) }) where !token.hasPrefix("<") {
        words.insert(String(token))
      }
    }
    if let vocabulary { writer.unknown.formUnion(words.subtracting(vocabulary)) }
    return SpeechGrammar(text: text, omitted: omitted, unknownWords: writer.unknown, words: words)
  }

  private static func ruleName(_ intent: String) -> String {
    String(intent.map { $0 == "." ? "_" : $0 })
  }

  private struct Writer {
    let vocabulary: Set<String>?
    var unknown: Set<String> = []

    init(vocabulary: Set<String>?) { self.vocabulary = vocabulary }

    mutating func known(_ phrase: String) -> Bool {
      guard let vocabulary else { return true }
      let missing = phrase.split(separator: " ").map(String.init).filter { !vocabulary.contains($0) }
      unknown.formUnion(missing)
      return missing.isEmpty
    }

    /// The JSGF for a sequence, or nil when a required part has no word the vocabulary knows.
    mutating func sequence(_ nodes: [TemplateNode]) -> String? {
      var parts: [String] = []
      for node in nodes {
        switch node {
        case .word(let word):
          guard known(word) else { return nil }
          parts.append(word)
        case .slot(_, let kind):
          parts.append(BuiltinSlotKind(rawValue: kind) != nil ? "<slot_\(kind)>" : "<list_\(kind)>")
        case .group(let alternatives, let optional):
          let written = alternatives.compactMap { sequence($0) }.filter { !$0.isEmpty }
          if written.isEmpty {
            if optional { continue }
            return nil
          }
          let body = written.joined(separator: " | ")
          parts.append(optional ? "[\(body)]" : "(\(body))")
        }
      }
      return parts.joined(separator: " ")
    }
  }
}
