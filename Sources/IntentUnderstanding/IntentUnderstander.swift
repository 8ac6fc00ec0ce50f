/// Understands driver utterances: the template grammar first, sentence-embedding neighbours when the
/// grammar is not confident, `none` when neither is. A yes or no that leads a request the grammar
/// cannot read whole ("no, I said the passenger side") is the reply, then the request.
public struct IntentUnderstander: Sendable {
  /// Settings of the understander.
  ///
  /// - `grammarThreshold`: the lowest grammar confidence accepted without stage 2 (0.75).
  /// - `slotsFromGrammarThreshold`: the lowest grammar confidence whose slots are kept for an intent
  ///   chosen by stage 2 (0.4).
  /// - `defaultTemperatureUnit`: the unit of a temperature said without one, below 45 (celsius);
  ///   45 and above is read as Fahrenheit.
  /// - `contacts`: the names the contact slot recognises.
  public struct Configuration: Sendable, Equatable {
    /// The lowest grammar confidence accepted without stage 2.
    public var grammarThreshold: Double
    /// The lowest grammar confidence whose slots are kept for an intent chosen by stage 2.
    public var slotsFromGrammarThreshold: Double
    /// The unit of a temperature said without one (values below 45).
    public var defaultTemperatureUnit: TemperatureUnit
    /// The contact list.
    public var contacts: [Contact]

    /// Creates a configuration; every parameter has the documented default.
    public init(
      grammarThreshold: Double = 0.75, slotsFromGrammarThreshold: Double = 0.4,
      defaultTemperatureUnit: TemperatureUnit = .celsius, contacts: [Contact] = []
    ) {
      self.grammarThreshold = grammarThreshold
      self.slotsFromGrammarThreshold = slotsFromGrammarThreshold
      self.defaultTemperatureUnit = defaultTemperatureUnit
      self.contacts = contacts
    }
  }

  /// The settings in use.
  public let configuration: Configuration
  /// The catalog intents are checked against.
  public let catalog: IntentCatalog
  private let matcher: GrammarMatcher
  private let classifier: NearestNeighbourClassifier?

  /// Stage 2's `none` threshold (cosine similarity), or `nil` without stage 2.
  public var noneThreshold: Float? { classifier?.noneThreshold }
  /// How many neighbours vote in stage 2, or `nil` without stage 2.
  public var stageTwoNeighbours: Int? { classifier?.neighbours }
  /// Stage 2's centroid weight, or `nil` without stage 2.
  public var stageTwoCentroidWeight: Float? { classifier?.centroidWeight }

  private static let conjunctions: Set<String> = ["and", "then", "also", "plus"]
  private static let conjunctionInTextCost = 0.3
  private static let replies: Set<String> = ["assistant.confirm", "assistant.deny"]
  private static let replyWords: Set<String> = ["yes", "yeah", "yea", "yep", "yup", "no", "nope", "nah"]
  private static let longestReplyLead = 8
  private static let replyLeadConfidence = 0.9

  /// Compiles the grammar; `classifier` enables stage 2.
  public init(
    grammar: Grammar, configuration: Configuration = Configuration(), catalog: IntentCatalog = .v1,
    classifier: NearestNeighbourClassifier? = nil
  ) throws {
    self.configuration = configuration
    self.catalog = catalog
    self.classifier = classifier
    matcher = try GrammarMatcher(
      grammar: grammar,
      readers: SlotReaders(
        defaultUnit: configuration.defaultTemperatureUnit, contacts: configuration.contacts))
  }

  /// Understands one utterance without dialogue context.
  public func understand(_ text: String, speaker: Zone? = nil) throws -> Understanding {
    var context = DialogueContext()
    return try understand(text, speaker: speaker, context: &context)
  }

