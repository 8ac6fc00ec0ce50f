import Foundation
import IntentUnderstanding
import Testing

/// `SlotPlausibility`: values no driver asks for are caught, and no request the project wrote is.
@Suite struct SlotPlausibilityTests {
  @Test func valuesNoDriverAsksForAreImplausible() throws {
    let understander = try Support.understander()
    let implausible = [
      ("set the temperature to four hundred forty", "temperature"),
      ("put the kids at a hundred and thirty fahrenheit", "temperature"),
      ("make it sixty degrees colder", "amount"),
      ("tune to six two am", "frequency"),
      ("tune to fm sixty", "frequency"),
    ]
    for (text, slot) in implausible {
      let intents = try understander.understand(text).intents
      #expect(intents.count == 1, "\(text): \(intents)")
      #expect(intents.map(SlotPlausibility.standard.implausibleSlots) == [[slot]], "\(text): \(intents)")
      let accepted = understander.hasPlausibleSlots(text)
      #expect(!accepted, "\(text)")
    }
    let plausible = [
      "set the temperature to seventy two", "set the temperature to twenty one and a half",
      "make it two degrees warmer", "tune to ninety eight point seven", "tune to one thousand am",
      // Read without the dialogue as temperatures, but after a fan request a level.
      "set it to five", "make it three",
    ]
    for text in plausible {
      let intents = try understander.understand(text).intents
      #expect(intents.first?.name != IntentCatalog.none, "\(text)")
      let accepted = understander.hasPlausibleSlots(text)
      #expect(accepted, "\(text): \(intents)")
    }
  }

  /// The ranges hold every request the project wrote: the slot fixture's expected values, and the
  /// command sentences of both speech benchmark sets as the grammar reads them.
  @Test func everyRequestOfTheProjectsSetsIsPlausible() throws {
    for slotCase in try SlotFixture.load() {
      for intent in slotCase.expected {
        #expect(
          SlotPlausibility.standard.implausibleSlots(of: intent).isEmpty,
          "slots.txt:\(slotCase.line) \(slotCase.text)")
      }
    }
    let understander = try Support.understander()
    var sentences = 0
    for set in ["commands-tuning.tsv", "commands-evaluation.tsv"] {
      let file = Support.packageRoot.appendingPathComponent("Benchmarks/SpeechBenchmark/Speech/\(set)")
      for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
      where !line.hasPrefix("#") {
        let text = String(line.split(separator: "\t").last ?? "")
        sentences += 1
        let accepted = understander.hasPlausibleSlots(text)
        #expect(accepted, "\(set): \(text)")
      }
    }
    #expect(sentences == 200)
  }
}
