import Foundation
import Synchronization
import VehicleSignals
import VehicleSimulation

enum Fixtures {
  static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent()
    .deletingLastPathComponent()
  static let scenarios = packageRoot.appendingPathComponent("Config/scenarios")
  static let driveCycles = packageRoot.appendingPathComponent("../shared/data/drive-cycles")
    .standardizedFileURL

  static func catalog() throws -> SignalCatalog {
    try SignalCatalog.project(directory: packageRoot.appendingPathComponent("Config/vss"))
  }

  static func scenario(_ yaml: String, catalog: SignalCatalog, source: String = "test.yaml") throws
    -> Scenario
  {
    try Scenario.parse(yaml: yaml, source: source, baseDirectory: scenarios, catalog: catalog)
  }
}

/// Collects everything a store subscriber sees.
final class ChangeLog: Sendable {
  private let changes = Mutex<[SignalChange]>([])

  init(_ store: SignalStore) {
    _ = store.subscribe { batch in self.changes.withLock { $0.append(contentsOf: batch.changes) } }
  }

  func readings(_ path: String) -> [SignalReading] {
    changes.withLock { $0.filter { $0.path == path }.map(\.reading) }
  }
}

/// Collects engine events.
final class EventLog: Sendable {
  private let log = Mutex<[SimulationEvent]>([])
  var events: [SimulationEvent] { log.withLock { $0 } }
  func append(_ event: SimulationEvent) { log.withLock { $0.append(event) } }
}
