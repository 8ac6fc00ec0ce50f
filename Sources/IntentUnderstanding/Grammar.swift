public import Foundation

/// An error in an intent grammar file, naming the file, the line and the rule broken.
public struct GrammarError: Error, Equatable, CustomStringConvertible {
  /// The file (or label) the grammar came from.
  public var file: String
  /// The 1-based line number.
  public var line: Int
  /// What is wrong.
  public var message: String

  /// Creates an error.
  public init(file: String, line: Int, message: String) {
    self.file = file
    self.line = line
    self.message = message
  }

  /// A readable description: `file:line: message`.
  public var description: String { "\(file):\(line): \(message)" }
}

/// One element of a template: a word, a slot, or a group of alternatives.
public indirect enum TemplateNode: Sendable, Equatable {
  /// A literal lower-case word.
  case word(String)
  /// A slot: its name in the result and the list or built-in kind that fills it.
  case slot(name: String, kind: String)
  /// Alternatives, each a sequence; `optional` when the group may be left out (`[...]`).
  case group([[TemplateNode]], optional: Bool)
}

/// The kinds of slot filled by a parser rather than a word list.
public enum BuiltinSlotKind: String, Sendable, CaseIterable {
  /// A number in words or digits.
  case number
  /// A number with optional "degrees" and unit.
  case temperature
  /// A number followed by "percent", or "half", "a quarter".
  case percent
  /// A small integer or a named step (low, medium, high, max).
  case level
  /// A number with a time unit, or "half an hour".
  case duration
  /// A radio frequency with optional band.
  case frequency
  /// A name from the contact list.
  case contact
  /// A phone number said digit by digit.
  case phone
  /// A time of day ("five pm", "half past three", "17:30", "noon").
  case clock
  /// A broadcast station's call letters: K or W and two or three more letters, as one word that
  /// cannot start an English word ("kqed", "wnyc") or spelled out ("w l s"); read as text.
  case callSign = "callsign"
  /// A station named with "radio" or "fm" in it ("bbc radio two", "capital fm", "absolute radio
  /// 80s", "radio four"): up to three name words, the marker and up to two more words (a number,
  /// "live", "extra"); read as text.
  case stationName = "stationname"
  /// Free text of one or more words; left out of the speech grammar.
  case text

  /// Whether the slot can take any words (and so cannot be written as a finite speech grammar).
  public var isOpen: Bool { self == .text }
}

/// What the values of a word list become in the result.
public enum ListValueKind: String, Sendable {
  /// A `SlotValue.zone`; the value `speaker` stands for the speaker's own zone.
  case zone
  /// A `SlotValue.choice`.
  case choice
  /// A `SlotValue.level` (the value is an integer).
  case level
}

/// A closed list of phrases, each standing for a value.
public struct WordList: Sendable, Equatable {
  /// The list name, used as `{name}` in templates.
  public var name: String
  /// What the values become.
  public var kind: ListValueKind
  /// Each value with the phrases that say it.
  public var entries: [(value: String, phrases: [[TemplateNode]])]

  /// Two lists are equal when names, kinds and entries match.
  public static func == (lhs: WordList, rhs: WordList) -> Bool {
    lhs.name == rhs.name && lhs.kind == rhs.kind && lhs.entries.count == rhs.entries.count
      && zip(lhs.entries, rhs.entries).allSatisfy { $0.value == $1.value && $0.phrases == $1.phrases }
  }
}

/// One template of an intent.
public struct IntentTemplate: Sendable, Equatable {
  /// The intent the template expresses.
  public var intent: String
  /// The template's elements.
  public var nodes: [TemplateNode]
  /// Slots the template sets without reading them from the words: `=> direction=warmer` gives a
  /// `choice`, `=> destination="home"` gives `text`.
  public var fixedSlots: [String: SlotValue]
  /// The template as written, for messages and the speech grammar comments.
  public var source: String
  /// The file it was written in.
  public var file: String
  /// The line it was written on.
  public var line: Int
}

