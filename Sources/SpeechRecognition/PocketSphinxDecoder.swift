import CPocketSphinx
import Foundation

/// A pocketsphinx failure: the call and its return code.
public struct SpeechEngineError: Error, Equatable, CustomStringConvertible {
  /// The pocketsphinx function or step that failed.
  public var operation: String
  /// What it was given (a path, a search name), if anything.
  public var subject: String

  /// Creates an error.
  public init(operation: String, subject: String) {
    self.operation = operation
    self.subject = subject
  }

  /// The operation and its subject.
  public var description: String { "pocketsphinx \(operation) failed for \(subject)" }
}

/// The weights a search reads from the decoder's configuration when it is created.
struct SearchWeights {
  /// pocketsphinx's defaults, which its en-us language model is tuned for.
  static let languageModel = SearchWeights(
    languageWeight: 6.5, wordInsertionPenalty: 0.65, silenceProbability: 0.005, beam: 1e-48, wordBeam: 7e-29,
    phoneBeam: 1e-48)

  /// `-lw`: the weight of grammar or language-model probabilities against the acoustics.
  var languageWeight: Double
  /// `-wip`: the probability factor for each word inserted.
  var wordInsertionPenalty: Double
  /// `-silprob`: the probability of silence between words.
  var silenceProbability: Double
  /// `-beam`: how far below the best a state's score may fall and stay active.
  var beam: Double
  /// `-wbeam`: the same for word exits.
  var wordBeam: Double
  /// `-pbeam`: the same for phone transitions.
  var phoneBeam: Double
  /// `-maxhmmpf`: how many phone models a frame may evaluate before the search narrows its beams
  /// (pocketsphinx's 30,000). The grammar search reads it in every frame, unlike the others; the
  /// n-gram search when it is created.
  var maxHMMsPerFrame = 30_000

  func apply(to config: OpaquePointer) {
    cmd_ln_set_float_r(config, "-lw", languageWeight)
    cmd_ln_set_float_r(config, "-wip", wordInsertionPenalty)
    cmd_ln_set_float_r(config, "-silprob", silenceProbability)
    cmd_ln_set_float_r(config, "-beam", beam)
    cmd_ln_set_float_r(config, "-wbeam", wordBeam)
    cmd_ln_set_float_r(config, "-pbeam", phoneBeam)
  }
}

/// One word of a decoded hypothesis, in frames of 10 ms.
struct DecodedWord {
  var word: String
  var startFrame: Int
  var endFrame: Int
  var posterior: Double
}

/// How well a decoded path fits the audio acoustically (`PocketSphinxDecoder.pathAcoustics(from:)`).
struct PathAcoustics {
  /// One stretch of the path: a word or a silence.
  struct Stretch {
    /// Its length in frames.
    var frames: Int
    /// Its acoustic score per frame.
    var scorePerFrame: Double
    /// Whether it lies before the path's first word or after its last (every silence of a path
    /// without words); false for words.
    var atEdge = false
  }

  /// The path's acoustic score per frame, silences and fillers included.
  var scorePerFrame: Double
  /// The path's silences (`<sil>`, `<s>`, `</s>`), in order.
  var silences: [Stretch]
  /// The path's words, in order: every segment that is neither a silence nor a filler.
  var words: [Stretch]
}

/// The only owner of a pocketsphinx decoder and its configuration; every C call goes through it.
///
/// pocketsphinx 0.8 decoders are not thread-safe, so this class is not `Sendable`: its owner
/// (one `SpeechRecognizer`) confines it to one thread or actor.
final class PocketSphinxDecoder {
  static let framesPerSecond = 100.0

  private let config: OpaquePointer
  private let decoder: OpaquePointer
  /// The cepstral mean normalisation the acoustic model asks for (batch for Debian's en-us).
  private let normalisation: cmn_type_t
  /// Each search's `-maxhmmpf`: the grammar search reads it from the shared configuration in every
  /// frame, so it is set before each utterance rather than once when the search is made.
  private var maxHMMsPerFrame: [String: Int] = [:]

  /// Loads the models; `voiceActivityThreshold` is the front end's `-vad_threshold` and
  /// `removesNoise` its `-remove_noise`.
  init(acousticModel: URL, dictionary: URL, voiceActivityThreshold: Double, removesNoise: Bool) throws {
    // "-logfn" sends pocketsphinx's and sphinxbase's log to a file; /dev/null silences it.
    guard let config = cabin_ps_config(acousticModel.path, dictionary.path, "/dev/null") else {
      throw SpeechEngineError(operation: "cmd_ln_init", subject: acousticModel.path)
    }
    cmd_ln_set_float_r(config, "-vad_threshold", voiceActivityThreshold)
    cmd_ln_set_int_r(config, "-remove_noise", removesNoise ? 1 : 0)
    guard let decoder = ps_init(config) else {
      cmd_ln_free_r(config)
      throw SpeechEngineError(operation: "ps_init", subject: "\(acousticModel.path), \(dictionary.path)")
    }
    self.config = config
    self.decoder = decoder
    normalisation = ps_get_feat(decoder).pointee.cmn
  }

