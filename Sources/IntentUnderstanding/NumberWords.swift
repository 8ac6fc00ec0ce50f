/// Reads numbers said in words or written in digits from a token sequence.
enum NumberWords {
  static let units: [String: Int] = [
    "zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9,
  ]
  static let teens: [String: Int] = [
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
  ]
  static let tens: [String: Int] = [
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90,
  ]

  /// Every reading of a number starting at `start`, as (end index exclusive, value), longest last.
  static func readings(_ tokens: [String], from start: Int) -> [(end: Int, value: Double)] {
    guard start < tokens.count else { return [] }
    var results: [(end: Int, value: Double)] = []
    if let digits = Double(tokens[start]), !tokens[start].contains(":") {
      results.append((start + 1, digits))
    } else {
      results = wordReadings(tokens, from: start)
    }
    guard let longest = results.last else { return [] }
    if let fraction = fractionTail(tokens, from: longest.end) {
      results.append((fraction.end, longest.value.rounded(.down) + fraction.value))
    }
    return results
  }

  /// "and a half", "point five", "point two five" after a whole number.
  private static func fractionTail(_ tokens: [String], from index: Int) -> (end: Int, value: Double)? {
    func word(_ offset: Int) -> String? {
      index + offset < tokens.count ? tokens[index + offset] : nil
    }
    if word(0) == "and", word(1) == "a", word(2) == "half" { return (index + 3, 0.5) }
    if word(0) == "and", word(1) == "half" { return (index + 2, 0.5) }
    guard word(0) == "point" else { return nil }
    var digits = ""
    var end = index + 1
    while end < tokens.count {
      if let unit = units[tokens[end]] {
        digits.append(String(unit))
      } else if tokens[end].allSatisfy(\.isNumber) {
        digits.append(tokens[end])
      } else {
        break
      }
      end += 1
    }
    guard !digits.isEmpty, let fraction = Double("0." + digits) else { return nil }
    return (end, fraction)
  }

  private static func wordReadings(_ tokens: [String], from start: Int) -> [(end: Int, value: Double)] {
    var results: [(end: Int, value: Double)] = []
    var total = 0
    var current = 0
    var index = start
    var lastKind = ""
    while index < tokens.count {
      let word = tokens[index]
      if let unit = units[word], word != "oh" {
        guard lastKind == "" || lastKind == "tens" || lastKind == "hundred" else { break }
        current += unit
        lastKind = "unit"
      } else if let teen = teens[word] {
        guard lastKind == "" || lastKind == "hundred" else { break }
        current += teen
        lastKind = "teen"
      } else if let ten = tens[word] {
        guard lastKind == "" || lastKind == "hundred" else { break }
        current += ten
        lastKind = "tens"
      } else if word == "hundred" {
        guard lastKind != "hundred", current < 100 else { break }
        current = max(current, 1) * 100
        lastKind = "hundred"
      } else if word == "thousand" {
        guard lastKind != "" else { break }
        total += max(current, 1) * 1000
        current = 0
        lastKind = "hundred"
      } else if word == "a", index + 1 < tokens.count, tokens[index + 1] == "hundred", lastKind == "" {
        index += 1
        current = 100
        lastKind = "hundred"
      } else if word == "and", lastKind == "hundred", index + 1 < tokens.count,
        units[tokens[index + 1]] != nil || teens[tokens[index + 1]] != nil
          || tens[tokens[index + 1]] != nil
      {
        index += 1
        continue
      } else {
        break
      }
      index += 1
      results.append((index, Double(total + current)))
    }
    return results
  }

  /// A run of single digits said one by one ("one oh one", "five five five one two"), as a string.
  static func digitRun(_ tokens: [String], from start: Int) -> (end: Int, digits: String)? {
    var digits = ""
    var end = start
    while end < tokens.count {
      let word = tokens[end]
      if let unit = units[word] {
        digits.append(String(unit))
      } else if word.allSatisfy(\.isNumber) {
        digits.append(word)
      } else if word == "double", end + 1 < tokens.count, let unit = units[tokens[end + 1]] {
        digits.append(String(repeating: String(unit), count: 2))
        end += 1
      } else {
        break
      }
      end += 1
    }
    return digits.isEmpty ? nil : (end, digits)
  }
}
