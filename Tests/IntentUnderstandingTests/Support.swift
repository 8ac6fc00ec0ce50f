import Foundation
import IntentUnderstanding

/// Paths and shared fixtures for the intent tests.
enum Support {
  static let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  static let intentsDirectory = packageRoot.appendingPathComponent("Config/intents")
  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
    "Fixtures")
  static let devSet = packageRoot.appendingPathComponent("../shared/data/intents/dev.jsonl").standardized

  static let contacts = [
    Contact(name: "Anna Berg", aliases: ["anna"]),
    Contact(name: "Mom", aliases: ["mum", "mother"]),
    Contact(name: "Dad", aliases: ["father"]),
    Contact(name: "Jonas Weber"),
    Contact(name: "Priya Natarajan", aliases: ["priya"]),
    Contact(name: "Office"),
    Contact(name: "Sam Lee"),
  ]

  static func grammar() throws -> Grammar {
    let files = try FileManager.default.contentsOfDirectory(
      at: intentsDirectory, includingPropertiesForKeys: nil
    )
    .filter { $0.pathExtension == "grammar" }
    .sorted { $0.lastPathComponent < $1.lastPathComponent }
    return try Grammar(contentsOf: files)
  }

  static func understander(classifier: NearestNeighbourClassifier? = nil) throws -> IntentUnderstander {
    try IntentUnderstander(
      grammar: grammar(), configuration: .init(contacts: contacts), classifier: classifier)
  }
}
