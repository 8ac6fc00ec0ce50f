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
  /// The command grammar, falling back to the language model when its hypothesis is empty, its
  /// confidence is below `Configuration.commandConfidenceThreshold`, or `Configuration.commandRejection`
  /// or `SpeechRecognizer.commandCheck` rejects it.
  case automatic
  /// The command grammar only; a hypothesis `Configuration.commandRejection` or
  /// `SpeechRecognizer.commandCheck` rejects gives an empty transcript.
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
  /// How likely the transcript is right (0...1): for the command grammar, `CommandConfidence.standard`'s
  /// estimate that it is the command that was said; for the language model, the posterior
  /// probability of the whole hypothesis in its lattice; 0 when `text` is empty.
  public var confidence: Double
  /// The search that produced `text`.
  public var search: SpeechSearch
  /// Seconds of audio decoded.
  public var audioDuration: Double
  /// Seconds spent decoding (every search run, fallback included).
  public var processingTime: Double

  /// Processing time over audio duration; below 1 is faster than real time.
  public var realTimeFactor: Double { audioDuration > 0 ? processingTime / audioDuration : 0 }

  /// Moves the times of every word from `start` seconds on later by `count` samples: for audio
  /// decoded from that far in, or with that much cut out at `start`.
  mutating func shiftWords(bySamples count: Int, from start: Double = 0) {
    let seconds = Double(count) / Double(WAVFile.sampleRate)
    for index in words.indices where words[index].start >= start {
      words[index].start += seconds
      words[index].end += seconds
    }
  }
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

/// One way the wake phrase is spotted: the phones of each of its words, and the detection threshold.
public struct WakePronunciation: Sendable, Equatable {
  /// The phones of each word of the wake phrase (space-separated, from the acoustic model's phone set).
  public var phones: [String]
  /// pocketsphinx's keyphrase threshold for this pronunciation; lower finds more and false-alarms more.
  public var threshold: Double

  /// Creates a pronunciation.
  public init(_ phones: [String], threshold: Double) {
    self.phones = phones
    self.threshold = threshold
  }
}

