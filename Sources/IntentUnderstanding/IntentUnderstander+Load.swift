public import CabinInference
public import Foundation

extension Grammar {
  /// Reads every `*.grammar` file in `directory`, in file-name order, as one grammar.
  public init(directory: URL, catalog: IntentCatalog = .v1) throws {
    let files: [URL]
    do {
      files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
        .filter { $0.pathExtension == "grammar" }
        .sorted { $0.lastPathComponent < $1.lastPathComponent }
    } catch {
      throw GrammarError(file: directory.path, line: 0, message: "cannot list grammar directory: \(error)")
    }
    guard !files.isEmpty else {
      throw GrammarError(file: directory.path, line: 0, message: "no '.grammar' files in the directory")
    }
    try self.init(contentsOf: files, catalog: catalog)
  }
}

extension IntentUnderstander {
  /// Builds the understander from an intents configuration directory (`Config/intents/`).
  ///
  /// Reads `*.grammar`; with an embedder, also reads `examples.txt` and trains stage 2 on those
  /// examples together with `Grammar.sampleSentences()`.
  public static func load(
    directory: URL, configuration: Configuration = Configuration(), embedder: (any SentenceEmbedder)? = nil,
    catalog: IntentCatalog = .v1
  ) throws -> IntentUnderstander {
    let grammar = try Grammar(directory: directory, catalog: catalog)
    var classifier: NearestNeighbourClassifier?
    if let embedder {
      let examples = try IntentExample.load(
        contentsOf: directory.appendingPathComponent("examples.txt"), catalog: catalog)
      classifier = try NearestNeighbourClassifier(
        examples: examples + grammar.sampleSentences(), embedder: embedder)
    }
    return try IntentUnderstander(
      grammar: grammar, configuration: configuration, catalog: catalog, classifier: classifier)
  }
}
