import Testing

@testable import SpeechRecognition

@Suite struct JSGFRepairTests {
  /// Regression: JSGFGenerator wrote `<number> = <number>;` before the real `<number>` rule;
  /// pocketsphinx kept the first definition and every number slot could be skipped.
  @Test func dropsRulesDefinedAsThemselvesOnly() {
    let text = "<temperature> = <number> [degrees];\n<number> = <number>;\n<number> = one | two;\n"
    #expect(
      JSGFRepair.removingSelfDefinitions(text)
        == "<temperature> = <number> [degrees];\n<number> = one | two;\n")
  }

  @Test func keepsRecursiveRulesWithOtherAlternatives() {
    let text = "<digits> = <digit> | <digit> <digits>;"
    #expect(JSGFRepair.removingSelfDefinitions(text) == text)
  }
}