/// An intent grammar: filler words, word lists and templates, as written in `Config/intents/*.grammar`.
///
/// File format, one item per line, `#` starts a comment:
/// - `filler: word word ...` words that may appear anywhere at little cost ("please", "um");
/// - `list NAME KIND` (KIND is `zone`, `choice` or `level`) followed by indented
///   `value: phrase | phrase` lines;
/// - `intent NAME` followed by indented templates, each optionally ending in `=> slot=value, ...`;
///   `intent none` holds requests Cabin knows are not its own ("turn on the kitchen lights", "set
///   an alarm"), so that a near match of a catalog intent does not take them. Their slots only
///   match words and are not kept; they set none with `=>`.
///
/// A template is a sequence of lower-case words, `[optional words]`, `(alternative | words)`,
/// and slots `{list}` or `{slot:kind}` where kind is a list name or a `BuiltinSlotKind`.
public struct Grammar: Sendable, Equatable {
  /// Words skipped at little cost.
  public var fillers: Set<String>
  /// Word lists by name.
  public var lists: [String: WordList]
  /// Templates in file order.
  public var templates: [IntentTemplate]

  /// Parses grammar text; `file` names the source in errors.
  public init(source: String, file: String = "<grammar>", catalog: IntentCatalog = .v1) throws {
    var parser = GrammarFileParser(file: file, catalog: catalog)
    try parser.parse(source)
    fillers = parser.fillers
    lists = parser.lists
    templates = parser.templates
    try parser.validateSlots(templates: templates, lists: lists)
  }

  /// Reads and parses every grammar file given, in order, as one grammar.
  public init(contentsOf urls: [URL], catalog: IntentCatalog = .v1) throws {
    var parser = GrammarFileParser(file: "", catalog: catalog)
    for url in urls {
      parser.file = url.lastPathComponent
      let text: String
      do {
        text = try String(contentsOf: url, encoding: .utf8)
      } catch {
        throw GrammarError(file: url.path, line: 0, message: "cannot read grammar file: \(error)")
      }
      try parser.parse(text)
    }
    fillers = parser.fillers
    lists = parser.lists
    templates = parser.templates
    try parser.validateSlots(templates: templates, lists: lists)
  }
}

private struct GrammarFileParser {
  var file: String
  let catalog: IntentCatalog
  var fillers: Set<String> = []
  var lists: [String: WordList] = [:]
  var templates: [IntentTemplate] = []
  private var currentList: String?
  private var currentIntent: String?
  private var templateLines: [String: Int] = [:]

  init(file: String, catalog: IntentCatalog) {
    self.file = file
    self.catalog = catalog
  }

  func error(_ line: Int, _ message: String) -> GrammarError {
    GrammarError(file: file, line: line, message: message)
  }

