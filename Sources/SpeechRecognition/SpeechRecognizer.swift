public import Foundation
import Glibc

/// Which pocketsphinx search produced a transcript.
public enum SpeechSearch: String, Sendable, Equatable, Codable {
  /// The JSGF grammar generated from the intent templates.
  case command
  /// The general n-gram language model, for free text (destinations, song titles).
  case freeText
}

/// How `SpeechRecognizer` chooses its search for an utterance.
public enum RecognitionMode: Sendable, Equatable {
  /// The command grammar, falling back to the language model when its hypothesis is empty or its
  /// posterior is below `Configuration.commandConfidenceThreshold`.
  case automatic
  /// The command grammar only.
  case command
  /// The language model only (a follow-up slot such as a destination).
  case freeText
}

/// One recognised word.
public struct RecognizedWord: Sendable, Equatable, Codable {
  /// The word, lower case, as in the dictionary.
  public var text: String
  /// Start, in seconds from the start of the audio.
  public var start: Double
  /// End, in seconds from the start of the audio.
  public var end: Double
  /// The word's posterior probability (0...1) from the decoder's lattice.
  public var confidence: Double
}

/// What the recogniser heard in one utterance.
public struct Transcript: Sendable, Equatable, Codable {
  /// The words, space separated; empty when nothing was recognised.
  public var text: String
  /// The words with times and confidences.
  public var words: [RecognizedWord]
  /// The posterior probability of the whole hypothesis (0...1).
  public var confidence: Double
  /// The search that produced `text`.
  public var search: SpeechSearch
  /// Seconds of audio decoded.
  public var audioDuration: Double
  /// Seconds spent decoding (every search run, fallback included).
  public var processingTime: Double

  /// Processing time over audio duration; below 1 is faster than real time.
  public var realTimeFactor: Double { audioDuration > 0 ? processingTime / audioDuration : 0 }
}

/// A wake phrase spotted in audio.
public struct WakeWordHit: Sendable, Equatable, Codable {
  /// The phrase spotted.
  public var phrase: String
  /// Start, in seconds from the start of the audio.
  public var start: Double
  /// End, in seconds from the start of the audio.
  public var end: Double
}

/// Offline speech recognition over pocketsphinx 0.8: wake-phrase spotting, then commands through
/// the grammar generated from the intent templates, with the general language model for free text.
///
/// Audio is 16 kHz mono 16-bit PCM. The recogniser owns one pocketsphinx decoder, which is not
/// thread-safe: the type is deliberately not `Sendable`, so one thread or actor owns it. Every method
/// blocks while it decodes (about 0.03 times the audio's duration).
public final class SpeechRecognizer {
  /// Model files and tuning.
  ///
  /// - `acousticModel`: the acoustic model directory (Debian's `pocketsphinx-en-us`:
  ///   `/usr/share/pocketsphinx/model/en-us/en-us`).
  /// - `dictionary`: the pronunciation dictionary (`cmudict-en-us.dict` next to it).
  /// - `languageModel`: the general n-gram model (`en-us.lm.bin`), loaded on first use; nil
  ///   disables free text.
  /// - `commandGrammar`: JSGF text for commands (from `JSGFGenerator`); nil disables commands.
  /// - `wakePhrase`: the keyphrase spotted by `spotWakeWord` ("hey cabin").
  /// - `keyphraseThreshold`: pocketsphinx's `-kws_threshold`; lower finds more and false-alarms
  ///   more. Measured by `cabin-eval-speech` (30 espeak-ng "hey cabin" clips in car noise, 682 s
  ///   of other speech): 1e-10 found 23%, no false alarm; 1e-20 found 67%, 2 false alarms; 1e-30
  ///   found 77%, 5; 1e-40 found 80%, 11. 1e-20 is the default: none meets the 90%/0 target.
  /// - `grammarLanguageWeight`: the command grammar's `-lw`. pocketsphinx splits a branch's
  ///   probability evenly among its alternatives, so in a grammar with hundreds of phrases its
  ///   default of 6.5 lets short, weakly branching paths (numbers) beat what was said; a lower weight
  ///   trusts the acoustics more (4).
  /// - `grammarWordInsertionPenalty`: the grammar search's `-wip` (0.01; pocketsphinx's 0.65 let
  ///   background noise become extra words such as "so" and "to").
  /// - `grammarSilenceProbability`: the grammar search's `-silprob` (0.1; default 0.005).
  ///   The three grammar weights were chosen together on 30 hard espeak-ng clips (10 short commands
  ///   the evaluation had missed, 3 voices): exact transcripts went from 6 to 12 of 30.
  /// - `commandConfidenceThreshold`: in `.automatic` mode, a grammar hypothesis with a lower
  ///   posterior falls back to the language model (0 falls back only on an empty hypothesis).
  public struct Configuration: Sendable, Equatable {
    /// The acoustic model directory.
    public var acousticModel: URL
    /// The pronunciation dictionary.
    public var dictionary: URL
    /// The general language model, or nil for none.
    public var languageModel: URL?
    /// The command grammar as JSGF text, or nil for none.
    public var commandGrammar: String?
    /// The wake phrase.
    public var wakePhrase: String
    /// The keyphrase detection threshold.
    public var keyphraseThreshold: Double
    /// The lowest grammar posterior accepted without falling back to the language model.
    public var commandConfidenceThreshold: Double
    /// The command grammar's language weight.
    public var grammarLanguageWeight: Double
    /// The command grammar's word insertion penalty.
    public var grammarWordInsertionPenalty: Double
    /// The command grammar's probability of silence between words.
    public var grammarSilenceProbability: Double

