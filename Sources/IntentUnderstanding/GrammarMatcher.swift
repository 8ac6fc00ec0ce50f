/// Stage 1: matches tokens against the grammar's templates, compiled once, with a weighted
/// alignment that tolerates filler words, left-out small words, swapped neighbours and one-letter slips.
struct GrammarMatcher: Sendable {
  enum SlotSource: Sendable {
    case list(String)
    case builtin(BuiltinSlotKind)
  }

  /// Alternatives without slots: single words (which may slip) and multi-word phrases (matched exactly).
  struct Phrases: Sendable {
    var words: Set<String>
    var sequences: [[String]]
    var optional: Bool
    var isSmall: Bool
  }

  enum Element: Sendable {
    case phrases(Phrases)
    case slot(name: String, source: SlotSource)
  }

  struct Pattern: Sendable {
    var intent: String
    var elements: [Element]
    var fixedSlots: [String: SlotValue]
    /// Free text can swallow any words, so the words around it must be said: none may be left out.
    var hasOpenSlot: Bool
  }

  /// One alignment of an utterance with a pattern.
  struct Match {
    var intent: String
    var confidence: Double
    var slots: [String: SpanValue]
    var literalWords: Int
  }

  private struct ListPhrase: Sendable {
    var words: [String]
    var value: SpanValue
  }

  private static let maximumExpansions = 512
  private static let fillerSkipCost = 0.15
  private static let wordSkipCost = 1.0
  private static let smallWordDeleteCost = 0.5
  private static let wordDeleteCost = 1.0
  private static let slipCost = 0.4
  private static let swapCost = 0.3
  private static let smallWords: Set<String> = [
    "the", "a", "an", "to", "my", "of", "on", "in", "for", "it", "is", "me", "at", "by", "up", "please",
    "and", "with", "i", "you", "your", "this", "that", "what", "are", "be", "do",
  ]

  let patterns: [Pattern]
  let fillers: Set<String>
  private let listPhrases: [String: [String: [ListPhrase]]]
  private let patternsByWord: [String: [Int]]
  private let unanchored: [Int]
  let readers: SlotReaders

  init(grammar: Grammar, readers: SlotReaders) throws {
    var compiled: [Pattern] = []
    for template in grammar.templates {
      let expansions = try Self.expand(template.nodes, template: template)
      compiled += expansions.map { elements in
        let open = elements.contains {
          if case .slot(_, .builtin(let kind)) = $0 { return kind.isOpen }
          return false
        }
        return Pattern(
          intent: template.intent, elements: elements, fixedSlots: template.fixedSlots, hasOpenSlot: open)
      }
    }
    var phrases: [String: [String: [ListPhrase]]] = [:]
    for (name, list) in grammar.lists {
      var byFirst: [String: [ListPhrase]] = [:]
      for entry in list.entries {
        let value: SpanValue
        switch list.kind {
        case .zone: value = Zone(rawValue: entry.value).map { .value(.zone($0)) } ?? .speakerZone
        case .choice: value = .value(.choice(entry.value))
        case .level: value = .value(.level(Int(entry.value) ?? 0))
        }
        for phrase in entry.phrases {
          for words in Self.wordSequences(phrase) {
            guard let first = words.first else { continue }
            byFirst[first, default: []].append(ListPhrase(words: words, value: value))
          }
        }
      }
      phrases[name] = byFirst
    }
    var byWord: [String: [Int]] = [:]
    var unanchored: [Int] = []
    for (index, pattern) in compiled.enumerated() {
      var anchors: Set<String> = []
      for case .phrases(let phrases) in pattern.elements where !phrases.optional {
        anchors.formUnion(phrases.words)
        for sequence in phrases.sequences { anchors.formUnion(sequence) }
      }
      if anchors.isEmpty { unanchored.append(index) }
      for word in anchors { byWord[word, default: []].append(index) }
    }
    patterns = compiled
    fillers = grammar.fillers
    listPhrases = phrases
    patternsByWord = byWord
    self.unanchored = unanchored
    self.readers = readers
  }

