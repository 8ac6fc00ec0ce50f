/// Stage 1: matches tokens against the grammar's templates, compiled once, with a weighted
/// alignment that tolerates filler words, left-out small words (not in templates with free text),
/// swapped neighbours and one-letter slips.
///
/// Words are interned to integers when the grammar is compiled; a call interns the utterance's
/// tokens, reads each slot kind at most once per start position, and aligns only the templates
/// that share a content word with the utterance.
struct GrammarMatcher: Sendable {
  enum SlotSource: Sendable, Equatable {
    /// Index into the compiled word lists.
    case list(Int)
    case builtin(BuiltinSlotKind)
  }

  /// Alternatives without slots: single words (which may slip) and multi-word phrases.
  struct Phrases: Sendable {
    var words: Set<Int>
    var sequences: [[Int]]
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
    /// Free text can swallow any words, so the words around it must be said: none may be left out,
    /// not even a small one ("how do i get a passport" is not "how do i get to {destination}").
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
    var words: [Int]
    var value: SpanValue
  }

  /// A template element before its words are interned.
  private enum RawElement {
    case phrases([[String]], optional: Bool)
    case slot(name: String, kind: String)
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
  let readers: SlotReaders
  private let vocabulary: [String: Int]
  private let spellings: [String]
  private let fillerIDs: Set<Int>
  private let lists: [[Int: [ListPhrase]]]
  private let patternsByWord: [Int: [Int]]
  private let unanchored: [Int]

  init(grammar: Grammar, readers: SlotReaders) throws {
    var vocabulary: [String: Int] = [:]
    var spellings: [String] = []
    func intern(_ word: String) -> Int {
      if let id = vocabulary[word] { return id }
      vocabulary[word] = spellings.count
      spellings.append(word)
      return spellings.count - 1
    }
    let listNames = grammar.lists.keys.sorted()
    let listIndex = Dictionary(uniqueKeysWithValues: listNames.enumerated().map { ($1, $0) })
    var compiled: [Pattern] = []
    for template in grammar.templates {
      for raw in try Self.expand(template.nodes, template: template) {
        var open = false
        let elements = raw.map { element -> Element in
          switch element {
          case .phrases(let sequences, let optional):
            return .phrases(Self.phrases(sequences, optional: optional, intern: intern))
          case .slot(let name, let kind):
            if let builtin = BuiltinSlotKind(rawValue: kind) {
              open = open || builtin.isOpen
              return .slot(name: name, source: .builtin(builtin))
            }
            return .slot(name: name, source: .list(listIndex[kind] ?? 0))
          }
        }
        compiled.append(
          Pattern(
            intent: template.intent, elements: elements, fixedSlots: template.fixedSlots, hasOpenSlot: open))
      }
    }
    var lists: [[Int: [ListPhrase]]] = []
    for name in listNames {
      guard let list = grammar.lists[name] else { continue }
      var byFirst: [Int: [ListPhrase]] = [:]
      for entry in list.entries {
        let value: SpanValue
        switch list.kind {
        case .zone: value = Zone(rawValue: entry.value).map { .value(.zone($0)) } ?? .speakerZone
        case .choice: value = .value(.choice(entry.value))
        case .level: value = .value(.level(Int(entry.value) ?? 0))
        }
        for words in entry.phrases.flatMap(Self.wordSequences) where !words.isEmpty {
          let ids = words.map(intern)
          byFirst[ids[0], default: []].append(ListPhrase(words: ids, value: value))
        }
      }
      lists.append(byFirst)
    }
    let fillerIDs = Set(grammar.fillers.map(intern))
    let smallIDs = Set(Self.smallWords.map(intern))
    var byWord: [Int: [Int]] = [:]
    var unanchored: [Int] = []
    let weak = smallIDs.union(fillerIDs)
    for (index, pattern) in compiled.enumerated() {
      // An element anchors the pattern only when every way of saying it has a content word.
      var anchors: Set<Int> = []
      for case .phrases(let phrases) in pattern.elements where !phrases.optional {
        let alternatives = phrases.words.map { [$0] } + phrases.sequences
        guard alternatives.allSatisfy({ !Set($0).isSubset(of: weak) }) else { continue }
        for alternative in alternatives { anchors.formUnion(Set(alternative).subtracting(weak)) }
      }
      if anchors.isEmpty { unanchored.append(index) }
      for word in anchors { byWord[word, default: []].append(index) }
    }
    patterns = compiled
    self.readers = readers
    self.vocabulary = vocabulary
    self.spellings = spellings
    self.fillerIDs = fillerIDs
    self.lists = lists
    patternsByWord = byWord
    self.unanchored = unanchored
  }