  /// Understands one utterance of a dialogue and updates the dialogue's context.
  ///
  /// - Parameters:
  ///   - text: what was said or typed.
  ///   - speaker: the speaker's seat; it is the zone of intents that name none.
  ///   - context: the dialogue's context, kept by the caller per dialogue id.
  /// - Throws: only what the stage 2 embedder throws.
  public func understand(_ text: String, speaker: Zone?, context: inout DialogueContext) throws
    -> Understanding
  {
    let tokens = Normalizer.tokens(text)
    var intents = grammarIntents(tokens, speaker: speaker, context: context)
    if intents.isEmpty, let (reply, rest) = replyLead(tokens) {
      intents = [reply]
      var following = grammarIntents(rest, speaker: speaker, context: context).filter {
        $0.name != IntentCatalog.none
      }
      if following.isEmpty, !rest.isEmpty {
        following = try fallback(
          text: rest.joined(separator: " "), tokens: rest, speaker: speaker, context: context
        ).filter { $0.name != IntentCatalog.none }
      }
      intents += following
    }
    if intents.isEmpty {
      intents = try fallback(text: text, tokens: tokens, speaker: speaker, context: context)
    }
    let result = Understanding(text: text, speaker: speaker, intents: intents)
    if !result.isOutOfScope { context.lastIntents = intents }
    return result
  }

  /// The intents the grammar finds with enough confidence, segment by segment; empty when it finds none.
  /// Segments that match an out-of-scope template are left out, and when every segment does, the
  /// answer is `none`.
  private func grammarIntents(_ tokens: [String], speaker: Zone?, context: DialogueContext)
    -> [UnderstoodIntent]
  {
    guard let segments = bestSegmentation(tokens), segments.confidence >= configuration.grammarThreshold
    else { return [] }
    let inScope = segments.matches.filter { $0.intent != IntentCatalog.none }
    if inScope.isEmpty {
      return [UnderstoodIntent(name: IntentCatalog.none, confidence: segments.confidence, stage: .grammar)]
    }
    var intents: [UnderstoodIntent] = []
    var working = context
    for match in inScope {
      let resolved = resolve(match, stage: .grammar, speaker: speaker, context: working)
      guard !resolved.isEmpty else { continue }
      intents += resolved
      working.lastIntents = resolved
    }
    return intents
  }

  /// A yes or no that leads a longer utterance ("no, I said the passenger side", "yes, and make it
  /// warmer"): the reply, and the words after it. The lead is the prefix the grammar reads as a
  /// confirmation or a refusal most surely (the longest among equals). It must start with a plain yes
  /// or no: other replies ("carry on", "not now", "cool") also start requests.
  private func replyLead(_ tokens: [String]) -> (reply: UnderstoodIntent, rest: [String])? {
    guard let first = tokens.first, Self.replyWords.contains(first) else { return nil }
    var best: (match: GrammarMatcher.Match, length: Int)?
    for length in 1..<min(tokens.count, Self.longestReplyLead + 1) {
      guard let match = matcher.matches(Array(tokens[..<length]), floor: Self.replyLeadConfidence).first,
        Self.replies.contains(match.intent), match.confidence >= Self.replyLeadConfidence
      else { continue }
      if match.confidence >= best?.match.confidence ?? 0 { best = (match, length) }
    }
    guard let best else { return nil }
    let reply = UnderstoodIntent(name: best.match.intent, confidence: best.match.confidence, stage: .grammar)
    return (reply, Array(tokens[best.length...].drop { Self.conjunctions.contains($0) }))
  }

  /// The best split of the tokens at conjunctions into segments that each match, scored by the
  /// weakest segment; the whole utterance is one candidate.
  private func bestSegmentation(_ tokens: [String]) -> (matches: [GrammarMatcher.Match], confidence: Double)?
  {
    let cuts = tokens.indices.filter {
      $0 > 0 && $0 < tokens.count - 1 && Self.conjunctions.contains(tokens[$0])
    }
    let usable = Array(cuts.prefix(3))
    var best: (matches: [GrammarMatcher.Match], confidence: Double)?
    var known: [Range<Int>: GrammarMatcher.Match?] = [:]
    for mask in 0..<(1 << usable.count) {
      var start = 0
      var matches: [GrammarMatcher.Match] = []
      var weakest = 1.0
      var ranges: [Range<Int>] = []
      for (bit, cut) in usable.enumerated() where mask & (1 << bit) != 0 {
        ranges.append(start..<cut)
        start = cut + 1
      }
      ranges.append(start..<tokens.count)
      for range in ranges {
        let found = known[range] ?? bestMatch(Array(tokens[range]))
        known[range] = found
        guard let match = found else {
          weakest = 0
          break
        }
        matches.append(match)
        weakest = min(weakest, match.confidence)
      }
      guard weakest > 0 else { continue }
      if best == nil || weakest > (best?.confidence ?? 0) { best = (matches, weakest) }
    }
    return best
  }