  /// Expands multi-word alternatives and optional groups into flat element sequences.
  private static func expand(_ nodes: [TemplateNode], template: IntentTemplate) throws -> [[Element]] {
    var results: [[Element]] = [[]]
    for node in nodes {
      let options: [[Element]]
      switch node {
      case .word(let word): options = [[.phrases(Self.phrases([[word]], optional: false))]]
      case .slot(let name, let kind):
        let source: SlotSource = BuiltinSlotKind(rawValue: kind).map { .builtin($0) } ?? .list(kind)
        options = [[.slot(name: name, source: source)]]
      case .group(let alternatives, let optional):
        if alternatives.allSatisfy(Self.isSlotFree) {
          options = [[.phrases(Self.phrases(alternatives.flatMap(wordSequences), optional: optional))]]
        } else {
          // Filled alternatives come first so that, between equal alignments, a slot is read.
          var expanded: [[Element]] = []
          for alternative in alternatives { expanded += try expand(alternative, template: template) }
          options = optional ? expanded + [[]] : expanded
        }
      }
      results = results.flatMap { prefix in options.map { prefix + $0 } }
      guard results.count <= maximumExpansions else {
        throw GrammarError(
          file: template.file, line: template.line,
          message: "template '\(template.source)' expands to more than \(maximumExpansions) sequences")
      }
    }
    return results
  }

  private static func isSlotFree(_ nodes: [TemplateNode]) -> Bool {
    nodes.allSatisfy { node in
      switch node {
      case .word: true
      case .slot: false
      case .group(let alternatives, _): alternatives.allSatisfy(isSlotFree)
      }
    }
  }

  private static func phrases(_ sequences: [[String]], optional: Bool) -> Phrases {
    let nonEmpty = sequences.filter { !$0.isEmpty }
    let words = Set(nonEmpty.filter { $0.count == 1 }.map { $0[0] })
    let isSmall = words.allSatisfy(smallWords.contains) && nonEmpty.allSatisfy { $0.count == 1 }
    return Phrases(
      words: words, sequences: nonEmpty.filter { $0.count > 1 },
      optional: optional || nonEmpty.count < sequences.count, isSmall: isSmall)
  }

  /// Every word sequence a slot-free template part can be said as.
  private static func wordSequences(_ nodes: [TemplateNode]) -> [[String]] {
    var results: [[String]] = [[]]
    for node in nodes {
      switch node {
      case .word(let word): results = results.map { $0 + [word] }
      case .slot: continue
      case .group(let alternatives, let optional):
        let options = (optional ? [[]] : []) + alternatives.flatMap(wordSequences)
        results = results.flatMap { prefix in options.map { prefix + $0 } }
      }
    }
    return results
  }

  /// The best match per intent, best first; `tokens` must come from `Normalizer.tokens`.
  func matches(_ tokens: [String]) -> [Match] {
    guard !tokens.isEmpty else { return [] }
    var candidates = Set(unanchored)
    for token in Set(tokens) {
      if let indices = patternsByWord[token] { candidates.formUnion(indices) }
    }
    var cache = SpanCache(tokens: tokens)
    var best: [String: Match] = [:]
    var scratch: [Cell] = []
    for index in candidates.sorted() {
      guard let match = align(patterns[index], tokens, cache: &cache, scratch: &scratch) else { continue }
      if let existing = best[match.intent], !Self.isBetter(match, than: existing) { continue }
      best[match.intent] = match
    }
    return best.values.sorted { Self.isBetter($0, than: $1) }
  }

  private static func isBetter(_ lhs: Match, than rhs: Match) -> Bool {
    if lhs.confidence != rhs.confidence { return lhs.confidence > rhs.confidence }
    if lhs.literalWords != rhs.literalWords { return lhs.literalWords > rhs.literalWords }
    return lhs.intent < rhs.intent
  }

  private struct Cell {
    var cost = Double.infinity
    var previous = -1
    var literal = 0
    var slotElement = -1
    var slotValue: SpanValue?
  }

  private struct SpanCache {
    let tokens: [String]
    var spans: [String: [[SlotSpan]?]] = [:]

    init(tokens: [String]) { self.tokens = tokens }

    mutating func spans(
      _ key: String, from start: Int, compute: () -> [SlotSpan]
    ) -> [SlotSpan] {
      if let known = spans[key]?[start] ?? nil { return known }
      let computed = compute()
      var row = spans[key] ?? Array(repeating: nil, count: tokens.count + 1)
      row[start] = computed
      spans[key] = row
      return computed
    }
  }

  private func listSpans(_ name: String, _ tokens: [String], from start: Int) -> [SlotSpan] {
    guard start < tokens.count, let byFirst = listPhrases[name] else { return [] }
    var result: [SlotSpan] = []
    for phrase in byFirst[tokens[start]] ?? [] {
      let end = start + phrase.words.count
      guard end <= tokens.count, tokens[start..<end].elementsEqual(phrase.words) else { continue }
      result.append(SlotSpan(end: end, value: phrase.value, cost: 0))
    }
    return result
  }