  /// Expands alternatives that hold slots and optional groups that hold slots into flat sequences;
  /// slot-free groups stay one element.
  private static func expand(_ nodes: [TemplateNode], template: IntentTemplate) throws -> [[RawElement]] {
    var results: [[RawElement]] = [[]]
    for node in nodes {
      let options: [[RawElement]]
      switch node {
      case .word(let word): options = [[.phrases([[word]], optional: false)]]
      case .slot(let name, let kind): options = [[.slot(name: name, kind: kind)]]
      case .group(let alternatives, let optional):
        if alternatives.allSatisfy(isSlotFree) {
          options = [[.phrases(alternatives.flatMap(wordSequences), optional: optional)]]
        } else {
          // Filled alternatives come first so that, between equal alignments, a slot is read.
          var expanded: [[RawElement]] = []
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

  private static func phrases(_ sequences: [[String]], optional: Bool, intern: (String) -> Int) -> Phrases {
    let nonEmpty = sequences.filter { !$0.isEmpty }
    let singles = nonEmpty.filter { $0.count == 1 }.map { $0[0] }
    let isSmall = singles.allSatisfy(smallWords.contains) && nonEmpty.allSatisfy { $0.count == 1 }
    return Phrases(
      words: Set(singles.map(intern)), sequences: nonEmpty.filter { $0.count > 1 }.map { $0.map(intern) },
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

  /// The utterance as the alignment sees it: word ids, filler flags, slips, and slot spans read once.
  private struct Utterance {
    let tokens: [String]
    let ids: [Int]
    let isFiller: [Bool]
    /// For each token, the grammar words it is one letter away from (empty for most tokens).
    let slips: [Set<Int>]
    var spans: [[SlotSpan]?]
    let kindCount: Int

    func index(_ source: SlotSource) -> Int {
      switch source {
      case .list(let list): list
      case .builtin(let kind):
        kindCount - BuiltinSlotKind.allCases.count + (BuiltinSlotKind.allCases.firstIndex(of: kind) ?? 0)
      }
    }
  }

  /// The best match per intent whose confidence can reach `floor`, best first.
  func matches(_ tokens: [String], floor: Double = 0) -> [Match] {
    guard !tokens.isEmpty else { return [] }
    let ids = tokens.map { vocabulary[$0] ?? -1 }
    let slips = zip(tokens, ids).map { token, id -> Set<Int> in
      guard id < 0, token.utf8.count >= 5 else { return [] }
      return Set(spellings.indices.filter { Self.isSlip(spellings[$0], token) })
    }
    let kindCount = lists.count + BuiltinSlotKind.allCases.count
    var utterance = Utterance(
      tokens: tokens, ids: ids, isFiller: ids.map(fillerIDs.contains), slips: slips,
      spans: Array(repeating: nil, count: kindCount * (tokens.count + 1)), kindCount: kindCount)
    var candidates = Set(unanchored)
    for (id, slipped) in zip(ids, slips) {
      if let indices = patternsByWord[id] { candidates.formUnion(indices) }
      for word in slipped { candidates.formUnion(patternsByWord[word] ?? []) }
    }
    var best: [String: Match] = [:]
    var scratch: [Cell] = []
    let bound = (1 - floor) * Double(max(tokens.count, 2))
    for index in candidates.sorted() {
      let pattern = patterns[index]
      let existing = best[pattern.intent]
      guard
        let match = align(pattern, &utterance, bound: bound, scratch: &scratch, mustBeat: existing)
      else { continue }
      best[pattern.intent] = match
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
    var previous: Int32 = -1
    var literal: Int16 = 0
    var slotElement: Int16 = -1
    var spanIndex: Int32 = -1
  }

  private func spans(_ source: SlotSource, from start: Int, in utterance: inout Utterance) -> [SlotSpan] {
    let key = utterance.index(source) * (utterance.tokens.count + 1) + start
    if let known = utterance.spans[key] { return known }
    let computed: [SlotSpan]
    switch source {
    case .builtin(let kind): computed = readers.spans(kind, utterance.tokens, from: start)
    case .list(let list):
      var result: [SlotSpan] = []
      if start < utterance.ids.count {
        for phrase in lists[list][utterance.ids[start]] ?? [] {
          let end = start + phrase.words.count
          guard end <= utterance.ids.count, utterance.ids[start..<end].elementsEqual(phrase.words) else {
            continue
          }
          result.append(SlotSpan(end: end, value: phrase.value, cost: 0))
        }
      }
      computed = result
    }
    utterance.spans[key] = computed
    return computed
  }

  /// The alignment of one pattern, or nil when it cannot reach the bound or does not beat `mustBeat`
  /// (slots are read back only for a winner).
  private func align(
    _ pattern: Pattern, _ utterance: inout Utterance, bound: Double, scratch: inout [Cell], mustBeat: Match?
  ) -> Match? {
    let n = utterance.ids.count
    let m = pattern.elements.count
    let width = n + 1
    scratch.removeAll(keepingCapacity: true)
    scratch.append(contentsOf: repeatElement(Cell(), count: (m + 1) * width))
    scratch[0].cost = 0
    func relax(_ from: Int, _ to: Int, _ cost: Double, literal: Int = 0, slot: Int = -1, span: Int = -1) {
      let total = scratch[from].cost + cost
      let literals = Int(scratch[from].literal) + literal
      guard total <= bound else { return }
      if total < scratch[to].cost || (total == scratch[to].cost && literals > Int(scratch[to].literal)) {
        scratch[to] = Cell(
          cost: total, previous: Int32(from), literal: Int16(literals), slotElement: Int16(slot),
          spanIndex: Int32(span))
      }
    }
    var unreachableRows = 0
    for j in 0...m {
      var reachable = false
      for i in 0...n {
        let here = j * width + i
        guard scratch[here].cost.isFinite else { continue }
        reachable = true
        if i < n { relax(here, here + 1, utterance.isFiller[i] ? Self.fillerSkipCost : Self.wordSkipCost) }
        guard j < m else { continue }
        let below = here + width
        switch pattern.elements[j] {
        case .phrases(let phrases):
          if phrases.optional {
            relax(here, below, 0)
          } else if !pattern.hasOpenSlot {
            relax(here, below, phrases.isSmall ? Self.smallWordDeleteCost : Self.wordDeleteCost)
          }
          guard i < n else { continue }
          if phrases.words.contains(utterance.ids[i]) {
            relax(here, below + 1, 0, literal: 1)
          } else if !utterance.slips[i].isDisjoint(with: phrases.words) {
            relax(here, below + 1, Self.slipCost, literal: 1)
          }
          for sequence in phrases.sequences where i + sequence.count <= n {
            if let cost = Self.phraseCost(sequence, utterance, from: i) {
              relax(here, below + sequence.count, cost, literal: sequence.count)
            }
          }
          if i + 1 < n, j + 1 < m, case .phrases(let next) = pattern.elements[j + 1],
            phrases.words.contains(utterance.ids[i + 1]), next.words.contains(utterance.ids[i])
          {
            relax(here, below + width + 2, Self.swapCost, literal: 2)
          }
        case .slot(_, let source):
          for (index, span) in spans(source, from: i, in: &utterance).enumerated() {
            relax(
              here, below + (span.end - i), span.cost, literal: span.isOpen ? 0 : span.end - i, slot: j,
              span: index)
          }
        }
      }
      // A swap jumps two rows, so only two unreachable rows in a row end the alignment.
      unreachableRows = reachable ? 0 : unreachableRows + 1
      if unreachableRows >= 2 { return nil }
    }
    let last = m * width + n
    guard scratch[last].cost.isFinite else { return nil }
    let confidence = max(0, 1 - scratch[last].cost / Double(max(n, 2)))
    let literalWords = Int(scratch[last].literal)
    if let mustBeat {
      let candidate = Match(
        intent: pattern.intent, confidence: confidence, slots: [:], literalWords: literalWords)
      guard Self.isBetter(candidate, than: mustBeat) else { return nil }
    }
    var slots: [String: SpanValue] = [:]
    var cursor = last
    while cursor > 0 {
      let cell = scratch[cursor]
      let previous = Int(cell.previous)
      if cell.slotElement >= 0, case .slot(let name, let source) = pattern.elements[Int(cell.slotElement)] {
        let start = previous % width
        let span = spans(source, from: start, in: &utterance)[Int(cell.spanIndex)]
        slots[name] = span.value
      }
      cursor = previous
    }
    for (name, value) in pattern.fixedSlots where slots[name] == nil {
      slots[name] = .value(value)
    }
    return Match(intent: pattern.intent, confidence: confidence, slots: slots, literalWords: literalWords)
  }

  /// The cost of reading a multi-word phrase at `start`: exact words are free, slipped words cost.
  private static func phraseCost(_ phrase: [Int], _ utterance: Utterance, from start: Int) -> Double? {
    var cost = 0.0
    for (offset, word) in phrase.enumerated() where utterance.ids[start + offset] != word {
      guard utterance.slips[start + offset].contains(word) else { return nil }
      cost += slipCost
    }
    return cost
  }

  /// One substituted, inserted or deleted letter, or two neighbours swapped ("raido"), in a word of
  /// five letters or more (shorter words slip into other words too easily: "plan" and "play").
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
      } else if i + 1 < a.count, a[i] == b[j + 1], a[i + 1] == b[j] {
        i += 2
        j += 2
      } else {
        i += 1
        j += 1
      }
    }
    return edits + (a.count - i) + (b.count - j) <= 1
  }
}