  private func bestMatch(_ tokens: [String]) -> GrammarMatcher.Match? {
    matcher.matches(tokens, floor: configuration.grammarThreshold).map(penaliseJoinedText).max { lhs, rhs in
      lhs.confidence != rhs.confidence ? lhs.confidence < rhs.confidence : lhs.literalWords < rhs.literalWords
    }
  }

  /// Free text that swallowed a conjunction ("home and play jazz") is likely two requests.
  private func penaliseJoinedText(_ match: GrammarMatcher.Match) -> GrammarMatcher.Match {
    var adjusted = match
    for case .value(.text(let text)) in match.slots.values {
      let joined = text.split(separator: " ").filter { Self.conjunctions.contains(String($0)) }.count
      adjusted.confidence = max(0, adjusted.confidence - Self.conjunctionInTextCost * Double(joined))
    }
    return adjusted
  }

  private func fallback(
    text: String, tokens: [String], speaker: Zone?, context: DialogueContext
  ) throws -> [UnderstoodIntent] {
    let matches = matcher.matches(tokens, floor: configuration.slotsFromGrammarThreshold)
    let bestConfidence = matches.first?.confidence ?? 0
    guard let classifier else {
      return [UnderstoodIntent(name: IntentCatalog.none, confidence: 1 - bestConfidence, stage: .grammar)]
    }
    let decision = try classifier.classify(text)
    guard decision.intent != IntentCatalog.none else {
      return [UnderstoodIntent(name: IntentCatalog.none, confidence: decision.confidence, stage: .embedding)]
    }
    var match =
      matches.first {
        $0.intent == decision.intent && $0.confidence >= configuration.slotsFromGrammarThreshold
      }
      ?? GrammarMatcher.Match(intent: decision.intent, confidence: 0, slots: [:], literalWords: 0)
    match.confidence = decision.confidence
    let resolved = resolve(match, stage: .embedding, speaker: speaker, context: context)
    return resolved.isEmpty
      ? [UnderstoodIntent(name: IntentCatalog.none, confidence: decision.confidence, stage: .embedding)]
      : resolved
  }

  /// Turns a match into intents: zones from the words, the context or the speaker; follow-ups completed
  /// from the context (empty when a follow-up has nothing to follow).
  private func resolve(
    _ match: GrammarMatcher.Match, stage: UnderstandingStage, speaker: Zone?, context: DialogueContext
  ) -> [UnderstoodIntent] {
    var slots: [String: SlotValue] = [:]
    var namedZone: Zone?
    var saidZone = false
    for (name, value) in match.slots {
      switch value {
      case .speakerZone where name == "zone":
        saidZone = true
        namedZone = speaker
      case .value(.zone(let zone)) where name == "zone":
        saidZone = true
        namedZone = zone
      case .value(let slot): slots[name] = slot
      case .speakerZone: continue
      }
    }
    let follow = FollowUp(context: context, confidence: match.confidence, speaker: speaker)
    switch match.intent {
    case "followup.zone":
      return follow.sameAgain(zone: saidZone ? namedZone : speaker)
    case "followup.value":
      return slots["value"].map { follow.newValue($0, unit: configuration.defaultTemperatureUnit) } ?? []
    case "followup.more":
      return follow.again(opposite: false)
    case "followup.less":
      return follow.again(opposite: true)
    default:
      guard let entry = catalog.entry(match.intent) else { return [] }
      var zone: Zone?
      if entry.takesZone {
        let previous = context.lastIntents.first { $0.name.domain == match.intent.domain && $0.zone != nil }
        zone = saidZone ? namedZone : previous?.zone ?? speaker
      }
      return [
        UnderstoodIntent(
          name: match.intent, slots: slots, confidence: match.confidence, zone: zone, stage: stage)
      ]
    }
  }
}

