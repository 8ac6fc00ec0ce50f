import Foundation
import IntentUnderstanding
import Testing

@Test func probe() throws {
  let understander = try Support.understander()
  let lines = (ProcessInfo.processInfo.environment["PROBE"] ?? "").split(separator: "|")
  for line in lines {
    let result = try understander.understand(String(line), speaker: .driver)
    print("PROBE", String(decoding: try result.jsonData(), as: UTF8.self))
  }
  if let path = ProcessInfo.processInfo.environment["JSGFOUT"] {
    let dict = try String(
      contentsOfFile: "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict", encoding: .utf8)
    let vocabulary = Set(
      dict.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) })
    let speech = JSGFGenerator.generate(
      try Support.grammar(), contacts: Support.contacts, vocabulary: vocabulary)
    try speech.text.write(toFile: path, atomically: true, encoding: .utf8)
    print("omitted", speech.omitted.count, "unknown", speech.unknownWords.sorted())
  }
  if ProcessInfo.processInfo.environment["DEVEVAL"] != nil {
    let cases = try IntentEvaluation.cases(contentsOf: Support.devSet)
    print(try IntentEvaluation.evaluate(cases, with: understander, topConfusions: 40).summary)
    if ProcessInfo.processInfo.environment["STAGE2"] != nil {
      let both = try Support.understander(classifier: ClassifierTests.shared.get())
      print(try IntentEvaluation.evaluate(cases, with: both, topConfusions: 10).summary)
    }
  }
  #expect(Bool(true))
}
