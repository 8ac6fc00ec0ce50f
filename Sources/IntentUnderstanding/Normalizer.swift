/// Turns raw text (typed or recognised) into the lower-case word tokens the grammar is written in.
///
/// Contractions are spelled out ("i'm" and "im" become "i am"), a possessive loses its apostrophe
/// ("driver's" becomes "drivers"), symbols become words ("°C" becomes "degrees celsius",
/// "%" becomes "percent") and letters after digits are split off ("101.5fm" becomes "101.5 fm").
/// Numbers keep their decimal point and time colon.
enum Normalizer {
  private static let contractions: [String: [String]] = [
    "i'm": ["i", "am"], "it's": ["it", "is"], "what's": ["what", "is"], "that's": ["that", "is"],
    "there's": ["there", "is"], "where's": ["where", "is"], "how's": ["how", "is"],
    "who's": ["who", "is"], "when's": ["when", "is"], "let's": ["let", "us"],
    "he's": ["he", "is"], "she's": ["she", "is"], "can't": ["can", "not"],
    "won't": ["will", "not"], "shan't": ["shall", "not"], "ain't": ["is", "not"], "cannot": ["can", "not"],
  ]
  /// Contractions typed or transcribed without their apostrophe ("dont", "thats", "youre"); forms that
  /// are also words ("its", "ill", "id", "were", "well") are left alone.
  private static let withoutApostrophe: [String: [String]] = [
    "im": ["i", "am"], "thats": ["that", "is"], "whats": ["what", "is"], "wheres": ["where", "is"],
    "hows": ["how", "is"], "whos": ["who", "is"], "theres": ["there", "is"], "lets": ["let", "us"],
    "youre": ["you", "are"], "theyre": ["they", "are"], "ive": ["i", "have"], "youve": ["you", "have"],
    "weve": ["we", "have"], "dont": ["do", "not"], "doesnt": ["does", "not"], "didnt": ["did", "not"],
    "isnt": ["is", "not"], "arent": ["are", "not"], "wasnt": ["was", "not"], "werent": ["were", "not"],
    "cant": ["can", "not"], "couldnt": ["could", "not"], "wouldnt": ["would", "not"],
    "shouldnt": ["should", "not"], "havent": ["have", "not"], "hasnt": ["has", "not"],
  ]
  private static let suffixes: [(String, [String])] = [
    ("n't", ["not"]), ("'re", ["are"]), ("'ll", ["will"]), ("'ve", ["have"]), ("'d", ["would"]),
    ("'m", ["am"]),
  ]
  private static let symbols: [(String, String)] = [
    ("a/c", " ac "), ("°c", " degrees celsius "), ("°f", " degrees fahrenheit "), ("°", " degrees "),
    ("%", " percent "), ("&", " and "), ("’", "'"), ("‘", "'"), ("+", " plus "),
  ]

  static func tokens(_ text: String) -> [String] {
    var lowered = text.lowercased()
    for (symbol, replacement) in symbols where lowered.contains(symbol) {
      lowered = lowered.replacingOccurrences(of: symbol, with: replacement)
    }
    var result: [String] = []
    for raw in lowered.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }) {
      for piece in splitPunctuation(String(raw)) {
        result.append(contentsOf: expand(piece))
      }
    }
    return result
  }

  private static func expand(_ word: String) -> [String] {
    if let spelled = contractions[word] { return spelled }
    for (suffix, replacement) in suffixes where word.hasSuffix(suffix) && word.count > suffix.count {
      return [String(word.dropLast(suffix.count))] + replacement
    }
    let bare = word.filter { $0 != "'" }
    if let spelled = withoutApostrophe[bare] { return spelled }
    return bare.isEmpty ? [] : [bare]
  }

  /// Keeps letters, digits, apostrophes inside words, and `.`/`:` between digits; splits digits from letters.
  private static func splitPunctuation(_ word: String) -> [String] {
    let chars = Array(word)
    var pieces: [String] = []
    var current = ""
    func flush() {
      let trimmed = current.trimmingApostrophes()
      if !trimmed.isEmpty { pieces.append(trimmed) }
      current = ""
    }
    for (index, char) in chars.enumerated() {
      let previous = index > 0 ? chars[index - 1] : nil
      let next = index + 1 < chars.count ? chars[index + 1] : nil
      if char.isLetter || char == "'" {
        if let last = current.last, last.isNumber { flush() }
        current.append(char)
      } else if char.isNumber {
        // Letters then digits stay one word: road names such as "a9" or "i95".
        if current.last == "'" { flush() }
        current.append(char)
      } else if (char == "." || char == ":" || char == ",") && previous?.isNumber == true
        && next?.isNumber == true
      {
        current.append(char == "," ? "." : char)
      } else {
        flush()
      }
    }
    flush()
    return pieces
  }
}

extension String {
  fileprivate func trimmingApostrophes() -> String {
    var view = Substring(self)
    while view.first == "'" { view = view.dropFirst() }
    while view.last == "'" { view = view.dropLast() }
    return String(view)
  }
}
