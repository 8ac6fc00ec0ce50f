public import Foundation
import VehicleSignals
import VehicleSimulation

/// Writes the `SignalsChanged` a live bus carries to a file in the project's JSON Lines recording
/// format, one line per change as it arrives (so an interrupted recording keeps what it saw).
/// Times count from the earliest timestamp of the first batch.
public struct LiveRecorder: Sendable {
  /// The file written.
  public let output: URL

  /// Creates a recorder for `output` (replaced if it exists).
  public init(output: URL) { self.output = output }

  /// Records for `seconds` (until cancelled when `nil`) and returns the number of lines written.
  @discardableResult
  public func record(from client: VehicleClient, seconds: Double?) async throws -> Int {
    guard FileManager.default.createFile(atPath: output.path, contents: nil) else {
      throw VehicleBusError(VehicleErrorName.writeFailed, "cannot create \(output.path)")
    }
    let output = self.output
    let batches = try await client.changes()
    return try await withThrowingTaskGroup(of: Int.self) { group in
      group.addTask {
        let handle = try FileHandle(forWritingTo: output)
        defer { try? handle.close() }
        var start: Date?
        var lines = 0
        for await batch in batches {
          let origin = start ?? batch.changes.map(\.reading.timestamp).min() ?? Date()
          start = origin
          var text = ""
          for change in batch.changes {
            let event = RecordedEvent(
              time: change.reading.timestamp.timeIntervalSince(origin), path: change.path,
              value: change.reading.value, status: change.reading.status)
            text += SignalRecordingFormat.line(for: event) + "\n"
          }
          try handle.write(contentsOf: Data(text.utf8))
          lines += batch.changes.count
          if Task.isCancelled { break }
        }
        return lines
      }
      if let seconds {
        try await Task.sleep(for: .seconds(seconds))
        group.cancelAll()
      }
      return try await group.next() ?? 0
    }
  }
}
