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
  /// examples together with `Grammar.sampleSentences()`. Stage 2's `none` threshold is, in order:
  /// `noneThreshold` when given, `noneThreshold` in `classifier.json` when that file exists (tuned
  /// for the MiniLM encoder with `scripts/tune-none-threshold.sh` on the project's validation sets),
  /// else the leave-one-out calibration over the examples. `classifier.json` may also set
  /// `neighbours` (k, default 5) and `centroidWeight` (default 0).
  public static func load(
    directory: URL, configuration: Configuration = Configuration(), embedder: (any SentenceEmbedder)? = nil,
    catalog: IntentCatalog = .v1, noneThreshold: Float? = nil
  ) throws -> IntentUnderstander {
    let grammar = try Grammar(directory: directory, catalog: catalog)
    var classifier: NearestNeighbourClassifier?
    if let embedder {
      let examples = try IntentExample.load(
        contentsOf: directory.appendingPathComponent("examples.txt"), catalog: catalog)
      let settings = try ClassifierSettings.load(directory: directory)
      classifier = try NearestNeighbourClassifier(
        examples: examples + grammar.sampleSentences(), embedder: embedder,
        neighbours: settings?.neighbours ?? 5, centroidWeight: settings?.centroidWeight ?? 0,
        noneThreshold: noneThreshold ?? settings?.noneThreshold)
    }
    return try IntentUnderstander(
      grammar: grammar, configuration: configuration, catalog: catalog, classifier: classifier)
  }
}

/// Stage 2 settings tuned for the shipped encoder: `classifier.json` next to the examples.
struct ClassifierSettings: Decodable {
  /// The score below which stage 2 answers `none`.
  var noneThreshold: Float
  /// How many neighbours vote (default 5).
  var neighbours: Int?
  /// The share of an intent's score that comes from its centroid (default 0).
  var centroidWeight: Float?

  /// The settings in `directory/classifier.json`, or `nil` when there is no such file.
  static func load(directory: URL) throws -> ClassifierSettings? {
    let url = directory.appendingPathComponent("classifier.json")
    guard FileManager.default.fileExists(atPath: url.path) else { return nil }
    let settings: ClassifierSettings
    do {
      settings = try JSONDecoder().decode(ClassifierSettings.self, from: Data(contentsOf: url))
    } catch {
      throw GrammarError(
        file: url.lastPathComponent, line: 0, message: "expected {\"noneThreshold\": NUMBER, ...} (\(error))")
    }
    guard (0..<1).contains(settings.noneThreshold) else {
      throw GrammarError(file: url.lastPathComponent, line: 0, message: "noneThreshold must be in 0..<1")
    }
    guard (settings.neighbours ?? 1) >= 1, (0...1).contains(settings.centroidWeight ?? 0) else {
      throw GrammarError(
        file: url.lastPathComponent, line: 0,
        message: "neighbours must be at least 1, centroidWeight in 0...1")
    }
    return settings
  }
}
