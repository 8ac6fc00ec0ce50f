public import Foundation

/// Which stage of the understander produced an intent.
public enum UnderstandingStage: String, Sendable, Codable, Equatable {
  /// The template grammar matched.
  case grammar
  /// The sentence-embedding nearest-neighbour stage decided.
  case embedding
  /// A follow-up ("and the passenger side too") was completed from the dialogue context.
  case context
}

/// One intent understood in an utterance.
public struct UnderstoodIntent: Sendable, Codable, Equatable {
  /// The catalog name, or `none` for out of scope.
  public var name: String
  /// Typed slots by catalog slot name; the zone is not repeated here.
  public var slots: [String: SlotValue]
  /// How sure the understander is, from 0 to 1.
  public var confidence: Double
  /// The seat zone the intent acts on, for intents that take one.
  public var zone: Zone?
  /// The stage that produced the intent.
  public var stage: UnderstandingStage

  /// Creates an intent.
  public init(
    name: String, slots: [String: SlotValue] = [:], confidence: Double, zone: Zone? = nil,
    stage: UnderstandingStage
  ) {
    self.name = name
    self.slots = slots
    self.confidence = confidence
    self.zone = zone
    self.stage = stage
  }
}

/// The result of understanding one utterance: one or more intents in the order they were said.
///
/// An out-of-scope utterance gives exactly one intent named `none`.
public struct Understanding: Sendable, Codable, Equatable {
  /// The text as given.
  public var text: String
  /// The speaker's seat given with the request.
  public var speaker: Zone?
  /// The intents, never empty.
  public var intents: [UnderstoodIntent]

  /// Creates a result.
  public init(text: String, speaker: Zone?, intents: [UnderstoodIntent]) {
    self.text = text
    self.speaker = speaker
    self.intents = intents
  }

  /// Whether the utterance was judged out of scope.
  public var isOutOfScope: Bool { intents.allSatisfy { $0.name == IntentCatalog.none } }

  /// JSON in a stable shape: sorted keys, slot values tagged with `type`.
  public func jsonData() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return try encoder.encode(self)
  }
}

/// What the understander remembers between turns of one dialogue.
///
/// The caller keeps one value per dialogue id and passes it to every call for that dialogue;
/// start a new value (or call `reset()`) when the dialogue ends.
public struct DialogueContext: Sendable, Codable, Equatable {
  /// The intents of the last understood turn that was not out of scope.
  public var lastIntents: [UnderstoodIntent]

  /// An empty context.
  public init() { lastIntents = [] }

  /// Forgets everything.
  public mutating func reset() { lastIntents = [] }
}
