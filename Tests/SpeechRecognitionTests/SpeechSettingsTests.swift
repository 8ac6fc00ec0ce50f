import Foundation
import SpeechRecognition
import Testing

@Suite struct SpeechSettingsTests {
  static func settings(_ json: String) throws -> SpeechRecognizer.Configuration {
    let directory = try Support.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("speech.json")
    try json.write(to: file, atomically: true, encoding: .utf8)
    return try SpeechRecognizer.Configuration(contentsOf: file)
  }

  /// The service reads `Config/speech.json`; the figures the benchmark prints are for the defaults.
  @Test func theCommittedFileHoldsTheDefaults() throws {
    let committed = try SpeechRecognizer.Configuration(
      contentsOf: Support.packageRoot.appendingPathComponent("Config/speech.json"))
    let defaults = SpeechRecognizer.Configuration()
    #expect(committed.acousticModel == defaults.acousticModel)
    #expect(committed.dictionary == defaults.dictionary)
    #expect(committed.languageModel == defaults.languageModel)
    #expect(committed.voiceActivityThreshold == defaults.voiceActivityThreshold)
    #expect(committed.commandNoiseRemoval == defaults.commandNoiseRemoval)
    #expect(committed.endpointing == defaults.endpointing)
    #expect(committed.commandConfidenceThreshold == defaults.commandConfidenceThreshold)
    #expect(committed.commandRejection == defaults.commandRejection)
    #expect(committed.wakeVerification == defaults.wakeVerification)
    #expect(committed.pronunciationVariants == defaults.pronunciationVariants)
  }

  @Test func missingKeysKeepTheirDefaultsAndNullSwitchesAPartOff() throws {
    let retuned = try Self.settings(
      #"{"commandRejection": {"pathFloor": -0.006}, "wakeVerification": {"margin": 0}, "endpointing": {"lead": 0.5}}"#
    )
    #expect(
      retuned.endpointing
        == Endpointing(
          threshold: Endpointing.standard.threshold, lead: 0.5, trail: Endpointing.standard.trail))
    #expect(
      retuned.commandRejection
        == CommandRejection(
          pathFloor: -0.006, silenceFloor: CommandRejection.standard.silenceFloor,
          silenceMinimumDuration: CommandRejection.standard.silenceMinimumDuration,
          edgeSilenceAllowance: CommandRejection.standard.edgeSilenceAllowance))
    #expect(retuned.wakeVerification?.margin == 0)
    #expect(retuned.wakeVerification?.minimumDuration == WakeVerification.heyCabin.minimumDuration)
    #expect(retuned.languageModel == SpeechRecognizer.Configuration().languageModel)
    #expect(retuned.pronunciationVariants == SpeechRecognizer.Configuration.britishTrapVowel)

    let variants = try Self.settings(
      #"{"pronunciationVariants": {"AE": "AA", "OW": "AH UW"}, "commandNoiseRemoval": true}"#)
    #expect(variants.pronunciationVariants == ["AE": "AA", "OW": "AH UW"])
    #expect(variants.commandNoiseRemoval)
    #expect(!retuned.commandNoiseRemoval)

    let off = try Self.settings(
      #"""
      {"commandRejection": null, "wakeVerification": null, "languageModel": null, "endpointing": null,
       "pronunciationVariants": null}
      """#)
    #expect(off.endpointing == nil)
    #expect(off.commandRejection == nil)
    #expect(off.wakeVerification == nil)
    #expect(off.languageModel == nil)
    #expect(off.pronunciationVariants.isEmpty)
    #expect(off.acousticModel == SpeechRecognizer.Configuration().acousticModel)
  }

  @Test(arguments: [
    (#"{"comandRejection": null}"#, "comandRejection", "unknown setting"),
    (#"{"commandRejection": {"floor": -1}}"#, "commandRejection.floor", "unknown setting"),
    (#"{"commandRejection": {"pathFloor": 0.5}}"#, "commandRejection.pathFloor", "must be below 0 (got 0.5)"),
    (#"{"commandRejection": 1}"#, "commandRejection", "expected a JSON object"),
    (
      #"{"commandRejection": {"edgeSilenceAllowance": -0.3}}"#, "commandRejection.edgeSilenceAllowance",
      "must be 0 or more seconds (got -0.3)"
    ),
    (#"{"wakeVerification": {"margin": "wide"}}"#, "wakeVerification.margin", "expected a number"),
    (#"{"wakeVerification": {"minimumDuration": -1}}"#, "wakeVerification.minimumDuration", "0 or more"),
    (#"{"endpointing": {"threshold": 0}}"#, "endpointing.threshold", "must be above 0 decibels (got 0.0)"),
    (#"{"endpointing": {"trail": -0.1}}"#, "endpointing.trail", "0 or more seconds"),
    (#"{"commandConfidenceThreshold": 1.5}"#, "commandConfidenceThreshold", "must be 0 to 1 (got 1.5)"),
    (#"{"pronunciationVariants": ["AE", "AA"]}"#, "pronunciationVariants", "expected an object from a phone"),
    (#"{"pronunciationVariants": {"ae": "AA"}}"#, "pronunciationVariants.ae", "one phone in capitals"),
    (
      #"{"pronunciationVariants": {"AE": "AA  AH"}}"#, "pronunciationVariants.AE",
      "one space apart (got 'AA  AH')"
    ),
    (#"{"commandNoiseRemoval": "yes"}"#, "commandNoiseRemoval", "expected true or false"),
    (#"{"voiceActivityThreshold": true}"#, "voiceActivityThreshold", "expected a number"),
    (#"{"acousticModel": "/nonexistent/en-us"}"#, "acousticModel", "no such directory"),
    (#"{"dictionary": "/usr/share/pocketsphinx/model/en-us"}"#, "dictionary", "no such file"),
  ])
  func aBrokenSettingIsNamed(json: String, key: String, message: String) {
    let error = #expect(throws: SpeechSettingsError.self) { try Self.settings(json) }
    #expect(error?.key == key, "\(json)")
    #expect(error?.message.contains(message) == true, "\(json): \(error?.message ?? "")")
    #expect(error?.description.hasSuffix("speech.json: \(key): \(error?.message ?? "")") == true)
  }

  @Test func aFileThatIsNotAJSONObjectIsAnError() {
    for json in ["{", "[1, 2]", ""] {
      let error = #expect(throws: SpeechSettingsError.self, "\(json)") { try Self.settings(json) }
      #expect(error?.key == nil)
    }
    let missing = URL(fileURLWithPath: "/nonexistent/speech.json")
    let error = #expect(throws: SpeechSettingsError.self) {
      try SpeechRecognizer.Configuration(contentsOf: missing)
    }
    #expect(error?.message.hasPrefix("cannot read") == true)
  }
}
