public import CabinDBus
public import CabinInference
public import CabinService
public import Foundation
public import IntentUnderstanding
public import Logging
import Synchronization

/// Understands utterances for the voice service: the intent understander, the contact list and
/// the dialogue contexts. Safe to use from any task.
public final class VoiceEngine: Sendable {
  /// Where the engine's parts come from.
  ///
  /// - `intentsDirectory`: the grammar and examples (`Config/intents/`).
  /// - `embedder`: the sentence encoder for stage 2; without it only the grammar is used.
  /// - `modelVersions`: shown in the service's `ModelVersions` property.
  /// - `understanding`: thresholds, default temperature unit and contacts.
  public struct Configuration: Sendable {
    /// The grammar and example directory.
    public var intentsDirectory: URL
    /// The stage 2 encoder, if any.
    public var embedder: (any SentenceEmbedder)?
    /// Model names and versions, for integrators.
    public var modelVersions: [String: String]
    /// The understander's settings.
    public var understanding: IntentUnderstander.Configuration

    /// Creates a configuration.
    public init(
      intentsDirectory: URL, embedder: (any SentenceEmbedder)? = nil, modelVersions: [String: String] = [:],
      understanding: IntentUnderstander.Configuration = .init()
    ) {
      self.intentsDirectory = intentsDirectory
      self.embedder = embedder
      self.modelVersions = modelVersions
      self.understanding = understanding
    }
  }

  /// The configuration the engine was built with (contacts as last set).
  public var configuration: Configuration { state.withLock { $0.configuration } }

  private let state: Mutex<(configuration: Configuration, understander: IntentUnderstander)>
  private let dialogues = DialogueStore()

  /// Loads the grammar (and trains stage 2 when an embedder is given); errors name the file.
  public init(configuration: Configuration) throws {
    let understander = try IntentUnderstander.load(
      directory: configuration.intentsDirectory, configuration: configuration.understanding,
      embedder: configuration.embedder)
    state = Mutex((configuration, understander))
  }

  /// Understands one utterance, keeping the dialogue's context under `dialogue` (empty: none).
  /// `seat` is the speaker's zone name, or empty when unknown.
  public func understand(_ text: String, seat: String, dialogue: String) throws(VoiceError) -> Understanding {
    let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !trimmed.isEmpty else { throw VoiceError.invalidText("the text is empty") }
    guard trimmed.utf8.count <= 1000 else {
      throw VoiceError.invalidText("the text is longer than 1000 bytes; an utterance is a sentence or two")
    }
    let zone = try Self.zone(seat: seat)
    let understander = state.withLock { $0.understander }
    do {
      return try dialogues.with(dialogue) { context in
        try understander.understand(trimmed, speaker: zone, context: &context)
      }
    } catch {
      throw VoiceError.understandingFailed("\(error)")
    }
  }

  /// The zone a seat argument names: nil for empty, `invalidSeat` for anything not in the catalog.
  public static func zone(seat: String) throws(VoiceError) -> Zone? {
    guard !seat.isEmpty else { return nil }
    guard let zone = Zone(rawValue: seat) else { throw VoiceError.invalidSeat(seat) }
    return zone
  }

  /// Forgets a dialogue's context.
  public func endDialogue(_ dialogue: String) { dialogues.reset(dialogue) }

  /// Replaces the contact list the contact slot recognises.
  public func setContacts(_ contacts: [Contact]) throws {
    var configuration = self.configuration
    configuration.understanding.contacts = contacts
    let understander = try IntentUnderstander.load(
      directory: configuration.intentsDirectory, configuration: configuration.understanding,
      embedder: configuration.embedder)
    state.withLock { $0 = (configuration, understander) }
  }
}

/// The voice intent service, `org.cabin.Voice1` at `/org/cabin/Voice`: turns what the driver says
/// or types into intents from the catalog, with typed slots, the speaker's zone and a confidence.
public struct VoiceService: Sendable {
  /// The service's well-known name.
  public static let busName: BusName = "org.cabin.Voice1"
  /// The service's object.
  public static let path: ObjectPath = "/org/cabin/Voice"
  /// The service's interface name.
  public static let interfaceName: InterfaceName = "org.cabin.Voice1"

  /// The engine behind the interface.
  public let engine: VoiceEngine
  /// The speech recogniser behind `Recognize` and `RecognizeFile`; nil answers them with
  /// `org.cabin.Voice1.Error.SpeechUnavailable`.
  public let speech: SpeechEngine?
  /// The exported interface.
  public let interface: DBusInterface

  /// The user ids whose callers may name a file for `RecognizeFile`. The service opens the file
  /// with its own rights, so by default only root and the service's own user may; other callers
  /// open the file themselves and pass the descriptor to `Recognize`.
  public static var defaultFileCallers: Set<UInt32> { [0, getuid()] }

  /// Builds the service around an engine and, for audio, a speech engine; `fileCallers` are the
  /// user ids allowed to call `RecognizeFile`.
  public init(
    engine: VoiceEngine, speech: SpeechEngine? = nil, fileCallers: Set<UInt32> = defaultFileCallers,
    logger: Logger
  ) {
    self.engine = engine
    self.speech = speech
    let recognition = Recognition(engine: engine, speech: speech, logger: logger)
    interface = Self.makeInterface(recognition: recognition, fileCallers: fileCallers)
    recognition.interface.withLock { $0 = interface }
  }

  /// What the host exports.
  public var definition: DBusServiceDefinition {
    DBusServiceDefinition(busName: Self.busName, objects: [(Self.path, [interface])])
  }
}
