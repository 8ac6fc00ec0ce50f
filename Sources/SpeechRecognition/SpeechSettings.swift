public import Foundation

/// A setting in a speech settings file that cannot be used.
public struct SpeechSettingsError: Error, Equatable, CustomStringConvertible {
  /// The file's path.
  public var file: String
  /// The setting, as a dotted path (`commandRejection.pathFloor`), or nil for the file as a whole.
  public var key: String?
  /// What is wrong with it.
  public var message: String

  /// Creates an error.
  public init(file: String, key: String?, message: String) {
    self.file = file
    self.key = key
    self.message = message
  }

  /// "FILE: KEY: MESSAGE".
  public var description: String { "\(file): \(key.map { "\($0): " } ?? "")\(message)" }
}

extension SpeechRecognizer.Configuration {
  /// The defaults with the settings of a JSON file applied (`Config/speech.json` for the voice
  /// service), so an integrator can point at other models or retune the checks without a rebuild.
  ///
  /// Every key is optional and a missing one keeps its default: `acousticModel`, `dictionary` and
  /// `languageModel` (paths; `languageModel` may be null for no free-text fallback),
  /// `voiceActivityThreshold`, `commandNoiseRemoval` (true or false), `endpointing` (`threshold`,
  /// `lead`, `trail`, each optional; null decodes whole utterances), `commandRejection`
  /// (`pathFloor`, `silenceFloor`, `silenceMinimumDuration`, `edgeSilenceAllowance`, each optional;
  /// null switches the check off), `commandConfidenceThreshold` (0 to 1), `pronunciationVariants`
  /// (an object from a phone to the phones it may also sound like, such as `{"AE": "AA"}`; null or
  /// `{}` for none) and `wakeVerification` (`margin`, `minimumDuration`; null reports every hit of
  /// spotting). An unknown key, a value of the wrong type or out of range, or a model path that does
  /// not exist is an error naming the key.
  /// - Throws: `SpeechSettingsError`.
  public init(contentsOf url: URL) throws(SpeechSettingsError) {
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw SpeechSettingsError(
        file: url.path, key: nil, message: "cannot read: \(error.localizedDescription)")
    }
    do {
      self = try JSONDecoder().decode(SettingsFile.self, from: data).configuration
    } catch let error as SettingsFile.Problem {
      throw SpeechSettingsError(file: url.path, key: error.key, message: error.message)
    } catch let DecodingError.typeMismatch(_, context) {
      throw SpeechSettingsError(
        file: url.path, key: SettingsFile.key(context.codingPath), message: "expected a JSON object")
    } catch {
      throw SpeechSettingsError(file: url.path, key: nil, message: "not valid JSON")
    }
  }
}

/// The file's contents over the defaults.
private struct SettingsFile: Decodable {
  struct Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  struct Problem: Error {
    var key: String
    var message: String
  }

  typealias Container = KeyedDecodingContainer<Key>

  var configuration = SpeechRecognizer.Configuration()

  static func key(_ path: [any CodingKey]) -> String? {
    path.isEmpty ? nil : path.map(\.stringValue).joined(separator: ".")
  }

