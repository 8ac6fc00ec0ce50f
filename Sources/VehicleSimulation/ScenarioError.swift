/// A simulator input file (scenario, drive trace, recording) that cannot be used, naming the
/// file, the line when there is one, and the reason.
public struct ScenarioError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The file path.
  public let file: String
  /// The 1-based line of the problem, when known.
  public let line: Int?
  /// What is wrong.
  public let reason: String

  /// Creates an error.
  public init(file: String, line: Int?, reason: String) {
    self.file = file
    self.line = line
    self.reason = reason
  }

  /// `file:line: reason`.
  public var description: String {
    (line.map { "\(file):\($0)" } ?? file) + ": " + reason
  }
}
