import Foundation

/// Repairs JSGF text before pocketsphinx compiles it.
enum JSGFRepair {
  /// The grammar without rules defined as nothing but themselves (`<number> = <number>;`).
  ///
  /// pocketsphinx 0.8 keeps the first definition of a rule name, and a rule that only names itself
  /// matches the empty string, so every slot using it could be skipped: "set the temperature to
  /// twenty one degrees" decoded as "set the temperature to degree on the". `JSGFGenerator`
  /// wrote such a line for its `number` slot when this was found.
  static func removingSelfDefinitions(_ text: String) -> String {
    text.split(separator: "\n", omittingEmptySubsequences: false)
      .filter { line in
        let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        return !(parts.count == 2 && parts[0].hasPrefix("<") && parts[1] == parts[0] + ";")
      }
      .joined(separator: "\n")
  }
}
