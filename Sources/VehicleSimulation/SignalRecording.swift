public import Foundation
import Synchronization
public import VehicleSignals

/// One line of a recording: a signal's reading at a time.
public struct RecordedEvent: Sendable, Hashable {
  /// Seconds since the start of the recording.
  public let time: Double
  /// The signal path.
  public let path: String
  /// The value; `nil` (JSON `null`) when there is none.
  public let value: SignalValue?
  /// The reading's status.
  public let status: SignalStatus

  /// Creates an event.
  public init(time: Double, path: String, value: SignalValue?, status: SignalStatus) {
    self.time = time
    self.path = path
    self.value = value
    self.status = status
  }
}

/// The project's JSON Lines recording format: one event per line,
/// `{"time":12.300,"path":"Vehicle.Speed","value":42.5,"status":"available"}`, keys in that order,
/// time in seconds with three decimals, events in time order.
public enum SignalRecordingFormat {
  /// The line for an event, without the newline.
  public static func line(for event: RecordedEvent) -> String {
    let time = String(format: "%.3f", event.time)
    let value = event.value.map(json) ?? "null"
    return
      "{\"time\":\(time),\"path\":\(quoted(event.path)),\"value\":\(value),\"status\":\"\(event.status.rawValue)\"}"
  }

  /// Parses a recording, checking every path and value against the catalog.
  public static func parse(_ text: String, source: String, catalog: SignalCatalog) throws(ScenarioError)
    -> [RecordedEvent]
  {
    var events: [RecordedEvent] = []
    for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
      .enumerated()
    {
      let lineNumber = index + 1
      if line.allSatisfy(\.isWhitespace) { continue }
      func fail(_ reason: String) -> ScenarioError {
        ScenarioError(file: source, line: lineNumber, reason: reason)
      }
      let parsed: JSONValue
      do {
        parsed = try JSONValue.parse(Data(line.utf8))
      } catch {
        throw fail("not a JSON object: \(error.message)")
      }
      guard case .object(let fields) = parsed else { throw fail("each line must be a JSON object") }
      guard let time = fields["time"]?.number, time.isFinite, time >= 0 else {
        throw fail("\"time\" must be a number of seconds >= 0")
      }
      if let previous = events.last, time < previous.time { throw fail("time \(time) goes backwards") }
      guard case .string(let path) = fields["path"] else { throw fail("\"path\" must be a string") }
      guard case .string(let statusName) = fields["status"], let status = SignalStatus(rawValue: statusName)
      else {
        throw fail("\"status\" must be one of available, unavailable, error, stale")
      }
      guard let definition = catalog[path] else { throw fail("\(path): no such signal in the catalog") }
      var value: SignalValue?
      switch fields["value"] {
      case nil, .null?: value = nil
      case let raw?:
        guard let converted = raw.signalValue(as: definition.dataType) else {
          throw fail("\(path): value \(raw) is not a \(definition.dataType)")
        }
        value = converted
      }
      if status == .available, value == nil { throw fail("\(path): an available reading needs a value") }
      events.append(RecordedEvent(time: time, path: path, value: value, status: status))
    }
    return events
  }

  /// Loads a recording file.
  public static func load(contentsOf url: URL, catalog: SignalCatalog) throws(ScenarioError)
    -> [RecordedEvent]
  {
    let text: String
    do {
      text = try String(contentsOf: url, encoding: .utf8)
    } catch {
      throw ScenarioError(file: url.path, line: nil, reason: "cannot read the recording: \(error)")
    }
    return try parse(text, source: url.path, catalog: catalog)
  }

  private static func json(_ value: SignalValue) -> String {
    switch value {
    case .bool(let v): v ? "true" : "false"
    case .int(let v): "\(v)"
    case .uint(let v): "\(v)"
    case .double(let v): v.isFinite ? "\(v)" : "null"
    case .string(let v): quoted(v)
    case .array(let items): "[" + items.map(json).joined(separator: ",") + "]"
    }
  }

  private static func quoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}

/// Collects the changes a store reports as JSON Lines; safe to attach as a store subscriber.
public final class SignalRecorder: Sendable {
  private let start: Date
  private let buffer = Mutex(Data())

  /// Creates a recorder whose times count from `start`.
  public init(start: Date) { self.start = start }

  /// Appends one line per change in the batch.
  public func record(_ batch: SignalBatch) {
    var text = ""
    for change in batch.changes {
      let event = RecordedEvent(
        time: batch.time.timeIntervalSince(start), path: change.path, value: change.reading.value,
        status: change.reading.status)
      text += SignalRecordingFormat.line(for: event) + "\n"
    }
    buffer.withLock { $0.append(contentsOf: Data(text.utf8)) }
  }

  /// Everything recorded so far.
  public var data: Data { buffer.withLock { $0 } }
}