    /// Debian's `pocketsphinx-en-us` model directory.
    public static let debianModels = URL(fileURLWithPath: "/usr/share/pocketsphinx/model/en-us")

    /// Creates a configuration; every parameter has the documented default.
    public init(
      acousticModel: URL = debianModels.appendingPathComponent("en-us"),
      dictionary: URL = debianModels.appendingPathComponent("cmudict-en-us.dict"),
      languageModel: URL? = debianModels.appendingPathComponent("en-us.lm.bin"),
      commandGrammar: String? = nil, wakePhrase: String = "hey cabin", keyphraseThreshold: Double = 1e-20,
      commandConfidenceThreshold: Double = 0, grammarLanguageWeight: Double = 4,
      grammarWordInsertionPenalty: Double = 0.01, grammarSilenceProbability: Double = 0.1
    ) {
      self.grammarLanguageWeight = grammarLanguageWeight
      self.grammarWordInsertionPenalty = grammarWordInsertionPenalty
      self.grammarSilenceProbability = grammarSilenceProbability
      self.acousticModel = acousticModel
      self.dictionary = dictionary
      self.languageModel = languageModel
      self.commandGrammar = commandGrammar
      self.wakePhrase = wakePhrase
      self.keyphraseThreshold = keyphraseThreshold
      self.commandConfidenceThreshold = commandConfidenceThreshold
    }
  }

  private enum SearchName {
    static let wake = "wake"
    static let command = "command"
    static let freeText = "free"
  }

  private static let chunkSamples = 1_600

  /// The configuration in use.
  public let configuration: Configuration
  private let decoder: PocketSphinxDecoder
  private var languageModelLoaded = false

  /// Loads the acoustic model and dictionary and compiles the wake phrase and command grammar.
  /// - Throws: `SpeechEngineError` when a model file or the grammar is rejected, or a wake word
  ///   is not in the dictionary.
  public init(configuration: Configuration = Configuration()) throws {
    self.configuration = configuration
    decoder = try PocketSphinxDecoder(
      acousticModel: configuration.acousticModel, dictionary: configuration.dictionary)
    for word in configuration.wakePhrase.split(separator: " ")
    where decoder.pronunciation(of: String(word)) == nil {
      throw SpeechEngineError(operation: "dictionary lookup", subject: "wake word '\(word)'")
    }
    try decoder.addKeyphrase(
      search: SearchName.wake, phrase: configuration.wakePhrase, threshold: configuration.keyphraseThreshold)
    if let grammar = configuration.commandGrammar {
      try decoder.addJSGF(
        search: SearchName.command, text: JSGFRepair.removingSelfDefinitions(grammar),
        weights: SearchWeights(
          languageWeight: configuration.grammarLanguageWeight,
          wordInsertionPenalty: configuration.grammarWordInsertionPenalty,
          silenceProbability: configuration.grammarSilenceProbability))
    }
  }

  /// The words of a pronunciation dictionary file (alternative pronunciations folded), to pass to
  /// `JSGFGenerator.generate(_:contacts:vocabulary:)` so the grammar uses only words it can say.
  public static func vocabulary(ofDictionary url: URL) throws -> Set<String> {
    let text = try String(contentsOf: url, encoding: .utf8)
    var words: Set<String> = []
    for line in text.split(separator: "\n") {
      guard let first = line.split(separator: " ", maxSplits: 1).first else { continue }
      let word = first.split(separator: "(", maxSplits: 1).first ?? first
      words.insert(String(word))
    }
    return words
  }

  /// Recognises the utterance in a WAV file.
  /// - Throws: `AudioFormatError` for a file that is not 16 kHz mono 16-bit PCM, `SpeechEngineError`.
  public func recognize(wav url: URL, mode: RecognitionMode = .automatic) throws -> Transcript {
    try recognize(samples: WAVFile.samples(contentsOf: url), mode: mode)
  }

  /// Recognises one utterance of 16 kHz mono samples.
  public func recognize(samples: [Int16], mode: RecognitionMode = .automatic) throws -> Transcript {
    let clock = ContinuousClock()
    let started = clock.now
    var transcript = try decodeAll(samples, search: mode == .freeText ? .freeText : .command)
    if mode == .automatic, needsFallback(transcript) {
      transcript = try decodeAll(samples, search: .freeText)
    }
    return finish(transcript, samples: samples.count, elapsed: clock.now - started)
  }

