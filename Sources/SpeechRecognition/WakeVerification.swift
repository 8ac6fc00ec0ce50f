/// The second check on a spotted wake phrase: the audio around the hit is decoded again with small
/// grammars that offer the wake phrase beside the words it is confused with, and the hit stands only
/// when the wake phrase explains that audio nearly as well as anything else and takes the time a
/// spoken phrase takes.
///
/// Keyphrase spotting scores the phrase against nothing but a phone loop, so "a cabin", "the cabin
/// crew", "hey, Kevin" or "a cabinet" can pass its threshold; in the verification grammar they are
/// better explained by their own words. The window from `lead` before the hit to `trail` after it is
/// decoded with a loop of the wake phrase (its words only in order, each with the pronunciations in
/// `pronunciations`) and the competitors, with pocketsphinx's fillers between them, made to pass
/// through the wake phrase; and, when that path holds the phrase for `minimumDuration`, with the
/// same loop free. The hit stands when the forced path scores at most `margin` per frame below the
/// free one.
///
/// On espeak-ng speech the best path seldom says the wake phrase even where it was said (its "hey"
/// is heard as "to", "the" or "eight", its "cabin" and the next word as "cabinet"), so a hit cannot
/// wait for that. The path forced through a phrase that was not said scores lower or squeezes the
/// phrase: on `cabin-eval-speech --set tuning`, in the 24 clips the default first stage found the
/// forced path held the phrase 0.49 to 0.97 s and scored at most 3.4e-4 per frame below the best;
/// of its 51 false alarms, the 5 that held it 0.48 s or more (up to 0.64 s) scored 4.7e-4 to
/// 7.9e-4 below. Each check decodes about a second of audio once, and a second time only for the
/// few hits whose forced path holds the phrase long enough (about 30 of the first stage's 224 hits
/// in 820 s of the tuning set): 75 ms per hit where both decodes took 138 ms (one run each, a
/// 2-core machine at load 2 with other builds).
public struct WakeVerification: Sendable, Equatable {
  /// The phones accepted for each word of the wake phrase (space-separated, from the acoustic model's
  /// phone set): one list of alternatives per word.
  public var pronunciations: [[String]]
  /// Dictionary words the wake phrase competes with in the verification grammar: near misses and
  /// short common words that absorb the speech around the hit.
  public var competitors: [String]
  /// The phones of further competitors (space-separated): pronunciations of near misses the dictionary
  /// lacks, such as "cabinet" said with the wake phrase's "cabin".
  public var competitorPronunciations: [String]
  /// Seconds of audio before the hit's start that are decoded with it.
  public var lead: Double
  /// Seconds of audio after the hit's end that are decoded with it.
  public var trail: Double
  /// How much worse, per 10 ms frame, the best path through the wake phrase may score than the best
  /// path of all (pocketsphinx's path scores in natural log) for the hit to stand; 0 accepts only
  /// when the best path says it.
  public var margin: Double
  /// The shortest the wake phrase may last in the best path through it, in seconds: where the other
  /// words explain the audio better, that path squeezes the phrase into the little they leave.
  public var minimumDuration: Double

  /// Creates a verification.
  public init(
    pronunciations: [[String]], competitors: [String], competitorPronunciations: [String] = [], lead: Double,
    trail: Double, margin: Double, minimumDuration: Double
  ) {
    self.margin = margin
    self.minimumDuration = minimumDuration
    self.pronunciations = pronunciations
    self.competitors = competitors
    self.competitorPronunciations = competitorPronunciations
    self.lead = lead
    self.trail = trail
  }

  /// "hey" as HH EY or EY, "cabin" as K AE B IH N, K AA B IH N or K AE B AH N. The competitors are
  /// words like "hey" or "cabin" and short common words; "a" is only AH, since its EY is "hey"
  /// without its HH, and no competitor sounds like "cabin" itself ("cab in"), which only took true
  /// hits away. The window is 0.3 s before the hit and 0.4 s after it, so "cabinet" ends inside it.
  /// `margin` (4.5e-4) and `minimumDuration` (0.48 s) were chosen on `cabin-eval-speech --set
  /// tuning` with the default first stage: 24 of 30 clips found with no false alarm in 820 s, where
  /// 0.45 s let one false alarm through and 0.50 s lost two clips; margins of 3.5e-4 and 4.5e-4 did
  /// the same, 2.5e-4 lost 5 clips and 6e-4 let 3 false alarms through.
  public static let heyCabin = WakeVerification(
    pronunciations: [["HH EY", "EY"], ["K AE B IH N", "K AA B IH N", "K AE B AH N"]],
    competitors: [
      "the", "hi", "he", "high", "hate", "haven", "heaven", "eight", "cabins", "cabinet", "cabinets",
      "captain", "kevin", "gavin", "cavern", "cabbie", "in", "and", "to", "of", "it", "is", "i", "you",
      "we", "that", "on", "for", "at", "by", "with", "this", "there", "was", "so", "be", "me", "my", "no",
      "go", "do", "here", "look", "what", "how", "open", "close", "turn", "call", "set",
    ],
    competitorPronunciations: [
      "AH", "AH N", "K AE B IH N AH T", "K AA B IH N AH T", "K AE B IH N IH T", "K AA B IH N IH T",
      "K AE B IH N Z",
      "K AA B IH N Z",
    ],
    lead: 0.3, trail: 0.4, margin: 4.5e-4, minimumDuration: 0.48)
}

