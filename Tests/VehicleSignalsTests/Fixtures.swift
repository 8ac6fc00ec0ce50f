import Foundation
import VehicleSignals

/// Paths the tests read: the package root is three levels above this file.
enum Fixtures {
  static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent()
    .deletingLastPathComponent()
  static let projectCatalogDirectory = packageRoot.appendingPathComponent("Config/vss")
  static let fullVSS = packageRoot.appendingPathComponent("../shared/data/vss/vss_6.0.json")
    .standardizedFileURL

  static func projectCatalog() throws -> SignalCatalog {
    try SignalCatalog.project(directory: projectCatalogDirectory)
  }

  /// Parses an inline catalog, for the broken-file tests.
  static func catalog(_ json: String, source: String = "inline.json") throws(CatalogError) -> SignalCatalog {
    try SignalCatalog(vssJSON: Data(json.utf8), source: source)
  }
}
