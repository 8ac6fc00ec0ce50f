public import Foundation

/// A speed trace sampled over time, such as a standard drive cycle.
public struct DriveTrace: Sendable, Hashable {
  /// One sample of the trace.
  public struct Sample: Sendable, Hashable {
    /// Seconds from the start of the trace.
    public let time: Double
    /// Speed in metres per second.
    public let speed: Double
    /// Road grade (rise over run).
    public let grade: Double

    /// Creates a sample.
    public init(time: Double, speed: Double, grade: Double = 0) {
      self.time = time
      self.speed = speed
      self.grade = grade
    }
  }

  /// The samples, in strictly increasing time.
  public let samples: [Sample]

  /// Creates a trace; `source` names it in errors. Needs at least one sample, strictly increasing
  /// times and finite, non-negative speeds.
  public init(samples: [Sample], source: String) throws(ScenarioError) {
    guard let first = samples.first else {
      throw ScenarioError(file: source, line: nil, reason: "trace has no samples")
    }
    guard first.time >= 0 else {
      throw ScenarioError(file: source, line: nil, reason: "trace starts before time 0")
    }
    for (index, pair) in zip(samples, samples.dropFirst()).enumerated() where pair.1.time <= pair.0.time {
      throw ScenarioError(file: source, line: nil, reason: "sample \(index + 2): time does not increase")
    }
    self.samples = samples
  }

  /// Parses the drive-cycle CSV format `cycSecs,cycMps,cycGrade,cycRoadType` (a UTF-8 byte-order
  /// mark is skipped; `cycGrade` and `cycRoadType` are optional columns).
  public init(csv text: String, source: String) throws(ScenarioError) {
    var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated()
      .makeIterator()
    guard let (_, headerLine) = lines.next() else {
      throw ScenarioError(file: source, line: 1, reason: "empty file, expected a cycSecs,cycMps header")
    }
    let header = headerLine.drop { $0 == "\u{FEFF}" }.split(separator: ",").map {
      $0.trimmingCharacters(in: .whitespaces)
    }
    guard let timeColumn = header.firstIndex(of: "cycSecs"), let speedColumn = header.firstIndex(of: "cycMps")
    else {
      throw ScenarioError(file: source, line: 1, reason: "header must name the columns cycSecs and cycMps")
    }
    let gradeColumn = header.firstIndex(of: "cycGrade")
    var samples: [Sample] = []
    var lastTime = -Double.infinity
    while let (index, line) = lines.next() {
      let lineNumber = index + 1
      if line.allSatisfy(\.isWhitespace) { continue }
      let fields = line.split(separator: ",", omittingEmptySubsequences: false).map {
        $0.trimmingCharacters(in: .whitespaces)
      }
      guard fields.count == header.count else {
        throw ScenarioError(
          file: source, line: lineNumber, reason: "expected \(header.count) fields, found \(fields.count)")
      }
      guard let time = Double(fields[timeColumn]), time.isFinite, time >= 0 else {
        throw ScenarioError(
          file: source, line: lineNumber, reason: "cycSecs \"\(fields[timeColumn])\" is not a time")
      }
      guard let speed = Double(fields[speedColumn]), speed.isFinite, speed >= 0 else {
        throw ScenarioError(
          file: source, line: lineNumber, reason: "cycMps \"\(fields[speedColumn])\" is not a speed >= 0")
      }
      var grade = 0.0
      if let gradeColumn {
        guard let value = Double(fields[gradeColumn]), value.isFinite else {
          throw ScenarioError(
            file: source, line: lineNumber, reason: "cycGrade \"\(fields[gradeColumn])\" is not a number")
        }
        grade = value
      }
      guard time > lastTime else {
        throw ScenarioError(file: source, line: lineNumber, reason: "cycSecs \(time) does not increase")
      }
      lastTime = time
      samples.append(Sample(time: time, speed: speed, grade: grade))
    }
    try self.init(samples: samples, source: source)
  }

  /// Loads a drive-cycle CSV file.
  public init(csvContentsOf url: URL) throws(ScenarioError) {
    let text: String
    do {
      text = try String(contentsOf: url, encoding: .utf8)
    } catch {
      throw ScenarioError(file: url.path, line: nil, reason: "cannot read the trace: \(error)")
    }
    try self.init(csv: text, source: url.path)
  }

  /// Time of the last sample, in seconds.
  public var duration: Double { samples.last?.time ?? 0 }

  /// Speed in m/s at a time, interpolated linearly; the last speed holds after the end.
  public func speed(at time: Double) -> Double {
    guard let last = samples.last, let first = samples.first else { return 0 }
    if time >= last.time { return last.speed }
    if time <= first.time { return first.speed }
    var low = 0
    var high = samples.count - 1
    while high - low > 1 {
      let mid = (low + high) / 2
      if samples[mid].time <= time { low = mid } else { high = mid }
    }
    let a = samples[low]
    let b = samples[high]
    return a.speed + (b.speed - a.speed) * (time - a.time) / (b.time - a.time)
  }

  /// Distance in metres, the integral of the interpolated speed over the trace.
  public var distance: Double {
    zip(samples, samples.dropFirst()).reduce(0) {
      $0 + ($1.0.speed + $1.1.speed) / 2 * ($1.1.time - $1.0.time)
    }
  }
}
