import CabinTestKit
import Foundation
import IntentUnderstanding
import SpeechRecognition

/// Paths, the generated grammar, and synthetic speech clips for the speech tests.
enum Support {
  static let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  static let contacts = [
    Contact(name: "Anna Berg", aliases: ["anna"]), Contact(name: "Mom", aliases: ["mum"]),
  ]

  static func grammar() throws -> Grammar {
    let files = try FileManager.default.contentsOfDirectory(
      at: packageRoot.appendingPathComponent("Config/intents"), includingPropertiesForKeys: nil
    )
    .filter { $0.pathExtension == "grammar" }
    .sorted { $0.lastPathComponent < $1.lastPathComponent }
    return try Grammar(contentsOf: files)
  }

  /// The default configuration with the command grammar generated from the project's intent
  /// templates.
  static func recognizerConfiguration() throws -> SpeechRecognizer.Configuration {
    let vocabulary = try SpeechRecognizer.vocabulary(
      ofDictionary: SpeechRecognizer.Configuration().dictionary)
    let speech = JSGFGenerator.generate(try grammar(), contacts: contacts, vocabulary: vocabulary)
    return .init(commandGrammar: speech.text)
  }

  /// A recogniser with the command grammar generated from the project's intent templates.
  static func recognizer() throws -> SpeechRecognizer {
    try SpeechRecognizer(configuration: recognizerConfiguration())
  }

  /// A fresh temporary directory.
  static func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "cabin-speech-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// Runs a tool and fails, with what it printed on standard error, when it exits with an error.
  static func run(_ tool: String, _ arguments: [String]) async throws {
    let result = try await ExternalTool.run("/usr/bin/env", [tool] + arguments)
    guard result.status == 0 else { throw ToolFailure(command: [tool] + arguments, result: result) }
  }

  /// A tool that exited with an error.
  struct ToolFailure: Error, CustomStringConvertible {
    var command: [String]
    var result: ToolResult
    var description: String {
      "\(command.joined(separator: " ")) exited with \(result.status): \(result.error)"
    }
  }

  /// A WAV clip of `text` spoken by espeak-ng with 0.5 s of lead-in and a noise floor (`quiet` or `car`).
  static func clip(
    _ text: String, voice: String = "en-us", speed: Int = 150, noise: String = "quiet", in directory: URL
  )
    async throws -> URL
  {
    let url = directory.appendingPathComponent("\(UUID().uuidString).wav")
    try await run(
      packageRoot.appendingPathComponent("scripts/make-speech-fixtures.sh").path,
      [url.path, voice, String(speed), noise, text])
    return url
  }

  /// `seconds` of the fixtures' faint noise floor (the `quiet` noise of `clip`).
  static func noise(seconds: Double, in directory: URL) async throws -> [Int16] {
    let url = directory.appendingPathComponent("\(UUID().uuidString).wav")
    try await run(
      "sox",
      [
        "-R", "-n", "-r", "16000", "-c", "1", "-b", "16", url.path, "synth", "\(seconds)", "brownnoise",
        "vol", "0.01",
      ])
    return try WAVFile.samples(contentsOf: url)
  }
}
