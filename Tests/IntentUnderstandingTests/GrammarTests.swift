import Foundation
import IntentUnderstanding
import Testing

@Suite struct GrammarTests {
  @Test func projectGrammarLoadsAndUsesOnlyCatalogIntents() throws {
    let grammar = try Support.grammar()
    var intents = Set(grammar.templates.map(\.intent))
    #expect(intents.remove(IntentCatalog.none) != nil, "no out-of-scope templates")
    #expect(intents.allSatisfy { IntentCatalog.v1.entry($0) != nil })
    let catalog = Set(IntentCatalog.v1.entries.keys)
    #expect(intents == catalog, "intents without templates: \(catalog.subtracting(intents).sorted())")
  }

  @Test(arguments: [
    ("intent climate.teleport\n  beam me up", 1, "intent 'climate.teleport' is not in the intent catalog"),
    ("intent climate.ac\n  turn {colour} the ac", 2, "slot kind 'colour' is neither a list nor built in"),
    (
      "intent climate.ac\n  set the ac to {level}", 2,
      "intent 'climate.ac' has no slot 'level' in the catalog"
    ),
    ("list zone place\n  driver: driver", 1, "expected 'list NAME zone|choice|level'"),
    ("list zone zone\n  trunk: boot", 2, "zone list value 'trunk' is not a catalog zone or 'speaker'"),
    ("intent media.pause\n  pause (the music", 2, "missing ')' in template"),
    ("intent media.pause\n  Pause!", 2, "'Pause!' is not a lower-case word (letters a-z only)"),
    ("intent media.pause\n  pause\n  pause", 3, "template repeats the one on line 2"),
    ("  pause", 1, "indented line outside a 'list' or 'intent' block"),
    ("intent media.pause\n  pause => state", 2, "fixed slot must be 'slot=value', found ' state'"),
    ("intent none\n  set an alarm => time=six", 2, "'none' templates set no slots"),
  ])
  func badGrammarNamesFileLineAndRule(source: String, line: Int, message: String) {
    #expect(throws: GrammarError(file: "bad.grammar", line: line, message: message)) {
      try Grammar(source: source, file: "bad.grammar")
    }
  }

  @Test func missingFileIsATypedError() {
    let url = URL(fileURLWithPath: "/nonexistent/cabin.grammar")
    #expect(throws: GrammarError.self) { try Grammar(contentsOf: [url]) }
  }

  @Test func numbersInWordsAndDigitsBecomeTypedSlots() throws {
    let understander = try Support.understander()
    let cases: [(String, SlotValue)] = [
      ("set the temperature to twenty one and a half", .temperature(value: 21.5, unit: .celsius)),
      ("set the temperature to seventy two", .temperature(value: 72, unit: .fahrenheit)),
      ("set the temperature to 19.5", .temperature(value: 19.5, unit: .celsius)),
      ("set the temperature to twenty point five degrees celsius", .temperature(value: 20.5, unit: .celsius)),
    ]
    for (text, value) in cases {
      #expect(try understander.understand(text).intents.first?.slots["temperature"] == value, "\(text)")
    }
  }

  /// Regression: huge digit strings and words that `Double` reads ("inf", "nan") must not trap
  /// when converted to integers, nor reach JSON as non-finite numbers.
  @Test func hugeOrNonFiniteNumbersDoNotTrap() throws {
    let understander = try Support.understander()
    for text in [
      "remind me to call at 99999999999999999999999", "set the volume to inf", "set the temperature to nan",
      "fan speed to 1e999", "tune to 99999999999999999999.5",
    ] {
      let result = try understander.understand(text)
      #expect(!result.intents.isEmpty)
      _ = try result.jsonData()
    }
  }

  @Test func sampleSentencesCoverEveryTemplateIntentExceptFollowUps() throws {
    let grammar = try Support.grammar()
    let samples = grammar.sampleSentences()
    #expect(samples.count >= grammar.templates.count)
    #expect(!samples.contains { $0.intent.hasPrefix("followup.") })
  }
}