/// Completes follow-up utterances from the previous turn.
private struct FollowUp {
  let context: DialogueContext
  let confidence: Double
  let speaker: Zone?

  private static let opposites: [String: String] = [
    "volume.up": "volume.down", "volume.down": "volume.up", "window.open": "window.close",
    "window.close": "window.open", "sunroof.open": "sunroof.close", "sunroof.close": "sunroof.open",
  ]

  private func copy(_ intent: UnderstoodIntent) -> UnderstoodIntent {
    var copied = intent
    copied.confidence = min(intent.confidence, confidence)
    copied.stage = .context
    return copied
  }

  func sameAgain(zone: Zone?) -> [UnderstoodIntent] {
    context.lastIntents.filter { $0.zone != nil }.map { intent in
      var copied = copy(intent)
      copied.zone = zone
      return copied
    }
  }

  func again(opposite: Bool) -> [UnderstoodIntent] {
    context.lastIntents.compactMap { intent in
      var copied = copy(intent)
      if intent.name == "climate.adjust_temperature" || intent.name == "climate.fan",
        case .choice(let direction) = intent.slots["direction"]
      {
        let flipped = ["warmer": "cooler", "cooler": "warmer", "up": "down", "down": "up"][direction]
        if opposite, let flipped { copied.slots["direction"] = .choice(flipped) }
        return copied
      }
      guard let other = Self.opposites[intent.name] else { return nil }
      if opposite { copied.name = other }
      copied.slots = [:]
      return copied
    }
  }

  /// "Set it to 22": the value goes to the previous turn's intents; a temperature, or a plausible
  /// temperature with nothing before it, sets the climate.
  func newValue(_ value: SlotValue, unit: TemperatureUnit) -> [UnderstoodIntent] {
    let climateZone = context.lastIntents.first { $0.name.domain == "climate" && $0.zone != nil }?.zone
    let setTemperature = UnderstoodIntent(
      name: "climate.set_temperature", slots: ["temperature": value.asTemperature(defaultUnit: unit)],
      confidence: confidence, zone: climateZone ?? speaker, stage: .context)
    if case .temperature = value { return [setTemperature] }
    if context.lastIntents.isEmpty {
      guard case .number(let number) = value, (16...32).contains(number) || (60...90).contains(number) else {
        return []
      }
      return [setTemperature]
    }
    return context.lastIntents.compactMap { intent in
      var copied = copy(intent)
      switch intent.name.domain {
      case "climate" where intent.name != "climate.fan":
        copied.name = "climate.set_temperature"
        copied.slots = ["temperature": value.asTemperature(defaultUnit: unit)]
      case "volume":
        copied.name = "volume.set"
        copied.slots = ["level": value.asLevel]
      case "seat", "climate":
        copied.slots = ["level": value.asLevel]
      case "window", "sunroof":
        copied.slots = ["percent": value.asPercent]
      case "lights":
        copied.slots = ["brightness": value.asPercent]
      default:
        return nil
      }
      return copied
    }
  }
}

extension SlotValue {
  fileprivate func asTemperature(defaultUnit: TemperatureUnit) -> SlotValue {
    switch self {
    case .number(let value), .percent(let value):
      .temperature(value: value, unit: value >= 45 ? .fahrenheit : defaultUnit)
    case .level(let value):
      .temperature(value: Double(value), unit: Double(value) >= 45 ? .fahrenheit : defaultUnit)
    default: self
    }
  }

  fileprivate var asLevel: SlotValue {
    if case .number(let value) = self, value == value.rounded(), abs(value) < 1_000 {
      return .level(Int(value))
    }
    return self
  }

  fileprivate var asPercent: SlotValue {
    if case .number(let value) = self { return .percent(value) }
    return self
  }
}

extension String {
  /// The part of an intent name before the first dot (`climate` for `climate.fan`).
  fileprivate var domain: Substring { prefix { $0 != "." } }
}
