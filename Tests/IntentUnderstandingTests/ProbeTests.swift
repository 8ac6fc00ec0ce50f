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
  if ProcessInfo.processInfo.environment["DEVEVAL"] != nil {
    let report = try IntentEvaluation.evaluate(IntentEvaluation.cases(contentsOf: Support.devSet), with: understander, topConfusions: 40)
    print(report.summary)
    let both = try Support.understander(classifier: ClassifierTests.shared.get())
    let report2 = try IntentEvaluation.evaluate(IntentEvaluation.cases(contentsOf: Support.devSet), with: both, topConfusions: 20)
    print(report2.summary)
  }
  #expect(Bool(true))
}