/// Builds the verification searches and checks hits with them.
struct WakeVerifier {
  /// Any sequence of the wake phrase and its competitors.
  static let free = "wake-check"
  /// The same with the wake phrase at least once.
  static let forced = "wake-check-forced"

  let verification: WakeVerification
  /// The grammar's names for each word of the wake phrase.
  private let wakeWords: [Set<String>]

  /// Adds the pronunciations to the dictionary and the verification grammars to `decoder`.
  init(_ verification: WakeVerification, phrase: String, decoder: PocketSphinxDecoder) throws {
    let words = phrase.split(separator: " ").map(String.init)
    guard verification.pronunciations.count == words.count else {
      throw SpeechEngineError(
        operation: "wake verification",
        subject: "\(verification.pronunciations.count) pronunciation lists for '\(phrase)'")
    }
    var wakeWords: [[String]] = []
    for (word, alternatives) in zip(words, verification.pronunciations) {
      wakeWords.append(alternatives.indices.map { "\(word)_check\($0)" })
      for (name, phones) in zip(wakeWords[wakeWords.count - 1], alternatives) {
        try decoder.addWord(name, phones: phones)
      }
    }
    let wake = wakeWords.map { "(\($0.joined(separator: " | ")))" }
    try decoder.requirePronunciations(of: verification.competitors, role: "wake competitor")
    var others = verification.competitors
    for (index, phones) in verification.competitorPronunciations.enumerated() {
      others.append("competitor_check\(index)")
      try decoder.addWord(others[others.count - 1], phones: phones)
    }
    let rules = """
      <wake> = \(wake.joined(separator: " "));
      <other> = \(others.joined(separator: " | "));
      """
    try decoder.addJSGF(
      search: Self.free,
      text: "#JSGF V1.0;\ngrammar wakecheck;\npublic <check> = (<wake> | <other>)+;\n\(rules)\n",
      weights: .wakeCheck, minimized: false)
    try decoder.addJSGF(
      search: Self.forced,
      text:
        "#JSGF V1.0;\ngrammar wakeforced;\npublic <check> = <other>* <wake> (<wake> | <other>)*;\n\(rules)\n",
      weights: .wakeCheck, minimized: false)
    self.verification = verification
    self.wakeWords = wakeWords.map(Set.init)
  }

  /// Whether the audio around `hit` is explained with the wake phrase in it within the margin of its
  /// best explanation. The path through the wake phrase is decoded first: most hits of the loose
  /// first stage squeeze the phrase below `minimumDuration` there, and need no second decode.
  func accepts(_ hit: WakeWordHit, in samples: [Int16], decoder: PocketSphinxDecoder) throws -> Bool {
    let rate = Double(WAVFile.sampleRate)
    let from = max(0, Int((hit.start - verification.lead) * rate))
    let window = from..<min(samples.count, Int((hit.end + verification.trail) * rate))
    guard !window.isEmpty else { return false }
    try decoder.decodeUtterance(samples[window], search: Self.forced)
    guard let withWake = decoder.bestPathScore() else { return false }
    let spans = wakeSpans(decoder.words())
    let longest = Double(spans.map(\.count).max() ?? 0) / PocketSphinxDecoder.framesPerSecond
    guard longest >= verification.minimumDuration else { return false }
    try decoder.decodeUtterance(samples[window], search: Self.free)
    guard let best = decoder.bestPathScore() else { return false }
    let frames = Double(window.count) / rate * PocketSphinxDecoder.framesPerSecond
    return (withWake - best) / frames >= -verification.margin
  }

  /// The frames of each occurrence of the wake phrase in `words`.
  private func wakeSpans(_ words: [DecodedWord]) -> [ClosedRange<Int>] {
    let count = verification.pronunciations.count
    guard words.count >= count else { return [] }
    return (0...words.count - count).compactMap { start in
      let phrase = words[start..<start + count]
      let isWake = zip(phrase, wakeWords).allSatisfy { $1.contains($0.word) }
      guard isWake, let first = phrase.first, let last = phrase.last else { return nil }
      return first.startFrame...last.endFrame
    }
  }
}

extension SearchWeights {
  /// The verification grammars' weights: the command grammar's, chosen on espeak-ng speech.
  /// pocketsphinx's narrower beams gave the same figures on the tuning set, but lost the phrase in
  /// one voice of `verificationRejectsNearMisses`.
  static let wakeCheck = SearchWeights(
    languageWeight: 4, wordInsertionPenalty: 0.01, silenceProbability: 0.1, beam: 1e-60, wordBeam: 1e-40,
    phoneBeam: 1e-60)
}