  deinit {
    // ps_init retains the configuration; each owner releases its own reference.
    ps_free(decoder)
    cmd_ln_free_r(config)
  }

  /// Adds a keyphrase search; `threshold` is its detection threshold (`-kws_threshold`).
  func addKeyphrase(search: String, phrase: String, threshold: Double) throws {
    // A search reads its settings from the configuration when it is created.
    cmd_ln_set_float_r(config, "-kws_threshold", threshold)
    try check(ps_set_keyphrase(decoder, search, phrase), "ps_set_keyphrase", phrase)
  }

  /// Adds a keyword-list search spotting any of `phrases` (dictionary words), each with its own
  /// detection threshold.
  func addKeywords(search: String, phrases: [(phrase: String, threshold: Double)]) throws {
    // ps_set_kws reads the list from a file: one phrase a line, its threshold between slashes.
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("cabin-kws-\(UUID().uuidString)")
    let lines = phrases.map { "\($0.phrase) /\($0.threshold)/\n" }.joined()
    try lines.write(to: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: file) }
    try check(
      ps_set_kws(decoder, search, file.path), "ps_set_kws", phrases.map(\.phrase).joined(separator: ", "))
  }

  /// Adds `word` with `phones` (space-separated, from the acoustic model's phone set) to the
  /// dictionary; with `updatingSearch`, the active search is rebuilt to know it.
  func addWord(_ word: String, phones: String, updatingSearch: Bool = true) throws {
    try check(ps_add_word(decoder, word, phones, updatingSearch ? 1 : 0), "ps_add_word", "\(word) \(phones)")
  }

  /// Adds a grammar search with its own weights, or replaces the search of that name: the JSGF
  /// `text` as sphinxbase expands it, then, if `minimized`, as its minimized `WordGraph`. Each word
  /// of the grammar whose dictionary pronunciation has a phone in `variants` first gets one more
  /// pronunciation, with every such phone replaced by its phones there
  /// (`SpeechRecognizer.Configuration.pronunciationVariants`). The new search becomes the active one.
  func addJSGF(
    search: String, text: String, weights: SearchWeights, minimized: Bool, variants: [String: String] = [:]
  ) throws {
    weights.apply(to: config)
    maxHMMsPerFrame[search] = weights.maxHMMsPerFrame
    // The same steps as ps_set_jsgf_string, with the variants added and the graph minimized
    // between building and searching.
    guard let jsgf = jsgf_parse_string(text, nil) else {
      throw SpeechEngineError(operation: "jsgf_parse_string", subject: search)
    }
    defer { jsgf_grammar_free(jsgf) }
    let logmath = ps_get_logmath(decoder)
    let weight = Float(weights.languageWeight)
    guard let rule = jsgf_get_public_rule(jsgf),
      let expanded = minimized
        ? jsgf_build_fsg_raw(jsgf, rule, logmath, weight) : jsgf_build_fsg(jsgf, rule, logmath, weight)
    else { throw SpeechEngineError(operation: "jsgf_build_fsg", subject: search) }
    defer { fsg_model_free(expanded) }
    if !variants.isEmpty {
      let vocabulary = expanded.pointee.vocab
      let added = (0..<Int(expanded.pointee.n_word)).compactMap { index in
        vocabulary?[index].flatMap { variant(of: String(cString: $0), variants) }
      }
      // Rebuilding the active search once, not after each word, keeps the start-up time.
      for (index, word) in added.enumerated() {
        try addWord(word.name, phones: word.phones, updatingSearch: index == added.count - 1)
      }
    }
    guard minimized else {
      try setFSG(expanded, search: search)
      return
    }
    let graph = try WordGraph(fsg: Self.text(of: expanded)).minimized()
    let minimizedModel = try graph.fsg(name: search).withCString { text in
      guard let stream = fmemopen(UnsafeMutableRawPointer(mutating: text), strlen(text), "r") else {
        throw SpeechEngineError(operation: "fmemopen", subject: search)
      }
      defer { fclose(stream) }
      guard let model = fsg_model_read(stream, logmath, weight) else {
        throw SpeechEngineError(operation: "fsg_model_read", subject: search)
      }
      return model
    }
    // "The decoder retains ownership of the pointer fsg, so you should free it when no longer used."
    defer { fsg_model_free(minimizedModel) }
    try setFSG(minimizedModel, search: search)
  }

  /// Adds or replaces the grammar search `search` and makes it the active one.
  private func setFSG(_ model: UnsafeMutablePointer<fsg_model_t>, search: String) throws {
    try check(ps_set_fsg(decoder, search, model), "ps_set_fsg", search)
    // Replacing a search frees the old one, but the decoder keeps pointing at it if it was active,
    // and adding a word rebuilds the active search: point it at the new one at once.
    try check(ps_set_search(decoder, search), "ps_set_search", search)
  }

  /// `word`'s dictionary pronunciation with the phones in `variants` replaced, named as an
  /// alternative pronunciation of it; nil when nothing is replaced or the dictionary already has it
  /// (from the dictionary file or an earlier grammar).
  private func variant(of word: String, _ variants: [String: String]) -> (name: String, phones: String)? {
    let name = "\(word)(variant)"
    guard pronunciation(of: name) == nil, let phones = pronunciation(of: word) else { return nil }
    let variant = phones.split(separator: " ").map { variants[String($0)] ?? String($0) }.joined(
      separator: " ")
    guard variant != phones else { return nil }
    // The dictionary numbers a word's alternatives from 2: "word(2)", "word(3)".
    var alternative = 2
    while let known = pronunciation(of: "\(word)(\(alternative))") {
      if known == variant { return nil }
      alternative += 1
    }
    return (name, variant)
  }

  /// sphinxbase's FSG text for `model`.
  private static func text(of model: UnsafeMutablePointer<fsg_model_t>) throws -> String {
    var buffer: UnsafeMutablePointer<CChar>?
    var size = 0
    guard let stream = open_memstream(&buffer, &size) else {
      throw SpeechEngineError(operation: "open_memstream", subject: "word graph")
    }
    fsg_model_write(model, stream)
    fclose(stream)
    defer { free(buffer) }
    return buffer.map { String(cString: $0) } ?? ""
  }

  /// Adds an n-gram search with its own weights.
  func addLanguageModel(search: String, file: URL, weights: SearchWeights) throws {
    weights.apply(to: config)
    // Unlike the grammar search, the n-gram search reads its limit once, here, not before each
    // utterance: set it, or it keeps whatever the decode before left in the shared configuration.
    cmd_ln_set_int_r(config, "-maxhmmpf", weights.maxHMMsPerFrame)
    try check(ps_set_lm_file(decoder, search, file.path), "ps_set_lm_file", file.path)
  }

  /// Throws unless every one of `words` is in the loaded dictionary; `role` names them in the error
  /// ("wake word").
  func requirePronunciations(of words: some Sequence<String>, role: String) throws {
    for word in words where pronunciation(of: word) == nil {
      throw SpeechEngineError(operation: "dictionary lookup", subject: "\(role) '\(word)'")
    }
  }

  /// The pronunciation of `word` in the loaded dictionary, if it has one.
  func pronunciation(of word: String) -> String? {
    guard let phones = ps_lookup_word(decoder, word) else { return nil }
    defer { free(phones) }
    return String(cString: phones)
  }

  /// Decodes `samples` as one whole utterance of a new stream with `search`; the results are read
  /// afterwards, with frames counted from the first sample.
  ///
  /// Nothing decoded before changes the result. A pocketsphinx stream keeps its noise level (which
  /// drives spectral noise removal and the voice-activity detector that drops silent frames) from
  /// one utterance to the next and counts frames stream-wide: without a new stream, the wake phrase
  /// in the same clip was found at other frames, or not at all, depending on the clip before it. The
  /// cepstral mean is the model's batch mean over this utterance alone: sphinxbase switches its
  /// features to the running mean for good once audio is decoded in blocks, so the model's type is
  /// restored before each utterance.
  func decodeUtterance(_ samples: ArraySlice<Int16>, search: String) throws {
    try check(ps_set_search(decoder, search), "ps_set_search", search)
    if let limit = maxHMMsPerFrame[search] { cmd_ln_set_int_r(config, "-maxhmmpf", limit) }
    ps_get_feat(decoder).pointee.cmn = normalisation
    try check(ps_start_stream(decoder), "ps_start_stream", search)
    try check(ps_start_utt(decoder), "ps_start_utt", search)
    let count = samples.count
    let result = samples.withUnsafeBufferPointer { buffer in
      ps_process_raw(decoder, buffer.baseAddress, count, 0, 1)
    }
    try check(result, "ps_process_raw", "\(count) samples")
    try check(ps_end_utt(decoder), "ps_end_utt", search)
  }

  /// The last utterance's hypothesis, nil when empty.
  func hypothesis() -> String? {
    var score: Int32 = 0
    guard let text = ps_get_hyp(decoder, &score) else { return nil }
    let hypothesis = String(cString: text)
    return hypothesis.isEmpty ? nil : hypothesis
  }

  /// The score of the last utterance's best path (acoustic and grammar, natural log), nil when there
  /// is none.
  func bestPathScore() -> Double? {
    var score: Int32 = 0
    guard ps_get_hyp(decoder, &score) != nil else { return nil }
    return logmath_log_to_ln(ps_get_logmath(decoder), score)
  }

  /// How well the last utterance's best path fits the audio acoustically, nil when there is no
  /// path. pocketsphinx scores each frame against its best senone, so the scores say how far the
  /// path falls below the best the acoustic model could say there, in the units of
  /// `bestPathScore`; frames the voice-activity detector dropped are not counted. Only the path
  /// from `firstFrame` on is measured: the segments that start there or later.
  func pathAcoustics(from firstFrame: Int = 0) -> PathAcoustics? {
    let frames = Int(ps_get_n_frames(decoder)) - firstFrame
    let segments = self.segments().filter { $0.startFrame >= firstFrame }
    guard frames > 0, !segments.isEmpty else { return nil }
    let unit = logmath_log_to_ln(ps_get_logmath(decoder), 1)
    // Summed as Int: a long utterance's total can leave Int32.
    let total = segments.reduce(0) { $0 + Int($1.acoustic) }
    let words = segments.filter { !$0.word.hasPrefix("<") && !$0.word.hasPrefix("[") }
    let (firstWord, lastWord) = (words.first?.startFrame ?? Int.max, words.last?.endFrame ?? Int.min)
    let stretch = { (segment: Segment) in
      let length = segment.endFrame - segment.startFrame + 1
      return PathAcoustics.Stretch(
        frames: length, scorePerFrame: Double(segment.acoustic) * unit / Double(max(length, 1)),
        atEdge: segment.word.hasPrefix("<") && (segment.endFrame < firstWord || segment.startFrame > lastWord)
      )
    }
    return PathAcoustics(
      scorePerFrame: Double(total) * unit / Double(frames),
      silences: segments.filter { $0.word.hasPrefix("<") }.map(stretch), words: words.map(stretch))
  }

  /// The posterior probability of the last utterance's hypothesis (0...1).
  func posterior() -> Double {
    logmath_exp(ps_get_logmath(decoder), ps_get_prob(decoder))
  }

  /// The words of the last utterance's hypothesis with their frames from its start, fillers and
  /// silences left out.
  func words() -> [DecodedWord] {
    let logmath = ps_get_logmath(decoder)
    return segments().compactMap { segment in
      let word = Self.baseWord(segment.word)
      guard !word.isEmpty, !word.hasPrefix("<"), !word.hasPrefix("[") else { return nil }
      return DecodedWord(
        word: word, startFrame: segment.startFrame, endFrame: segment.endFrame,
        posterior: logmath_exp(logmath, segment.probability))
    }
  }

  /// One segment of a best path: a word, a filler or a silence.
  private struct Segment {
    var word: String
    var startFrame: Int
    var endFrame: Int
    /// The acoustic score, in pocketsphinx's log units.
    var acoustic: Int32
    /// The posterior probability, in pocketsphinx's log units.
    var probability: Int32
  }

  /// The segments of the last utterance's best path, in order.
  private func segments() -> [Segment] {
    var segments: [Segment] = []
    var iterator = ps_seg_iter(decoder)
    while let current = iterator {
      var start: Int32 = 0
      var end: Int32 = 0
      ps_seg_frames(current, &start, &end)
      var acoustic: Int32 = 0
      var language: Int32 = 0
      var backoff: Int32 = 0
      let probability = ps_seg_prob(current, &acoustic, &language, &backoff)
      segments.append(
        Segment(
          word: ps_seg_word(current).map { String(cString: $0) } ?? "", startFrame: Int(start),
          endFrame: Int(end), acoustic: acoustic, probability: probability))
      iterator = ps_seg_next(current)
    }
    return segments
  }

  /// `word` without its alternative-pronunciation suffix ("read(2)" is "read").
  private static func baseWord(_ word: String) -> String {
    guard word.hasSuffix(")"), let open = word.lastIndex(of: "(") else { return word }
    return String(word[..<open])
  }

  private func check(_ result: Int32, _ operation: String, _ subject: String) throws {
    guard result >= 0 else { throw SpeechEngineError(operation: operation, subject: subject) }
  }
}