  init(from decoder: any Decoder) throws {
    let top = try decoder.container(keyedBy: Key.self)
    try Self.requireOnly(
      [
        "acousticModel", "dictionary", "languageModel", "voiceActivityThreshold", "commandNoiseRemoval",
        "endpointing", "commandRejection", "commandConfidenceThreshold", "pronunciationVariants",
        "wakeVerification",
      ], in: top)
    let defaults = configuration
    configuration.acousticModel =
      try Self.path("acousticModel", in: top, directory: true) ?? defaults.acousticModel
    configuration.dictionary = try Self.path("dictionary", in: top, directory: false) ?? defaults.dictionary
    if try Self.isNull("languageModel", in: top) {
      configuration.languageModel = nil
    } else if let model = try Self.path("languageModel", in: top, directory: false) {
      configuration.languageModel = model
    }
    configuration.voiceActivityThreshold =
      try Self.number("voiceActivityThreshold", in: top, where: { $0 >= 0 }, "must be 0 or more")
      ?? defaults.voiceActivityThreshold
    configuration.commandNoiseRemoval =
      try Self.flag("commandNoiseRemoval", in: top) ?? defaults.commandNoiseRemoval

    if try Self.isNull("endpointing", in: top) {
      configuration.endpointing = nil
    } else if top.contains(Key(stringValue: "endpointing")) {
      let check = try top.nestedContainer(keyedBy: Key.self, forKey: Key(stringValue: "endpointing"))
      try Self.requireOnly(["threshold", "lead", "trail"], in: check)
      let base = Endpointing.standard
      configuration.endpointing = Endpointing(
        threshold: try Self.number("threshold", in: check, where: { $0 > 0 }, "must be above 0 decibels")
          ?? base.threshold,
        lead: try Self.number("lead", in: check, where: { $0 >= 0 }, "must be 0 or more seconds")
          ?? base.lead,
        trail: try Self.number("trail", in: check, where: { $0 >= 0 }, "must be 0 or more seconds")
          ?? base.trail)
    }

    if try Self.isNull("commandRejection", in: top) {
      configuration.commandRejection = nil
    } else if top.contains(Key(stringValue: "commandRejection")) {
      let check = try top.nestedContainer(keyedBy: Key.self, forKey: Key(stringValue: "commandRejection"))
      try Self.requireOnly(
        ["pathFloor", "silenceFloor", "silenceMinimumDuration", "edgeSilenceAllowance"], in: check)
      let base = CommandRejection.standard
      configuration.commandRejection = CommandRejection(
        pathFloor: try Self.number("pathFloor", in: check, where: { $0 < 0 }, "must be below 0")
          ?? base.pathFloor,
        silenceFloor: try Self.number("silenceFloor", in: check, where: { $0 < 0 }, "must be below 0")
          ?? base.silenceFloor,
        silenceMinimumDuration: try Self.number(
          "silenceMinimumDuration", in: check, where: { $0 >= 0 }, "must be 0 or more seconds")
          ?? base.silenceMinimumDuration,
        edgeSilenceAllowance: try Self.number(
          "edgeSilenceAllowance", in: check, where: { $0 >= 0 }, "must be 0 or more seconds")
          ?? base.edgeSilenceAllowance)
    }

    configuration.commandConfidenceThreshold =
      try Self.number(
        "commandConfidenceThreshold", in: top, where: { (0...1).contains($0) }, "must be 0 to 1")
      ?? defaults.commandConfidenceThreshold

    if try Self.isNull("pronunciationVariants", in: top) {
      configuration.pronunciationVariants = [:]
    } else if let variants = try Self.phoneMap("pronunciationVariants", in: top) {
      configuration.pronunciationVariants = variants
    }

    if try Self.isNull("wakeVerification", in: top) {
      configuration.wakeVerification = nil
    } else if top.contains(Key(stringValue: "wakeVerification")) {
      let check = try top.nestedContainer(keyedBy: Key.self, forKey: Key(stringValue: "wakeVerification"))
      try Self.requireOnly(["margin", "minimumDuration"], in: check)
      var verification = WakeVerification.heyCabin
      verification.margin =
        try Self.number("margin", in: check, where: { $0 >= 0 }, "must be 0 or more") ?? verification.margin
      verification.minimumDuration =
        try Self.number("minimumDuration", in: check, where: { $0 >= 0 }, "must be 0 or more seconds")
        ?? verification.minimumDuration
      configuration.wakeVerification = verification
    }
  }

  private static func requireOnly(_ known: [String], in container: Container) throws {
    let unknown = container.allKeys.map(\.stringValue).filter { !known.contains($0) }.sorted()
    guard let first = unknown.first else { return }
    throw Problem(
      key: (container.codingPath.map(\.stringValue) + [first]).joined(separator: "."),
      message: "unknown setting (known here: \(known.joined(separator: ", ")))")
  }

  private static func isNull(_ name: String, in container: Container) throws -> Bool {
    let key = Key(stringValue: name)
    return container.contains(key) ? try container.decodeNil(forKey: key) : false
  }

  private static func number(
    _ name: String, in container: Container, where valid: (Double) -> Bool, _ rule: String
  ) throws -> Double? {
    let key = Key(stringValue: name)
    guard container.contains(key) else { return nil }
    let path = (container.codingPath.map(\.stringValue) + [name]).joined(separator: ".")
    guard let value = try? container.decode(Double.self, forKey: key) else {
      throw Problem(key: path, message: "expected a number")
    }
    guard value.isFinite, valid(value) else { throw Problem(key: path, message: "\(rule) (got \(value))") }
    return value
  }

  private static func flag(_ name: String, in container: Container) throws -> Bool? {
    let key = Key(stringValue: name)
    guard container.contains(key) else { return nil }
    guard let value = try? container.decode(Bool.self, forKey: key) else {
      throw Problem(key: name, message: "expected true or false")
    }
    return value
  }

  /// An object from one phone to one or more space-separated phones, all in capitals as the
  /// acoustic model names them.
  private static func phoneMap(_ name: String, in container: Container) throws -> [String: String]? {
    let key = Key(stringValue: name)
    guard container.contains(key) else { return nil }
    guard let map = try? container.decode([String: String].self, forKey: key) else {
      throw Problem(key: name, message: "expected an object from a phone to phones, such as {\"AE\": \"AA\"}")
    }
    func isPhones(_ text: String, most: Int) -> Bool {
      let phones = text.split(separator: " ", omittingEmptySubsequences: false)
      return (1...most).contains(phones.count)
        && phones.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isUppercase } }
    }
    for (phone, replacement) in map.sorted(by: { $0.key < $1.key }) {
      guard isPhones(phone, most: 1) else {
        throw Problem(key: "\(name).\(phone)", message: "expected one phone in capitals as the key")
      }
      guard isPhones(replacement, most: .max) else {
        throw Problem(
          key: "\(name).\(phone)",
          message: "expected phones in capitals, one space apart (got '\(replacement)')")
      }
    }
    return map
  }

  private static func path(_ name: String, in container: Container, directory: Bool) throws -> URL? {
    let key = Key(stringValue: name)
    guard container.contains(key) else { return nil }
    guard let path = try? container.decode(String.self, forKey: key), !path.isEmpty else {
      throw Problem(key: name, message: "expected a path")
    }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
      isDirectory.boolValue == directory
    else {
      throw Problem(key: name, message: "no such \(directory ? "directory" : "file"): \(path)")
    }
    return URL(fileURLWithPath: path)
  }
}