/// Offline speech recognition over pocketsphinx 0.8: wake-phrase spotting, then commands through
/// the grammar generated from the intent templates, with the general language model for free text.
///
/// Audio is 16 kHz mono 16-bit PCM. The recogniser owns two pocketsphinx decoders (wake spotting,
/// and commands with free text), which are not thread-safe: the type is deliberately not
/// `Sendable`, so one thread or actor owns it. Every method blocks while it decodes. On
/// `cabin-eval-speech --set evaluation`, commands in road noise took 0.107 to 0.110 of the audio's
/// duration in processor time (0.51 to 0.54 of the language model's alone) on the 2-core machines of
/// earlier runs and 0.091 (0.47) on a faster one, its fallbacks (6 or 7 of 120) included, with
/// each utterance trimmed to its speech (`Endpointing`); with 15 fallbacks, before
/// `CommandRejection.edgeSilenceAllowance`, 0.121 to 0.126; decoded whole, 0.141 (0.30 with the
/// grammar as sphinxbase expands it and no `-maxhmmpf` cap). Wake spotting takes 0.03 alone and 0.05
/// with each hit verified.
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
  /// - `wakePronunciations`: each way the wake phrase is spotted, with its own threshold; each
  ///   becomes a keyphrase of its own words added to the dictionary. Empty spots `wakePhrase` with its
  ///   dictionary pronunciation at `keyphraseThreshold`. The default adds "cabin" with IH (as espeak-ng
  ///   and most speakers say it) and with British AA, each after "hey" with and without its HH. A
  ///   phrase without HH is shorter and more often heard in other speech, so it needs a higher
  ///   threshold. On `cabin-eval-speech --set tuning` (30 clips; 417 s of other speech), each clip
  ///   decoded whole as a stream of its own: HH at 1e-40 and no HH at 1e-27, 1e-28, 1e-29, 1e-30 found
  ///   16, 17, 20, 21 clips, none false in the other speech, but from 1e-29 a second hit came inside a
  ///   command after the phrase ("hey cabin, how is the forecast"). With one threshold for all four,
  ///   1e-35 false-alarmed 8 times, all without HH; HH at 1e-50 4 times. Adding the dictionary's
  ///   K AE B AH N (espeak-ng's Scottish voice, which is missed most) found no more. The tuning set's
  ///   other speech, doubled to 820 s with near misses ("a little cabin", "the cabin crew", "a
  ///   cabinet"), shows what that 417 s hid: these thresholds false-alarm 17 times, through the
  ///   phrases without HH (alone they find the same 18 clips); no HH at 1e-26 or 1e-24 still
  ///   false-alarmed 15 and 14 times and found only 11 and 10 clips, and the HH phrases alone find
  ///   8 (9 false at 1e-40, 4 at 1e-30). No threshold pair reaches both targets, so spotting is now
  ///   the loose first stage of two: with `wakeVerification` checking each hit, HH at 1e-60 and no HH
  ///   at 1e-40 found 22 clips, adding K AE B AH N and lowering them to 1e-70 and 1e-50 found 24
  ///   (the six missed are all espeak-ng's Scottish voice), 1e-80 and 1e-60 no more; unverified,
  ///   the 1e-70 and 1e-50 phrases false-alarm 51 times in the 820 s, verified none.
  /// - `wakeVerification`: the second check on each hit of spotting (`WakeVerification.heyCabin`);
  ///   nil reports every hit.
  /// - `keyphraseThreshold`: pocketsphinx's `-kws_threshold` for the dictionary pronunciation when
  ///   `wakePronunciations` is empty.
  /// - `grammarLanguageWeight`: the command grammar's `-lw` (4; pocketsphinx's 6.5). sphinxbase
  ///   gives every arc of a JSGF grammar without weights probability 1, so the weight only scales
  ///   the word insertion penalty and the silence probability below.
  /// - `grammarWordInsertionPenalty`: the grammar search's `-wip` (0.01; pocketsphinx's 0.65 let
  ///   background noise become extra words such as "so" and "to").
  /// - `grammarSilenceProbability`: the grammar search's `-silprob` (0.1; default 0.005).
  ///   The three grammar weights were chosen together on 30 hard espeak-ng clips (10 short commands
  ///   the evaluation had missed, 3 voices): exact transcripts went from 6 to 12 of 30.
  /// - `grammarBeam`, `grammarWordBeam`, `grammarPhoneBeam`: the grammar search's `-beam`, `-wbeam`
  ///   and `-pbeam` (1e-60, 1e-40, 1e-60; pocketsphinx's are 1e-48, 7e-29, 1e-48). Wider beams keep
  ///   the right path alive through noisy stretches: on `cabin-eval-speech --set tuning` (80 commands
  ///   in road noise) exact transcripts went from 42 to 47 and word errors from 35% to 24%, for about
  ///   twice the decoding time (`-wbeam` alone: 45, 27%; `-beam` and `-pbeam` alone: 43, 32%;
  ///   `-lw` 2 or 6.5 and `-wip` 0.2 were each worse than the defaults below). With the grammar
  ///   without filler words and each clip a stream of its own, they still pay: 57 exact and 14% word
  ///   errors against 54 and 18% with pocketsphinx's beams, at 0.25 against 0.19 of real time;
  ///   `-ds 2` fell to 41 and 32% for hardly any time saved, `-topn 2` to 55 and 16%, and
  ///   `-maxhmmpf 2000` cost 3 exact transcripts (measured before clips were streams of their own).
  ///   The grammar search is most of the time: a grammar of four phrases decodes at 0.015.
  /// - `grammarMaxHMMsPerFrame`: the grammar search's `-maxhmmpf` (3,000; pocketsphinx's 30,000):
  ///   while more phone models than this are active, the search narrows its beams frame by frame.
  ///   On the tuning set's 80 commands with the minimized grammar, 30,000, 3,000, 2,000, 1,500 and
  ///   1,000 gave 63, 63, 62, 62 and 61 intents (50, 50, 49, 48, 48 exact; word errors 23.3%,
  ///   23.8%, 26.0%, 26.0%, 26.6%) at a real-time factor of about 0.14, 0.115, 0.11, 0.105 and 0.10
  ///   (loaded machine): below 3,000 the narrowed beams lose the right path.
  /// - `minimizesGrammar`: search the command grammar as the minimized `WordGraph` of sphinxbase's
  ///   expansion (true). pocketsphinx's grammar search visits every state of the graph in every
  ///   frame (its history keeps a list per state and phone, about 45% of the decoding time in a
  ///   profile), so the state count sets the speed: the minimized graph has 2,419 states where
  ///   sphinxbase's has 6,114, and decodes the tuning commands in about half the time with nearly
  ///   the same transcripts (50 exact against 51, 63 intents against 62).
  /// - `voiceActivityThreshold`: the front end's `-vad_threshold` (2, pocketsphinx's), how far above
  ///   the noise level a frame must be to count as speech; frames below it are not decoded, and not
  ///   counted in word times either. On the tuning commands in road noise (`-maxhmmpf` 1,500), 2,
  ///   2.5, 2.75 and 3 gave 62, 63, 63 and 61 intents at 0.103, 0.101, 0.099 and 0.086 of real time
  ///   (loaded machine), but from 2.75 the lead-in noise before a wake phrase was dropped and the
  ///   phrase reported at the start of the audio, where the command would be cut from.
  /// - `commandNoiseRemoval`: whether command and free-text decoding use pocketsphinx's noise
  ///   removal (`-remove_noise`; false). It subtracts a running estimate of the noise from each
  ///   frame, which on espeak-ng speech in road noise took away more than it gave. On
  ///   `cabin-eval-speech --set tuning`, without it the commands went from 85.0% to 87.5% (word
  ///   errors 16.9% to 14.6%) at 0.101 of real time instead of 0.114, with 3 fallbacks instead of
  ///   6, and the wake clips that go on with a command from 13 to 16 of 20, after the
  ///   `commandRejection` floors were chosen again for it. Wake spotting keeps it, on a decoder of
  ///   its own: without it spotting found 24 to 26 of the 30 clips but false-alarmed in the 820 s
  ///   of other speech with every verification margin (2.5e-4 to 4.5e-4) and shortest phrase (0.48
  ///   to 0.52 s) tried, where with it none. The second decoder costs about 25 MB and 0.5 s of
  ///   start-up.
  /// - `commandConfidenceThreshold`: in `.automatic` mode, a grammar hypothesis with a lower
  ///   confidence (`CommandConfidence.standard`) falls back to the language model, like one
  ///   `commandRejection` turns away (0 falls back only on an empty hypothesis). 0.2, chosen on
  ///   `cabin-eval-speech --set tuning` among the paths the rejection passes: 0.05 to 0.2 turned
  ///   away 8 of the 13 sentences of other speech and 1 or 2 of 11 misheard commands, and none of
  ///   the 63 right commands, whose lowest estimate lies between 0.3 and 0.4 (0.3 kept 4
  ///   sentences, 0.4 lost 2 right commands, 0.5 lost 3 and kept no sentence). The estimate was
  ///   fitted on those same paths, so the evaluation set is the fairer measure. Both were measured
  ///   with noise removal; without it, and with the floors chosen for that, 7 of the 59 sentences
  ///   became commands against 6, and the estimate still separated the paths (AUC 0.93).
  /// - `commandRejection`: the check that rejects a command path as speech outside the grammar
  ///   (`CommandRejection.standard`; nil takes every path). In `.automatic` mode a rejected utterance
  ///   is decoded again with the language model, in `.command` mode it gives an empty transcript.
  /// - `endpointing`: where speech starts and ends in an utterance to recognise
  ///   (`Endpointing.standard`; nil decodes all of it). Only that stretch is decoded, by both
  ///   searches; word times still count from the start of the audio.
  /// - `pronunciationVariants`: phones of the dictionary and what else they may sound like; every
  ///   command grammar word whose first dictionary pronunciation has one of them gets one more
  ///   pronunciation with each replaced (`britishTrapVowel`, AE as AA; empty for none). The
  ///   dictionary and acoustic model are American, and British speakers' "a" in "fan" or "back" is
  ///   nearer AA than AE: on `cabin-eval-speech --set tuning`, decoded then with noise removal, it
  ///   added 128 pronunciations to 1,057 words and took the commands from 78.8% to 85.0% (word
  ///   errors 21.5% to 16.9%; misses of en-gb+m1 6 to 1 of 20, of the Scottish voice 8 to 6, of
  ///   en-us+m3 2 to 4) at the same processor time. Each tried beside it or instead was no better:
  ///   AE as AH (80.0%), AA as AO in words spelt with "o" (British LOT; no change), EY as EH
  ///   (Scottish FACE; no change in intents), OW as AO (83.8%) and, without AE as AA, OW as AH UW
  ///   (British GOAT; 77.5%).
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
    /// The keyphrase detection threshold of the dictionary pronunciation.
    public var keyphraseThreshold: Double
    /// The wake phrase's pronunciations with their thresholds; empty for the dictionary's.
    public var wakePronunciations: [WakePronunciation]
    /// The lowest grammar confidence accepted without falling back to the language model.
    public var commandConfidenceThreshold: Double
    /// The check that rejects a command path as speech outside the grammar, or nil to take every one.
    public var commandRejection: CommandRejection?
    /// The command grammar's language weight.
    public var grammarLanguageWeight: Double
    /// The command grammar's word insertion penalty.
    public var grammarWordInsertionPenalty: Double
    /// The command grammar's probability of silence between words.
    public var grammarSilenceProbability: Double
    /// The command grammar search's state beam.
    public var grammarBeam: Double
    /// The command grammar search's word-exit beam.
    public var grammarWordBeam: Double
    /// The command grammar search's phone-transition beam.
    public var grammarPhoneBeam: Double
    /// The most phone models the command grammar search evaluates in a frame before its beams narrow.
    public var grammarMaxHMMsPerFrame: Int
    /// Whether the command grammar is searched as its minimized word graph.
    public var minimizesGrammar: Bool
    /// How far above the noise level a frame must be to count as speech.
    public var voiceActivityThreshold: Double
    /// Whether the front end of command and free-text decoding subtracts its running estimate of
    /// the noise from each frame (wake spotting always does).
    public var commandNoiseRemoval: Bool
    /// The second check on each spotted wake phrase, or nil to report every hit of spotting.
    public var wakeVerification: WakeVerification?
    /// Where speech starts and ends in an utterance to recognise, or nil to decode all of it.
    public var endpointing: Endpointing?
    /// Phones of the dictionary replaced, each by the phones given, in one more pronunciation of
    /// every command grammar word that has them; empty for the dictionary's pronunciations alone.
    public var pronunciationVariants: [String: String]

    /// AE also heard as AA: the open TRAP vowel of British English ("fan", "back", "anna").
    public static let britishTrapVowel = ["AE": "AA"]

    /// The words of `wakePhrase`.
    var wakeWords: [String] { wakePhrase.split(separator: " ").map(String.init) }

    /// "hey cabin" with "cabin" as K AE B IH N, K AA B IH N and K AE B AH N, "hey" as HH EY (1e-70)
    /// and EY (1e-50): loose, for recall, as `wakeVerification` removes the false alarms.
    public static let defaultWakePronunciations = [
      WakePronunciation(["HH EY", "K AE B IH N"], threshold: 1e-70),
      WakePronunciation(["HH EY", "K AA B IH N"], threshold: 1e-70),
      WakePronunciation(["HH EY", "K AE B AH N"], threshold: 1e-70),
      WakePronunciation(["EY", "K AE B IH N"], threshold: 1e-50),
      WakePronunciation(["EY", "K AA B IH N"], threshold: 1e-50),
      WakePronunciation(["EY", "K AE B AH N"], threshold: 1e-50),
    ]

    /// Debian's `pocketsphinx-en-us` model directory.
    public static let debianModels = URL(fileURLWithPath: "/usr/share/pocketsphinx/model/en-us")

    /// Creates a configuration; every parameter has the documented default.
    public init(
      acousticModel: URL = debianModels.appendingPathComponent("en-us"),
      dictionary: URL = debianModels.appendingPathComponent("cmudict-en-us.dict"),
      languageModel: URL? = debianModels.appendingPathComponent("en-us.lm.bin"),
      commandGrammar: String? = nil, wakePhrase: String = "hey cabin", keyphraseThreshold: Double = 1e-25,
      commandConfidenceThreshold: Double = 0.2, grammarLanguageWeight: Double = 4,
      grammarWordInsertionPenalty: Double = 0.01, grammarSilenceProbability: Double = 0.1,
      wakePronunciations: [WakePronunciation] = defaultWakePronunciations, grammarBeam: Double = 1e-60,
      grammarWordBeam: Double = 1e-40, grammarPhoneBeam: Double = 1e-60, grammarMaxHMMsPerFrame: Int = 3_000,
      minimizesGrammar: Bool = true, voiceActivityThreshold: Double = 2, commandNoiseRemoval: Bool = false,
      wakeVerification: WakeVerification? = .heyCabin, commandRejection: CommandRejection? = .standard,
      endpointing: Endpointing? = .standard, pronunciationVariants: [String: String] = britishTrapVowel
    ) {
      self.endpointing = endpointing
      self.pronunciationVariants = pronunciationVariants
      self.commandRejection = commandRejection
      self.wakeVerification = wakeVerification
      self.voiceActivityThreshold = voiceActivityThreshold
      self.commandNoiseRemoval = commandNoiseRemoval
      self.grammarMaxHMMsPerFrame = grammarMaxHMMsPerFrame
      self.minimizesGrammar = minimizesGrammar
      self.grammarBeam = grammarBeam
      self.grammarWordBeam = grammarWordBeam
      self.grammarPhoneBeam = grammarPhoneBeam
      self.wakePronunciations = wakePronunciations
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
    static let commandAfterWake = "command-after-wake"
    static let freeText = "free"
  }

  private static let chunkSamples = 1_600

  /// The configuration in use; `setCommandGrammar(_:)` changes its `commandGrammar`.
  public private(set) var configuration: Configuration
  /// A last check of a command grammar hypothesis that `Configuration.commandRejection` passed, by
  /// its text; a hypothesis it returns false for is treated as rejected. nil accepts every one.
  ///
  /// The voice service asks whether the text's slots hold values a driver asks for
  /// (`SlotPlausibility`): a path the grammar forced through other speech often carries numbers no
  /// one says to a car ("four hundred forty degrees").
  public var commandCheck: ((String) -> Bool)?
  /// Decodes commands and free text.
  private let decoder: PocketSphinxDecoder
  /// Spots and verifies the wake phrase.
  private let wakeDecoder: PocketSphinxDecoder
  private var languageModelLoaded = false
  /// Whether `wakePronunciations` are in the command decoder's dictionary.
  private var commandWakePronunciationsAdded = false
  private let wakeVerifier: WakeVerifier?

  /// Loads the acoustic model and dictionary and compiles the wake phrase and command grammar.
  /// - Throws: `SpeechEngineError` when a model file or the grammar is rejected, or a wake word
  ///   is not in the dictionary.
  public init(configuration: Configuration = Configuration()) throws {
    self.configuration = configuration
    // Two decoders, as their front ends differ: wake spotting with pocketsphinx's noise removal,
    // commands and free text as `commandNoiseRemoval` says.
    wakeDecoder = try PocketSphinxDecoder(
      acousticModel: configuration.acousticModel, dictionary: configuration.dictionary,
      voiceActivityThreshold: configuration.voiceActivityThreshold, removesNoise: true)
    decoder = try PocketSphinxDecoder(
      acousticModel: configuration.acousticModel, dictionary: configuration.dictionary,
      voiceActivityThreshold: configuration.voiceActivityThreshold,
      removesNoise: configuration.commandNoiseRemoval)
    try wakeDecoder.requirePronunciations(of: configuration.wakeWords, role: "wake word")
    try Self.addWakeSearch(wakeDecoder, configuration)
    if let verification = configuration.wakeVerification {
      wakeVerifier = try WakeVerifier(verification, phrase: configuration.wakePhrase, decoder: wakeDecoder)
    } else {
      wakeVerifier = nil
    }
    if let grammar = configuration.commandGrammar { try addCommandSearches(grammar) }
  }

  /// Replaces the command grammar (JSGF text, as `Configuration.commandGrammar`), for a new contact
  /// list: only the command searches are built again, in place, so the models, the wake phrase and
  /// the language model stay loaded, and the searches they replace are freed. On an error the
  /// previous grammar is built again and the recogniser goes on with it.
  /// - Throws: `SpeechEngineError` when pocketsphinx rejects the grammar.
  public func setCommandGrammar(_ grammar: String) throws {
    do {
      try addCommandSearches(grammar)
    } catch {
      if let previous = configuration.commandGrammar { try? addCommandSearches(previous) }
      throw error
    }
    configuration.commandGrammar = grammar
  }

  /// Adds the two searches of the command grammar (the wake phrase allowed before a command, and
  /// required), replacing those of an earlier grammar.
  private func addCommandSearches(_ grammar: String) throws {
    let texts = try [false, true].map {
      try Self.withWakePhrase(grammar, configuration.wakePhrase, required: $0)
    }
    if !commandWakePronunciationsAdded {
      try Self.addWakePronunciations(decoder, configuration)
      commandWakePronunciationsAdded = true
    }
    let weights = SearchWeights(
      languageWeight: configuration.grammarLanguageWeight,
      wordInsertionPenalty: configuration.grammarWordInsertionPenalty,
      silenceProbability: configuration.grammarSilenceProbability, beam: configuration.grammarBeam,
      wordBeam: configuration.grammarWordBeam, phoneBeam: configuration.grammarPhoneBeam,
      maxHMMsPerFrame: configuration.grammarMaxHMMsPerFrame)
    for (search, text) in zip([SearchName.command, SearchName.commandAfterWake], texts) {
      try decoder.addJSGF(
        search: search, text: text, weights: weights, minimized: configuration.minimizesGrammar,
        variants: configuration.pronunciationVariants)
    }
  }

  /// The command grammar with the wake phrase before any command: allowed, for utterances where
  /// spotting may have missed it, or `required`, for the command after a spotted phrase
  /// (`recognizeAfterWakePhrase(samples:mode:)`). `withoutWakePhrase` takes it out of transcripts.
  static func withWakePhrase(_ grammar: String, _ wakePhrase: String, required: Bool) throws -> String {
    guard let publicRule = grammar.range(of: "public <"),
      let nameEnd = grammar[publicRule.upperBound...].firstIndex(of: ">")
    else { throw SpeechEngineError(operation: "command grammar", subject: "no public rule") }
    let name = grammar[publicRule.upperBound..<nameEnd]
    var text = grammar
    text.replaceSubrange(publicRule, with: "<")
    let phrase = required ? wakePhrase : "[\(wakePhrase)]"
    return text + "\npublic <wake_then_\(name)> = \(phrase) <\(name)>;\n"
  }

  /// Adds each way `wakePronunciations` says a word of the wake phrase to the dictionary as an
  /// alternative pronunciation of that word, so the command grammars' wake phrase is heard
  /// as spotting hears it ("cabin" is only K AE B AH N in the dictionary).
  private static func addWakePronunciations(_ decoder: PocketSphinxDecoder, _ configuration: Configuration)
    throws
  {
    let words = configuration.wakeWords
    for (position, word) in words.enumerated() {
      let known = decoder.pronunciation(of: word)
      let variants = Set(
        configuration.wakePronunciations.compactMap {
          $0.phones.indices.contains(position) ? $0.phones[position] : nil
        })
      for (index, phones) in variants.sorted().enumerated() where phones != known {
        try decoder.addWord("\(word)(wake\(index))", phones: phones)
      }
    }
  }

  /// `transcript` without the wake phrase at its start, which the command grammar allows and the
  /// language model may hear.
  private func withoutWakePhrase(_ transcript: Transcript) -> Transcript {
    let phrase = configuration.wakeWords
    guard transcript.words.count > phrase.count,
      transcript.words.prefix(phrase.count).map(\.text) == phrase
    else { return transcript }
    var result = transcript
    result.words.removeFirst(phrase.count)
    result.text = result.words.map(\.text).joined(separator: " ")
    return result
  }

  private static func addWakeSearch(_ decoder: PocketSphinxDecoder, _ configuration: Configuration) throws {
    let words = configuration.wakeWords
    guard !configuration.wakePronunciations.isEmpty else {
      try decoder.addKeyphrase(
        search: SearchName.wake, phrase: configuration.wakePhrase, threshold: configuration.keyphraseThreshold
      )
      return
    }
    var phrases: [(phrase: String, threshold: Double)] = []
    for (index, pronunciation) in configuration.wakePronunciations.enumerated() {
      let phones = pronunciation.phones
      guard phones.count == words.count else {
        throw SpeechEngineError(
          operation: "wake pronunciation",
          subject:
            "'\(phones.joined(separator: " | "))' has \(phones.count) words, '\(configuration.wakePhrase)' \(words.count)"
        )
      }
      let variant = words.map { "\($0)_wake\(index)" }
      for (word, phones) in zip(variant, phones) { try decoder.addWord(word, phones: phones) }
      phrases.append((variant.joined(separator: " "), pronunciation.threshold))
    }
    try decoder.addKeywords(search: SearchName.wake, phrases: phrases)
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
    try recognize(samples: samples, mode: mode, afterWakePhrase: false)
  }

  /// Recognises one utterance; `afterWakePhrase` when it starts with a spotted wake phrase, which the
  /// command grammar then requires.
  private func recognize(samples: [Int16], mode: RecognitionMode, afterWakePhrase: Bool) throws -> Transcript
  {
    let clock = ContinuousClock()
    let started = clock.now
    let speech = configuration.endpointing?.speechRange(of: samples) ?? samples.indices
    let decoded = try decodeAll(
      samples[speech], search: mode == .freeText ? .freeText : .command, afterWakePhrase: afterWakePhrase)
    var transcript = withoutWakePhrase(decoded)
    // Where the path said the wake phrase, in seconds from the start of the speech.
    let phrase =
      transcript.words.count < decoded.words.count
      ? decoded.words[0].start...decoded.words[decoded.words.count - transcript.words.count - 1].end : nil
    if transcript.search == .command, !transcript.text.isEmpty {
      // The wake phrase was checked when it was spotted: the command is judged on its own.
      let acoustics = decoder.pathAcoustics(
        from: phrase.map { Int(($0.upperBound * PocketSphinxDecoder.framesPerSecond).rounded()) + 1 } ?? 0)
      let rejectedPath = acoustics.map { configuration.commandRejection?.rejects($0) ?? false } ?? false
      if rejectedPath || commandCheck?(transcript.text) == false {
        transcript = Transcript(
          text: "", words: [], confidence: 0, search: .command, audioDuration: 0, processingTime: 0)
      } else {
        let evidence = acoustics.flatMap(CommandConfidence.Evidence.init)
        transcript.confidence = evidence.map(CommandConfidence.standard.confidence) ?? 0
      }
    }
    if mode == .automatic, needsFallback(transcript) {
      // The language model does not know the wake phrase: it hears the speech with the phrase the
      // grammar placed cut out, and the sound before the phrase kept for its front end.
      let rate = Double(WAVFile.sampleRate)
      let cut = phrase.map {
        (speech.lowerBound + Int($0.lowerBound * rate))..<min(
          speech.upperBound, speech.lowerBound + Int($0.upperBound * rate))
      }
      let audio = cut.map {
        samples[speech.lowerBound..<$0.lowerBound] + samples[$0.upperBound..<speech.upperBound]
      }
      transcript = withoutWakePhrase(
        try decodeAll(audio ?? samples[speech], search: .freeText, afterWakePhrase: false))
      if let cut, let phrase { transcript.shiftWords(bySamples: cut.count, from: phrase.lowerBound) }
    }
    transcript.shiftWords(bySamples: speech.lowerBound)
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
    let samples = WAVFile.samples(littleEndian: bytes[...])
    return try recognize(samples: samples, mode: mode)
  }

  /// Spots the wake phrase in 16 kHz mono samples and recognises the command after the first hit, or
  /// the whole audio as a command when there is none; word times count from the start of `samples`.
  /// The command is decoded from 0.3 s before the phrase with a second search of the command
  /// grammar that requires the phrase before any command; the transcript leaves it out, so the
  /// front end hears the noise before the speech and no cut falls inside a word. The rejection and
  /// the confidence judge the command alone, and a fallback to the language model hears the audio
  /// with the phrase cut out where the grammar's path placed it.
  ///
  /// Cut at the end spotting gives the phrase, "hey cabin, open the sunroof" in quiet espeak-ng
  /// speech (en-us, en-us+m3, en-gb and en-us+f2 at 130, 150 and 170 words a minute) was
  /// transcribed exactly in 4 of the 12 clips, and in all 12 decoded from before the phrase. With
  /// the phrase only allowed, not required, the grammar's best path often spent it on command words
  /// ("turn cabin lights", "six hundred"), was rejected, and the language model heard the phrase as
  /// "the topic": on `cabin-eval-speech --set tuning` the wake clips that go on with a command gave
  /// their intent in 1 of 20 cut, 8 of 20 with the phrase allowed and 13 of 20 required (3 of the 7
  /// misses have no phrase spotted); 16 of 20 since commands are decoded without noise removal
  /// (`Configuration.commandNoiseRemoval`). The second search costs about 65 MB and 0.65 s of
  /// start-up.
  public func recognizeAfterWakePhrase(samples: [Int16], mode: RecognitionMode = .automatic) throws
    -> (wakeWords: [WakeWordHit], transcript: Transcript)
  {
    let wakeWords = try spotWakeWord(samples: samples)
    guard let first = wakeWords.first else { return ([], try recognize(samples: samples, mode: mode)) }
    let start = min(samples.count, max(0, Int((first.start - 0.3) * Double(WAVFile.sampleRate))))
    var transcript = try recognize(samples: Array(samples[start...]), mode: mode, afterWakePhrase: true)
    transcript.shiftWords(bySamples: start)
    return (wakeWords, transcript)
  }

  /// Finds every occurrence of the wake phrase in 16 kHz mono samples.
  ///
  /// The samples are decoded as one utterance of a stream of their own, so the result does not
  /// depend on audio decoded before, and times count from the first sample. With `endpointing`,
  /// audio whose speech starts more than a second in is spotted from half a second before the
  /// speech, the lead-in of the clips spotting was measured on: before a phrase that espeak-ng says
  /// after 1.5 s or more of quiet or road noise, the keyphrase search found nothing in the whole
  /// audio, and after 1 s it placed the phrase 0.4 s early. Hits are in order; pronunciations
  /// detected over the same stretch are one hit. With `wakeVerification`, only the hits that pass
  /// it are returned. Audio should start with some background sound: a phrase in the
  /// very first frames is missed.
  public func spotWakeWord(samples: [Int16]) throws -> [WakeWordHit] {
    let leadIn = Int(Self.spottingLeadIn * Double(WAVFile.sampleRate))
    let start =
      configuration.endpointing.map {
        Endpointing(threshold: $0.threshold, lead: Self.spottingLeadIn, trail: 0).speechRange(of: samples)
          .lowerBound
      } ?? 0
    guard start >= leadIn else { return try spotWakeWord(decoding: samples) }
    let shift = Double(start) / Double(WAVFile.sampleRate)
    return try spotWakeWord(decoding: Array(samples[start...])).map {
      WakeWordHit(phrase: $0.phrase, start: $0.start + shift, end: $0.end + shift)
    }
  }

  /// Seconds of audio kept before the speech for spotting, when there is more than twice as much.
  private static let spottingLeadIn = 0.5

  private func spotWakeWord(decoding samples: [Int16]) throws -> [WakeWordHit] {
    try wakeDecoder.decodeUtterance(samples[...], search: SearchName.wake)
    guard wakeDecoder.hypothesis() != nil else { return [] }
    let seconds = { (frame: Int) in Double(frame) / PocketSphinxDecoder.framesPerSecond }
    var hits: [WakeWordHit] = []
    for detection in wakeDecoder.words().sorted(by: { $0.startFrame < $1.startFrame }) {
      let (start, end) = (seconds(detection.startFrame), seconds(detection.endFrame + 1))
      if let last = hits.last, start < last.end {
        hits[hits.count - 1].end = max(last.end, end)
      } else {
        // A spotted pronunciation variant is reported as the wake phrase itself.
        hits.append(WakeWordHit(phrase: configuration.wakePhrase, start: start, end: end))
      }
    }
    guard let wakeVerifier else { return hits }
    return try hits.filter { try wakeVerifier.accepts($0, in: samples, decoder: wakeDecoder) }
  }

  private func needsFallback(_ transcript: Transcript) -> Bool {
    configuration.languageModel != nil
      && (transcript.text.isEmpty || transcript.confidence < configuration.commandConfidenceThreshold)
  }

  /// The pocketsphinx search for `search`, loading the language model on first use.
  private func searchName(_ search: SpeechSearch) throws -> String {
    switch search {
    case .command:
      guard configuration.commandGrammar != nil else {
        throw SpeechEngineError(operation: "command search", subject: "no command grammar configured")
      }
      return SearchName.command
    case .freeText:
      guard let languageModel = configuration.languageModel else {
        throw SpeechEngineError(operation: "free-text search", subject: "no language model configured")
      }
      if !languageModelLoaded {
        try decoder.addLanguageModel(
          search: SearchName.freeText, file: languageModel, weights: .languageModel)
        languageModelLoaded = true
      }
      return SearchName.freeText
    }
  }

  private func decodeAll(_ samples: ArraySlice<Int16>, search: SpeechSearch, afterWakePhrase: Bool) throws
    -> Transcript
  {
    let name = try searchName(search)
    try decoder.decodeUtterance(
      samples, search: search == .command && afterWakePhrase ? SearchName.commandAfterWake : name)
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
