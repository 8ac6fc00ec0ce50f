import Foundation
import IntentUnderstanding
import Testing

/// One line of `Fixtures/slots.txt`.
struct SlotCase {
  var line: Int
  var speaker: Zone
  var text: String
  var expected: [UnderstoodIntent]
}

enum SlotFixture {
  struct FormatError: Error, CustomStringConvertible {
    var line: Int
    var message: String
    var description: String { "slots.txt:\(line): \(message)" }
  }

  static func load() throws -> [SlotCase] {
    let text = try String(contentsOf: Support.fixtures.appendingPathComponent("slots.txt"), encoding: .utf8)
    var cases: [SlotCase] = []
    for (offset, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = raw.trimmingCharacters(in: .whitespaces)
      if line.isEmpty || line.hasPrefix("#") { continue }
      cases.append(try parse(line, number: offset + 1))
    }
    return cases
  }

  static func parse(_ line: String, number: Int) throws -> SlotCase {
    let halves = line.components(separatedBy: " => ")
    guard halves.count == 2 else { throw FormatError(line: number, message: "expected 'text => intents'") }
    var text = halves[0]
    var speaker = Zone.driver
    if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
      guard let zone = Zone(rawValue: String(text[text.index(after: text.startIndex)..<close])) else {
        throw FormatError(line: number, message: "unknown speaker zone")
      }
      speaker = zone
      text = text[text.index(after: close)...].trimmingCharacters(in: .whitespaces)
    }
    let intents = try halves[1].components(separatedBy: " && ").map { part -> UnderstoodIntent in
      let trimmed = part.trimmingCharacters(in: .whitespaces)
      let name = String(trimmed.prefix { $0 != " " })
      var intent = UnderstoodIntent(name: name, confidence: 1, stage: .grammar)
      let rest = trimmed.dropFirst(name.count)
      for assignment in rest.split(separator: ",") {
        let pair = assignment.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard pair.count == 2 else { throw FormatError(line: number, message: "bad slot '\(assignment)'") }
        if pair[0] == "zone" {
          guard pair[1].hasPrefix("@"), let zone = Zone(rawValue: String(pair[1].dropFirst())) else {
            throw FormatError(line: number, message: "bad zone '\(pair[1])'")
          }
          intent.zone = zone
        } else {
          intent.slots[pair[0]] = try value(pair[1], line: number)
        }
      }
      if intent.zone == nil, IntentCatalog.v1.entry(name)?.takesZone == true { intent.zone = speaker }
      return intent
    }
    return SlotCase(line: number, speaker: speaker, text: text, expected: intents)
  }

  static func value(_ notation: String, line: Int) throws -> SlotValue {
    func number(_ body: Substring) throws -> Double {
      guard let value = Double(body) else { throw FormatError(line: line, message: "bad number '\(notation)'") }
      return value
    }
    if notation.hasPrefix("\""), notation.hasSuffix("\""), notation.count >= 2 {
      return .text(String(notation.dropFirst().dropLast()))
    }
    if notation.hasPrefix("~") { return .contact(String(notation.dropFirst())) }
    if notation.hasPrefix("#") { return .number(try number(notation.dropFirst())) }
    if notation.hasPrefix("L"), let level = Int(notation.dropFirst()) { return .level(level) }
    if notation.hasSuffix("%") { return .percent(try number(notation.dropLast())) }
    if notation.first?.isNumber == true {
      if notation.hasSuffix("fm") { return .frequency(value: try number(notation.dropLast(2)), band: .fm) }
      if notation.hasSuffix("am") { return .frequency(value: try number(notation.dropLast(2)), band: .am) }
      if notation.hasSuffix("C") { return .temperature(value: try number(notation.dropLast()), unit: .celsius) }
      if notation.hasSuffix("F") { return .temperature(value: try number(notation.dropLast()), unit: .fahrenheit) }
      if notation.hasSuffix("s") { return .duration(seconds: try number(notation.dropLast())) }
      let clock = notation.split(separator: ":")
      if clock.count == 2, let hour = Int(clock[0]), let minute = Int(clock[1]) {
        return .clock(hour: hour, minute: minute)
      }
      throw FormatError(line: line, message: "unknown value notation '\(notation)'")
    }
    return .choice(notation)
  }

  /// Intents compared on what the fixture states: names, slots and zones, in order.
  static func matches(_ actual: [UnderstoodIntent], _ expected: [UnderstoodIntent]) -> Bool {
    actual.count == expected.count
      && zip(actual, expected).allSatisfy { $0.name == $1.name && $0.slots == $1.slots && $0.zone == $1.zone }
  }
}

@Suite struct SlotFixtureTests {
  @Test func fixtureCoversEverySlotKindWithAtLeastThreeHundredSentences() throws {
    let cases = try SlotFixture.load()
    #expect(cases.count >= 300)
    var kinds: Set<String> = []
    for intent in cases.flatMap(\.expected) {
      for value in intent.slots.values {
        kinds.insert(String(String(describing: value).prefix { $0 != "(" }))
      }
      if intent.zone != nil { kinds.insert("zone") }
    }
    #expect(
      kinds.isSuperset(of: [
        "number", "temperature", "percent", "level", "zone", "duration", "frequency", "text", "contact", "choice",
        "clock",
      ]))
  }

  @Test func atLeastNinetyFivePercentOfSlotSentencesMatchExactly() throws {
    let understander = try Support.understander()
    let cases = try SlotFixture.load()
    var failures: [String] = []
    for item in cases {
      let result = try understander.understand(item.text, speaker: item.speaker)
      if !SlotFixture.matches(result.intents, item.expected) {
        failures.append("line \(item.line): \(item.text) -> \(String(decoding: try result.jsonData(), as: UTF8.self))")
      }
    }
    let rate = Double(cases.count - failures.count) / Double(cases.count)
    if ProcessInfo.processInfo.environment["SHOW_SLOT_FAILURES"] != nil {
      print(failures.joined(separator: "\n"))
    }
    print("slot exact match: \(cases.count - failures.count)/\(cases.count)")
    #expect(rate >= 0.95, "exact slot match \(rate); first failures: \(failures.prefix(10))")
  }
}