  private func align(
    _ pattern: Pattern, _ tokens: [String], cache: inout SpanCache, scratch: inout [Cell]
  ) -> Match? {
    let n = tokens.count
    let m = pattern.elements.count
    let width = n + 1
    scratch.removeAll(keepingCapacity: true)
    scratch.append(contentsOf: repeatElement(Cell(), count: (m + 1) * width))
    scratch[0].cost = 0
    func relax(
      _ from: Int, _ to: Int, _ cost: Double, literal: Int = 0, slot: Int = -1, value: SpanValue? = nil
    ) {
      let total = scratch[from].cost + cost
      if total < scratch[to].cost
        || (total == scratch[to].cost && scratch[from].literal + literal > scratch[to].literal)
      {
        scratch[to] = Cell(
          cost: total, previous: from, literal: scratch[from].literal + literal, slotElement: slot,
          slotValue: value)
      }
    }
    for j in 0...m {
      for i in 0...n {
        let here = j * width + i
        guard scratch[here].cost.isFinite else { continue }
        if i < n {
          relax(here, here + 1, fillers.contains(tokens[i]) ? Self.fillerSkipCost : Self.wordSkipCost)
        }
        guard j < m else { continue }
        let below = here + width
        switch pattern.elements[j] {
        case .phrases(let phrases):
          if phrases.optional {
            relax(here, below, 0)
          } else if phrases.isSmall {
            relax(here, below, Self.smallWordDeleteCost)
          } else if !pattern.hasOpenSlot {
            relax(here, below, Self.wordDeleteCost)
          }
          guard i < n else { continue }
          if phrases.words.contains(tokens[i]) {
            relax(here, below + 1, 0, literal: 1)
          } else if phrases.words.contains(where: { Self.isSlip($0, tokens[i]) }) {
            relax(here, below + 1, Self.slipCost, literal: 1)
          }
          for sequence in phrases.sequences where i + sequence.count <= n {
            if let cost = Self.phraseCost(sequence, tokens, from: i) {
              relax(here, below + sequence.count, cost, literal: sequence.count)
            }
          }
          if i + 1 < n, j + 1 < m, case .phrases(let next) = pattern.elements[j + 1],
            phrases.words.contains(tokens[i + 1]), next.words.contains(tokens[i])
          {
            relax(here, below + width + 2, Self.swapCost, literal: 2)
          }
        case .slot(_, let source):
          let spans: [SlotSpan]
          switch source {
          case .list(let name):
            spans = cache.spans(name, from: i) { listSpans(name, tokens, from: i) }
          case .builtin(let kind):
            spans = cache.spans(kind.rawValue, from: i) { readers.spans(kind, tokens, from: i) }
          }
          for span in spans {
            relax(
              here, below + (span.end - i), span.cost, literal: span.isOpen ? 0 : span.end - i, slot: j,
              value: span.value)
          }
        }
      }
    }
    let last = m * width + n
    guard scratch[last].cost.isFinite else { return nil }
    var slots: [String: SpanValue] = [:]
    var cursor = last
    while cursor > 0 {
      let cell = scratch[cursor]
      if cell.slotElement >= 0, let value = cell.slotValue,
        case .slot(let name, _) = pattern.elements[cell.slotElement]
      {
        slots[name] = value
      }
      cursor = cell.previous
    }
    for (name, value) in pattern.fixedSlots where slots[name] == nil {
      slots[name] = .value(value)
    }
    let confidence = max(0, 1 - scratch[last].cost / Double(max(n, 2)))
    return Match(
      intent: pattern.intent, confidence: confidence, slots: slots, literalWords: scratch[last].literal)
  }

  /// The cost of reading a multi-word phrase at `start`: exact words are free, slipped words cost.
  private static func phraseCost(_ phrase: [String], _ tokens: [String], from start: Int) -> Double? {
    var cost = 0.0
    for (offset, word) in phrase.enumerated() where tokens[start + offset] != word {
      guard isSlip(word, tokens[start + offset]) else { return nil }
      cost += slipCost
    }
    return cost
  }

  /// One substituted, inserted or deleted letter in a word of five letters or more (shorter words
  /// slip into other words too easily: "plan" and "play").
  static func isSlip(_ expected: String, _ heard: String) -> Bool {
    let a = Array(expected.utf8)
    let b = Array(heard.utf8)
    guard min(a.count, b.count) >= 5, abs(a.count - b.count) <= 1 else { return false }
    var i = 0
    var j = 0
    var edits = 0
    while i < a.count && j < b.count {
      if a[i] == b[j] {
        i += 1
        j += 1
        continue
      }
      edits += 1
      if edits > 1 { return false }
      if a.count > b.count {
        i += 1
      } else if b.count > a.count {
        j += 1
      } else {
        i += 1
        j += 1
      }
    }
    return edits + (a.count - i) + (b.count - j) <= 1
  }
}
