public import CabinDBus
import IntentUnderstanding
import Synchronization

/// Errors the voice service sends, under `org.cabin.Voice1.Error`.
public enum VoiceError: Error, DBusErrorConvertible, Equatable {
  /// The seat is not one of the catalog's zones.
  case invalidSeat(String)
  /// The text is empty or too long to be an utterance.
  case invalidText(String)
  /// The contact list is malformed.
  case invalidContacts(String)
  /// Understanding failed inside the service (for example, the encoder failed).
  case understandingFailed(String)
  /// The audio is not 16 kHz mono 16-bit PCM (a WAV file of another format, or not WAV at all).
  case unsupportedAudioFormat(String)
  /// The audio is damaged: a truncated WAV file, or a stream ending inside a sample.
  case invalidAudio(String)
  /// The audio holds no samples.
  case emptyAudio(String)
  /// The file or descriptor cannot be read.
  case cannotReadAudio(String)
  /// The audio is longer than the service accepts.
  case audioTooLong(String)
  /// The stream did not end in time.
  case timeout(String)
  /// As many recognitions as the service runs at once are in progress, or the seat already has a
  /// listening session.
  case busy(String)
  /// The service runs without speech recognition, or the recogniser failed.
  case speechUnavailable(String)
  /// The caller may not have the service open files for it.
  case accessDenied(String)
  /// No listening session has this id.
  case unknownSession(String)

  /// The D-Bus error with its versioned name.
  public var dbusError: DBusError {
    switch self {
    case .invalidSeat(let seat):
      DBusError(
        "org.cabin.Voice1.Error.InvalidSeat",
        "unknown seat '\(seat)'; expected one of \(Zone.allCases.map(\.rawValue).joined(separator: ", ")) or empty"
      )
    case .invalidText(let reason): DBusError("org.cabin.Voice1.Error.InvalidText", reason)
    case .invalidContacts(let reason): DBusError("org.cabin.Voice1.Error.InvalidContacts", reason)
    case .understandingFailed(let reason): DBusError("org.cabin.Voice1.Error.NotUnderstood", reason)
    case .unsupportedAudioFormat(let reason):
      DBusError("org.cabin.Voice1.Error.UnsupportedAudioFormat", reason)
    case .invalidAudio(let reason): DBusError("org.cabin.Voice1.Error.InvalidAudio", reason)
    case .emptyAudio(let reason): DBusError("org.cabin.Voice1.Error.EmptyAudio", reason)
    case .cannotReadAudio(let reason): DBusError("org.cabin.Voice1.Error.CannotReadAudio", reason)
    case .audioTooLong(let reason): DBusError("org.cabin.Voice1.Error.AudioTooLong", reason)
    case .timeout(let reason): DBusError("org.cabin.Voice1.Error.Timeout", reason)
    case .busy(let reason): DBusError("org.cabin.Voice1.Error.Busy", reason)
    case .speechUnavailable(let reason): DBusError("org.cabin.Voice1.Error.SpeechUnavailable", reason)
    case .accessDenied(let reason): DBusError("org.cabin.Voice1.Error.AccessDenied", reason)
    case .unknownSession(let reason): DBusError("org.cabin.Voice1.Error.UnknownSession", reason)
    }
  }
}

/// The dialogue contexts of recent dialogues, keyed by the caller's dialogue id.
///
/// Bounded in number and idle time, so callers that never end a dialogue cannot grow it.
final class DialogueStore: Sendable {
  private let entries = Mutex<[String: (context: DialogueContext, used: ContinuousClock.Instant)]>([:])
  let capacity: Int
  let idleLimit: Duration

  init(capacity: Int = 64, idleLimit: Duration = .seconds(60)) {
    self.capacity = capacity
    self.idleLimit = idleLimit
  }

  /// Runs `body` with the dialogue's context and stores what it leaves behind.
  func with<T>(_ id: String, _ body: (inout DialogueContext) throws -> T) rethrows -> T {
    guard !id.isEmpty else {
      var scratch = DialogueContext()
      return try body(&scratch)
    }
    let now = ContinuousClock.now
    var context = entries.withLock { entries -> DialogueContext in
      entries = entries.filter { now - $0.value.used < idleLimit }
      return entries[id]?.context ?? DialogueContext()
    }
    let result = try body(&context)
    let stored = context
    entries.withLock { entries in
      if entries[id] == nil, entries.count >= capacity,
        let oldest = entries.min(by: { $0.value.used < $1.value.used })?.key
      {
        entries[oldest] = nil
      }
      entries[id] = (stored, now)
    }
    return result
  }

  func reset(_ id: String) { _ = entries.withLock { $0.removeValue(forKey: id) } }
}

/// Converts understood intents to the D-Bus shape `a(sdsa{s(sv)}s)`.
enum IntentEncoding {
  /// `(name, confidence, zone, slots, stage)`; each slot is `(type, value)`.
  static let intentType = DBusType.structure([
    .string, .double, .string, .dictionary(key: .string, value: .structure([.string, .variant])), .string,
  ])

  static let intentArrayType = DBusType.array(intentType)

  static func encode(_ intents: [UnderstoodIntent]) -> DBusValue {
    .array(intentType, intents.map(encode))
  }

  static func encode(_ intent: UnderstoodIntent) -> DBusValue {
    let slots = intent.slots.sorted { $0.key < $1.key }.map { name, value in
      let (type, encoded) = encode(value)
      return DBusDictEntry(.string(name), .structure([.string(type), .variant(encoded)]))
    }
    return .structure([
      .string(intent.name), .double(intent.confidence), .string(intent.zone?.rawValue ?? ""),
      .dictionary(key: .string, value: .structure([.string, .variant]), slots),
      .string(intent.stage.rawValue),
    ])
  }

  /// A slot's type tag and value: numbers are `d`, levels `i`, names `s`, and compound values
  /// structures (`temperature (ds)`, `frequency (ds)`, `clock (ii)`).
  static func encode(_ value: SlotValue) -> (String, DBusValue) {
    switch value {
    case .number(let v): ("number", .double(v))
    case .temperature(let v, let unit): ("temperature", .structure([.double(v), .string(unit.rawValue)]))
    case .percent(let v): ("percent", .double(v))
    case .level(let v): ("level", .int32(Int32(clamping: v)))
    case .zone(let zone): ("zone", .string(zone.rawValue))
    case .duration(let seconds): ("duration", .double(seconds))
    case .frequency(let v, let band): ("frequency", .structure([.double(v), .string(band.rawValue)]))
    case .text(let text): ("text", .string(text))
    case .contact(let name): ("contact", .string(name))
    case .choice(let choice): ("choice", .string(choice))
    case .clock(let hour, let minute): ("clock", .structure([.int32(Int32(hour)), .int32(Int32(minute))]))
    }
  }
}
