/// The intents the understander may produce, with the slots each one accepts.
///
/// Names come from the intent catalog in the design; grammar files are checked against it so a
/// template cannot invent an intent or a slot.
public struct IntentCatalog: Sendable, Equatable {
  /// One catalog entry.
  public struct Entry: Sendable, Equatable {
    /// The intent name, for example `climate.set_temperature`.
    public var name: String
    /// The slot names the intent accepts.
    public var slots: Set<String>
    /// Whether the intent acts on a seat zone (and so defaults to the speaker's zone).
    public var takesZone: Bool

    /// Creates an entry.
    public init(name: String, slots: Set<String>, takesZone: Bool) {
      self.name = name
      self.slots = slots
      self.takesZone = takesZone
    }
  }

  /// The name of the out-of-scope intent.
  public static let none = "none"

  /// Entries by intent name.
  public let entries: [String: Entry]

  /// Creates a catalog from its entries.
  public init(_ entries: [Entry]) {
    self.entries = Dictionary(entries.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
  }

  /// Returns the entry for `name`, if the catalog has it.
  public func entry(_ name: String) -> Entry? { entries[name] }

  /// Catalog version 1, as listed in the design.
  ///
  /// The `followup.*` entries are internal: they are completed from the dialogue context into catalog
  /// intents and never appear in a result.
  public static let v1 = IntentCatalog(
    [
      .init(name: "climate.set_temperature", slots: ["temperature"], takesZone: true),
      .init(name: "climate.adjust_temperature", slots: ["direction", "amount"], takesZone: true),
      .init(name: "climate.feel", slots: ["sensation"], takesZone: true),
      .init(name: "climate.fan", slots: ["state", "level", "direction"], takesZone: true),
      .init(name: "climate.ac", slots: ["state"], takesZone: true),
      .init(name: "climate.defrost", slots: ["state", "position"], takesZone: false),
      .init(name: "climate.recirculation", slots: ["state"], takesZone: false),
      .init(name: "seat.heat", slots: ["state", "level", "duration"], takesZone: true),
      .init(name: "seat.ventilate", slots: ["state", "level", "duration"], takesZone: true),
      .init(name: "window.open", slots: ["percent"], takesZone: true),
      .init(name: "window.close", slots: ["percent"], takesZone: true),
      .init(name: "sunroof.open", slots: ["percent"], takesZone: false),
      .init(name: "sunroof.close", slots: [], takesZone: false),
      .init(name: "lights.interior", slots: ["state", "brightness", "color"], takesZone: true),
      .init(
        name: "media.play",
        slots: [
          "query", "title", "artist", "album", "genre", "mood", "playlist", "podcast", "audiobook",
          "source",
        ],
        takesZone: false),
      .init(name: "media.pause", slots: [], takesZone: false),
      .init(name: "media.resume", slots: [], takesZone: false),
      .init(name: "media.next", slots: [], takesZone: false),
      .init(name: "media.previous", slots: [], takesZone: false),
      .init(name: "media.now_playing", slots: [], takesZone: false),
      .init(name: "media.like", slots: ["state"], takesZone: false),
      .init(name: "media.playback_mode", slots: ["mode", "state"], takesZone: false),
      .init(name: "radio.play", slots: ["station", "band", "frequency"], takesZone: false),
      .init(name: "volume.up", slots: ["amount"], takesZone: false),
      .init(name: "volume.down", slots: ["amount"], takesZone: false),
      .init(name: "volume.set", slots: ["level"], takesZone: false),
      .init(name: "volume.mute", slots: [], takesZone: false),
      .init(name: "volume.unmute", slots: [], takesZone: false),
      .init(name: "navigation.navigate", slots: ["destination"], takesZone: false),
      .init(name: "navigation.find_nearby", slots: ["category", "query"], takesZone: false),
      .init(name: "navigation.traffic", slots: ["destination"], takesZone: false),
      .init(name: "navigation.eta", slots: ["destination"], takesZone: false),
      .init(name: "navigation.cancel", slots: [], takesZone: false),
      .init(name: "navigation.where_am_i", slots: [], takesZone: false),
      .init(name: "navigation.share_location", slots: ["contact"], takesZone: false),
      .init(name: "phone.call", slots: ["contact", "number"], takesZone: false),
      .init(name: "phone.answer", slots: [], takesZone: false),
      .init(name: "phone.decline", slots: [], takesZone: false),
      .init(name: "phone.hang_up", slots: [], takesZone: false),
      .init(name: "message.send", slots: ["contact", "body"], takesZone: false),
      .init(name: "message.read", slots: ["contact"], takesZone: false),
      .init(name: "vehicle.status", slots: ["topic"], takesZone: false),
      .init(name: "vehicle.can_reach", slots: ["destination"], takesZone: false),
      .init(name: "weather.query", slots: ["location", "time"], takesZone: false),
      .init(name: "calendar.query", slots: ["time", "clock"], takesZone: false),
      .init(name: "calendar.add", slots: ["title", "time", "clock", "duration"], takesZone: false),
      .init(name: "assistant.confirm", slots: [], takesZone: false),
      .init(name: "assistant.deny", slots: [], takesZone: false),
      .init(name: "assistant.cancel", slots: [], takesZone: false),
      .init(name: "assistant.repeat", slots: [], takesZone: false),
      .init(name: "followup.zone", slots: [], takesZone: true),
      .init(name: "followup.value", slots: ["value"], takesZone: false),
      .init(name: "followup.more", slots: [], takesZone: false),
      .init(name: "followup.less", slots: [], takesZone: false),
    ])
}
