public import Foundation
public import IntentUnderstanding
public import SpeechRecognition
import Synchronization

/// What the recogniser heard in one piece of audio.
struct HeardAudio: Sendable {
  /// Every wake phrase spotted, in order.
  var wakeWords: [WakeWordHit]
  /// The command: the audio from the end of the first wake phrase, or all of it when there is none.
  var transcript: Transcript
}

/// Speech recognition for the voice service: one pocketsphinx recogniser whose command grammar is
/// generated from the intent templates and the contact list, run on a thread of its own. A command
/// whose slots hold values no driver asks for (`SlotPlausibility`) is heard again by the language
/// model, as one the recogniser's rejection turns away.
///
/// pocketsphinx decoders are not thread-safe and block while they decode, so the recogniser lives
/// behind a lock and is only used from one serial queue; callers wait without blocking a thread.
public final class SpeechEngine: Sendable {
  /// Where the engine's parts come from.
  ///
  /// - `intentsDirectory`: the intent grammar (`Config/intents/`) the command grammar is
  ///   generated from.
  /// - `recognizer`: model files and tuning; its `commandGrammar` is replaced by the generated one.
  /// - `limits`: bounds on the audio a call may send.
  public struct Configuration: Sendable {
    /// The intent grammar directory.
    public var intentsDirectory: URL
    /// The recogniser's models and tuning.
    public var recognizer: SpeechRecognizer.Configuration
    /// Bounds on incoming audio.
    public var limits: AudioLimits

    /// Creates a configuration.
    public init(
      intentsDirectory: URL, recognizer: SpeechRecognizer.Configuration = .init(),
      limits: AudioLimits = .init()
    ) {
      self.intentsDirectory = intentsDirectory
      self.recognizer = recognizer
      self.limits = limits
    }
  }

  /// The configuration the engine was built with.
  public let configuration: Configuration
  private let grammar: Grammar
  private let vocabulary: Set<String>
  private let recognizer: Mutex<SpeechRecognizer>
  private let queue = DispatchQueue(label: "org.cabin.voice.speech")

  /// Loads the models and compiles the command grammar for `contacts`.
  /// - Throws: `GrammarError` for the intent grammar, `SpeechEngineError` when pocketsphinx
  ///   rejects a model file or the generated grammar, or the dictionary cannot be read.
  public init(configuration: Configuration, contacts: [Contact] = []) throws {
    self.configuration = configuration
    grammar = try Grammar(directory: configuration.intentsDirectory)
    vocabulary = try SpeechRecognizer.vocabulary(ofDictionary: configuration.recognizer.dictionary)
    var settings = configuration.recognizer
    settings.commandGrammar = JSGFGenerator.generate(grammar, contacts: contacts, vocabulary: vocabulary).text
    let recognizer = try SpeechRecognizer(configuration: settings)
    recognizer.commandCheck = try Self.slotCheck(grammar, contacts: contacts)
    self.recognizer = Mutex(recognizer)
  }

  /// Recompiles the command grammar for a new contact list; the models stay loaded.
  public func setContacts(_ contacts: [Contact]) async throws {
    let text = JSGFGenerator.generate(grammar, contacts: contacts, vocabulary: vocabulary).text
    let check = try Self.slotCheck(grammar, contacts: contacts)
    try await run { recognizer in
      try recognizer.setCommandGrammar(text)
      recognizer.commandCheck = check
    }
  }

  /// The recogniser's `commandCheck`: whether a command hypothesis's slots are plausible
  /// (`SlotPlausibility`). Every hypothesis is a path through the templates, so the grammar alone
  /// reads it, without the sentence encoder.
  private static func slotCheck(_ grammar: Grammar, contacts: [Contact]) throws -> @Sendable (String) -> Bool
  {
    let understander = try IntentUnderstander(grammar: grammar, configuration: .init(contacts: contacts))
    return { understander.hasPlausibleSlots($0) }
  }

  /// Spots the wake phrase in `samples`, then recognises the command after it
  /// (`SpeechRecognizer.recognizeAfterWakePhrase(samples:mode:)`).
  func hear(_ samples: [Int16]) async throws -> HeardAudio {
    try await run { try Self.hear(samples, with: $0) }
  }

  /// `hear(_:)` on the calling thread, for a thread that owns a live stream; it waits while
  /// another recognition holds the recogniser.
  func hearBlocking(_ samples: [Int16]) throws -> HeardAudio {
    try recognizer.withLock { try Self.hear(samples, with: $0) }
  }

  private static func hear(_ samples: [Int16], with recognizer: SpeechRecognizer) throws -> HeardAudio {
    let (wakeWords, transcript) = try recognizer.recognizeAfterWakePhrase(samples: samples)
    return HeardAudio(wakeWords: wakeWords, transcript: transcript)
  }

  /// Spots the wake phrase in `samples` on the calling thread
  /// (`SpeechRecognizer.spotWakeWord(samples:)`).
  func spotBlocking(_ samples: [Int16]) throws -> [WakeWordHit] {
    try recognizer.withLock { try $0.spotWakeWord(samples: samples) }
  }

  private func run<T: Sendable>(
    _ body: @escaping @Sendable (SpeechRecognizer) throws -> T
  ) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
      queue.async {
        continuation.resume(with: Result { try self.recognizer.withLock { try body($0) } })
      }
    }
  }
}
