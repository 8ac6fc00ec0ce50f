import Foundation
import Testing

/// Paths and fixtures shared by the CabinInference tests.
enum TestSupport {
  /// The package root, found from this file's path.
  static let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// The committed fixtures directory.
  static let fixtures = packageRoot.appendingPathComponent("Tests/CabinInferenceTests/Fixtures")

  struct MissingModel: Error, CustomStringConvertible {
    let directory: String
    var description: String {
      "all-MiniLM-L6-v2 is not installed in \(directory): run scripts/install-models.sh "
        + "(or set CABIN_MODEL_DIR to a directory holding config.json, vocab.txt and model.safetensors)"
    }
  }

  /// The installed MiniLM directory; throws, telling how to install it, when it is absent.
  static func modelDirectory() throws -> URL {
    let directory =
      ProcessInfo.processInfo.environment["CABIN_MODEL_DIR"].map { URL(fileURLWithPath: $0) }
      ?? packageRoot.appendingPathComponent("models/all-MiniLM-L6-v2")
    let needed = ["config.json", "vocab.txt", "model.safetensors"]
    guard
      needed.allSatisfy({ FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path) })
    else { throw MissingModel(directory: directory.path) }
    return directory
  }

  /// Decodes a committed JSON fixture.
  static func fixture<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
    try JSONDecoder().decode(T.self, from: Data(contentsOf: fixtures.appendingPathComponent(name)))
  }

  /// A fresh temporary directory, removed by the caller.
  static func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "cabin-inference-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// The cosine similarity of two vectors.
  static func cosine(_ a: [Float], _ b: [Float]) -> Double {
    var dot = 0.0
    var normA = 0.0
    var normB = 0.0
    for (x, y) in zip(a, b) {
      dot += Double(x) * Double(y)
      normA += Double(x) * Double(x)
      normB += Double(y) * Double(y)
    }
    return dot / (normA.squareRoot() * normB.squareRoot())
  }
}