  mutating func parse(_ text: String) throws {
    currentList = nil
    currentIntent = nil
    for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let lineNumber = offset + 1
      let withoutComment = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
      let line = String(withoutComment.first ?? "")
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty { continue }
      if line.first == " " || line.first == "\t" {
        try parseIndented(trimmed, line: lineNumber)
      } else {
        try parseHeader(trimmed, line: lineNumber)
      }
    }
  }

  private mutating func parseHeader(_ text: String, line: Int) throws {
    let words = text.split(separator: " ").map(String.init)
    currentList = nil
    currentIntent = nil
    switch words.first {
    case "filler:":
      for word in words.dropFirst() {
        guard isPlainWord(word) else { throw error(line, "filler '\(word)' must be a lower-case word") }
        fillers.insert(word)
      }
    case "list":
      guard words.count == 3, let kind = ListValueKind(rawValue: words[2]) else {
        throw error(line, "expected 'list NAME zone|choice|level'")
      }
      guard lists[words[1]] == nil, BuiltinSlotKind(rawValue: words[1]) == nil else {
        throw error(line, "list '\(words[1])' is defined twice or shadows a built-in slot kind")
      }
      lists[words[1]] = WordList(name: words[1], kind: kind, entries: [])
      currentList = words[1]
    case "intent":
      guard words.count == 2 else { throw error(line, "expected 'intent NAME'") }
      guard catalog.entry(words[1]) != nil || words[1] == IntentCatalog.none else {
        throw error(line, "intent '\(words[1])' is not in the intent catalog")
      }
      currentIntent = words[1]
    default:
      throw error(line, "expected 'filler:', 'list' or 'intent' at the start of a line")
    }
  }

  private mutating func parseIndented(_ text: String, line: Int) throws {
    if let listName = currentList, var list = lists[listName] {
      guard let colon = text.firstIndex(of: ":") else {
        throw error(line, "list entry must be 'value: phrase | phrase'")
      }
      let value = text[..<colon].trimmingCharacters(in: .whitespaces)
      switch list.kind {
      case .zone:
        guard value == "speaker" || Zone(rawValue: value) != nil else {
          throw error(line, "zone list value '\(value)' is not a catalog zone or 'speaker'")
        }
      case .level:
        guard Int(value) != nil else { throw error(line, "level list value '\(value)' is not an integer") }
      case .choice:
        guard !value.isEmpty else { throw error(line, "empty list value") }
      }
      let body = String(text[text.index(after: colon)...])
      let nodes = try TemplateSyntax.parse(body, allowSlots: false) { self.error(line, $0) }
      list.entries.append((value, [nodes]))
      lists[listName] = list
    } else if let intent = currentIntent {
      let parts = text.components(separatedBy: "=>")
      guard parts.count <= 2 else { throw error(line, "more than one '=>' in a template") }
      let nodes = try TemplateSyntax.parse(parts[0], allowSlots: true) { self.error(line, $0) }
      guard !nodes.isEmpty else { throw error(line, "empty template") }
      var fixed: [String: SlotValue] = [:]
      if parts.count == 2 {
        for assignment in parts[1].split(separator: ",") {
          let pair = assignment.split(separator: "=").map { $0.trimmingCharacters(in: .whitespaces) }
          guard pair.count == 2, !pair[0].isEmpty, !pair[1].isEmpty else {
            throw error(line, "fixed slot must be 'slot=value', found '\(assignment)'")
          }
          let value = pair[1]
          if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
            fixed[pair[0]] = .text(String(value.dropFirst().dropLast()))
          } else {
            fixed[pair[0]] = .choice(value)
          }
        }
      }
      let source = parts[0].trimmingCharacters(in: .whitespaces)
      let key = intent + " " + file + " " + source
      if let previous = templateLines[key] {
        throw error(line, "template repeats the one on line \(previous)")
      }
      templateLines[key] = line
      templates.append(
        IntentTemplate(
          intent: intent, nodes: nodes, fixedSlots: fixed, source: source, file: file, line: line))
    } else {
      throw error(line, "indented line outside a 'list' or 'intent' block")
    }
  }

  func validateSlots(templates: [IntentTemplate], lists: [String: WordList]) throws {
    for template in templates {
      guard let entry = catalog.entry(template.intent) else {
        guard template.fixedSlots.isEmpty else {
          throw GrammarError(
            file: template.file, line: template.line, message: "'none' templates set no slots")
        }
        continue
      }
      var allowed = entry.slots
      if entry.takesZone { allowed.insert("zone") }
      var names: [String] = Array(template.fixedSlots.keys)
      try TemplateSyntax.visitSlots(template.nodes) { name, kind in
        guard lists[kind] != nil || BuiltinSlotKind(rawValue: kind) != nil else {
          throw GrammarError(
            file: template.file, line: template.line,
            message: "slot kind '\(kind)' is neither a list nor built in")
        }
        names.append(name)
      }
      for name in names where !allowed.contains(name) {
        throw GrammarError(
          file: template.file, line: template.line,
          message: "intent '\(template.intent)' has no slot '\(name)' in the catalog")
      }
    }
  }
}

func isPlainWord(_ word: String) -> Bool {
  !word.isEmpty && word.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber) }
}

enum TemplateSyntax {
  static func parse(
    _ text: String, allowSlots: Bool, error: (String) -> GrammarError
  ) throws -> [TemplateNode] {
    var scanner = Scanner(characters: Array(text), allowSlots: allowSlots)
    let alternatives = try scanner.alternatives(error: error)
    guard scanner.atEnd else { throw error("unexpected '\(scanner.peek ?? " ")' in template") }
    if alternatives.count == 1 { return alternatives[0] }
    return [.group(alternatives, optional: false)]
  }

  static func visitSlots(_ nodes: [TemplateNode], _ body: (String, String) throws -> Void) rethrows {
    for node in nodes {
      switch node {
      case .word: continue
      case .slot(let name, let kind): try body(name, kind)
      case .group(let alternatives, _):
        for alternative in alternatives { try visitSlots(alternative, body) }
      }
    }
  }

  private struct Scanner {
    let characters: [Character]
    let allowSlots: Bool
    var index = 0

    init(characters: [Character], allowSlots: Bool) {
      self.characters = characters
      self.allowSlots = allowSlots
    }