  /// Reads 16 kHz mono 16-bit little-endian PCM from `fileDescriptor` until end of file and
  /// recognises it as one utterance. Blocks the calling thread: run it on a thread dedicated to
  /// audio. The descriptor is not closed.
  ///
  /// The stream is read in 0.1 s chunks but decoded once it ends: decoding chunk by chunk uses
  /// pocketsphinx's running cepstral mean, and on espeak-ng test speech that turned "turn down the
  /// volume" into "do mute audio" on a fresh decoder and worse on later utterances, while decoding
  /// the whole utterance (batch mean) got it right.
  /// - Throws: `AudioFormatError` when reading fails or the stream ends inside a sample.
  public func listen(fileDescriptor: Int32, mode: RecognitionMode = .automatic) throws -> Transcript {
    let source = "file descriptor \(fileDescriptor)"
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: Self.chunkSamples * 2)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(fileDescriptor, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        throw AudioFormatError(source: source, problem: .readFailed(errno: errno))
      }
      if count == 0 { break }
      bytes += buffer[0..<count]
    }
    guard bytes.count % 2 == 0 else {
      throw AudioFormatError(source: source, problem: .oddByteCount(bytes.count))
    }
    let samples = stride(from: 0, to: bytes.count, by: 2).map {
      Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8)
    }
    return try recognize(samples: samples, mode: mode)
  }

  /// Finds every occurrence of the wake phrase in 16 kHz mono samples.
  ///
  /// Audio is decoded in 0.1 s chunks; a hit's `end` is the end of the chunk in which it was
  /// detected (up to 0.1 s late), its `start` that minus the phrase's decoded length. Audio should
  /// start with some background sound: a phrase in the very first frames is missed.
  public func spotWakeWord(samples: [Int16]) throws -> [WakeWordHit] {
    var hits: [WakeWordHit] = []
    var utteranceStart = 0
    try decoder.startUtterance(search: SearchName.wake)
    func record(endingAt endSample: Int) {
      guard let phrase = decoder.hypothesis() else { return }
      // The keyphrase search's segment frames do not count from this utterance's start, so only
      // their span is used; the detection happens at the phrase's end, within the last chunk.
      let end = Double(endSample) / Double(WAVFile.sampleRate)
      let span = decoder.words().reduce(0) { $0 + $1.endFrame - $1.startFrame + 1 }
      let earliest = Double(utteranceStart) / Double(WAVFile.sampleRate)
      hits.append(
        WakeWordHit(
          phrase: phrase, start: max(earliest, end - Double(span) / PocketSphinxDecoder.framesPerSecond),
          end: end))
    }
    for chunkStart in stride(from: 0, to: samples.count, by: Self.chunkSamples) {
      let chunk = samples[chunkStart..<min(chunkStart + Self.chunkSamples, samples.count)]
      try decoder.process(chunk)
      guard decoder.hypothesis() != nil else { continue }
      record(endingAt: chunk.endIndex)
      // A keyphrase search keeps reporting its last detection: a new utterance clears it.
      try decoder.endUtterance()
      try decoder.startUtterance(search: SearchName.wake)
      utteranceStart = chunk.endIndex
    }
    // Ending the utterance decodes the last buffered frames, which may complete the phrase.
    try decoder.endUtterance()
    record(endingAt: samples.count)
    return hits
  }

  private func needsFallback(_ transcript: Transcript) -> Bool {
    configuration.languageModel != nil
      && (transcript.text.isEmpty || transcript.confidence < configuration.commandConfidenceThreshold)
  }

  private func begin(_ search: SpeechSearch) throws {
    switch search {
    case .command:
      guard configuration.commandGrammar != nil else {
        throw SpeechEngineError(operation: "command search", subject: "no command grammar configured")
      }
      try decoder.startUtterance(search: SearchName.command)
    case .freeText:
      guard let languageModel = configuration.languageModel else {
        throw SpeechEngineError(operation: "free-text search", subject: "no language model configured")
      }
      if !languageModelLoaded {
        try decoder.addLanguageModel(
          search: SearchName.freeText, file: languageModel, weights: .languageModel)
        languageModelLoaded = true
      }
      try decoder.startUtterance(search: SearchName.freeText)
    }
  }

  private func decodeAll(_ samples: [Int16], search: SpeechSearch) throws -> Transcript {
    try begin(search)
    try decoder.process(samples[...], wholeUtterance: true)
    try decoder.endUtterance()
    return collect(search)
  }

  private func collect(_ search: SpeechSearch) -> Transcript {
    let seconds = { (frame: Int) in Double(frame) / PocketSphinxDecoder.framesPerSecond }
    let text = decoder.hypothesis() ?? ""
    return Transcript(
      text: text,
      words: text.isEmpty
        ? []
        : decoder.words().map {
          RecognizedWord(
            text: $0.word, start: seconds($0.startFrame), end: seconds($0.endFrame), confidence: $0.posterior)
        },
      confidence: text.isEmpty ? 0 : decoder.posterior(), search: search, audioDuration: 0, processingTime: 0)
  }

  private func finish(_ transcript: Transcript, samples: Int, elapsed: Duration) -> Transcript {
    var result = transcript
    result.audioDuration = Double(samples) / Double(WAVFile.sampleRate)
    let parts = elapsed.components
    result.processingTime = Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    return result
  }
}