    var atEnd: Bool { index >= characters.count }
    var peek: Character? { atEnd ? nil : characters[index] }

    mutating func skipSpaces() {
      while let char = peek, char == " " || char == "\t" { index += 1 }
    }

    mutating func alternatives(error: (String) -> GrammarError) throws -> [[TemplateNode]] {
      var result: [[TemplateNode]] = [try sequence(error: error)]
      while peek == "|" {
        index += 1
        result.append(try sequence(error: error))
      }
      if result.contains(where: \.isEmpty) { throw error("empty alternative in template") }
      return result
    }

    mutating func sequence(error: (String) -> GrammarError) throws -> [TemplateNode] {
      var nodes: [TemplateNode] = []
      while true {
        skipSpaces()
        guard let char = peek else { return nodes }
        switch char {
        case "|", ")", "]": return nodes
        case "[", "(":
          index += 1
          let inner = try alternatives(error: error)
          let close: Character = char == "[" ? "]" : ")"
          guard peek == close else { throw error("missing '\(close)' in template") }
          index += 1
          nodes.append(.group(inner, optional: char == "["))
        case "{":
          guard allowSlots else { throw error("slots are not allowed in list phrases") }
          index += 1
          var body = ""
          while let next = peek, next != "}" {
            body.append(next)
            index += 1
          }
          guard peek == "}" else { throw error("missing '}' in template") }
          index += 1
          let parts = body.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
          guard (1...2).contains(parts.count), parts.allSatisfy(isSlotName) else {
            throw error("slot must be '{name}' or '{name:kind}', found '{\(body)}'")
          }
          nodes.append(.slot(name: parts[0], kind: parts.count == 2 ? parts[1] : parts[0]))
        default:
          var word = ""
          while let next = peek, !" \t|()[]{}".contains(next) {
            word.append(next)
            index += 1
          }
          guard isPlainWord(word), word.allSatisfy(\.isLetter) else {
            throw error("'\(word)' is not a lower-case word (letters a-z only)")
          }
          nodes.append(.word(word))
        }
      }
    }

    private func isSlotName(_ name: String) -> Bool {
      !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLowercase || $0 == "_") }
    }
  }
}

extension Grammar {
  private static let sampleFills: [BuiltinSlotKind: String] = [
    .number: "three", .temperature: "twenty one degrees", .percent: "fifty percent", .level: "two",
    .duration: "ten minutes", .frequency: "one oh one point five", .contact: "anna",
    .phone: "five five five one two three four", .clock: "three pm", .callSign: "kqed",
    .stationName: "capital fm",
    .text: "the station",
  ]

  /// Two sentences per template (optional parts left out with first alternatives; optional parts
  /// kept with last alternatives), slots filled with sample words. Stage 2 learns from these together
  /// with the hand-written examples. Follow-up templates are left out: they only make sense in context.
  public func sampleSentences() -> [IntentExample] {
    var examples: [IntentExample] = []
    var seen: Set<String> = []
    for template in templates where !template.intent.hasPrefix("followup.") {
      for full in [false, true] {
        let text = sample(template.nodes, full: full).joined(separator: " ")
        guard seen.insert(template.intent + "|" + text).inserted else { continue }
        examples.append(IntentExample(intent: template.intent, text: text))
      }
    }
    return examples
  }

  private func sample(_ nodes: [TemplateNode], full: Bool) -> [String] {
    var words: [String] = []
    for node in nodes {
      switch node {
      case .word(let word): words.append(word)
      case .slot(let name, let kind):
        if let list = lists[kind], let phrase = list.entries.first?.phrases.first {
          words += sample(phrase, full: false)
        } else if let builtin = BuiltinSlotKind(rawValue: kind) {
          words.append(builtin == .text ? Self.textFill(name) : Self.sampleFills[builtin] ?? "")
        }
      case .group(let alternatives, let optional):
        guard !optional || full, let chosen = full ? alternatives.last : alternatives.first else { continue }
        words += sample(chosen, full: full)
      }
    }
    return words
  }

  private static func textFill(_ slot: String) -> String {
    switch slot {
    case "artist": "the beatles"
    case "body": "i am running late"
    case "location": "paris"
    case "title": "lunch with sam"
    case "query", "playlist", "podcast", "audiobook", "album": "road trip"
    case "station": "jazz fm"
    default: "the train station"
    }
  }
}
