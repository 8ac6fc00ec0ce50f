import SpeechRecognition
import Testing

/// The mapping from a command path's measures to its confidence.
@Suite struct CommandConfidenceTests {
  private static let scores = [0, -1e-3, -3e-3, -4.5e-3, -6e-3, -9e-3, -15e-3, -1]
  private static let silences = [0, 0.5, 1, 2, 5, 60]

  private static func evidence(_ word: Double, _ lowest: Double, _ silence: Double)
    -> CommandConfidence.Evidence
  {
    .init(wordScorePerFrame: word, lowestWordScorePerFrame: lowest, silence: silence)
  }

  @Test func staysBetweenZeroAndOne() {
    for word in Self.scores {
      for lowest in Self.scores {
        for silence in Self.silences {
          let value = CommandConfidence.standard.confidence(Self.evidence(word, lowest, silence))
          #expect(value >= 0 && value <= 1, "\(word), \(lowest), \(silence): \(value)")
        }
      }
    }
    #expect(CommandConfidence.standard.confidence(Self.evidence(-1, -1, 60)) == 0)
    #expect(CommandConfidence.standard.confidence(Self.evidence(0, 0, 0)) > 0.999)
  }

  @Test func risesWithEachWordScoreAndFallsWithSilence() {
    let standard = CommandConfidence.standard
    for (higher, lower) in zip(Self.scores, Self.scores.dropFirst()) {
      for silence in Self.silences {
        let other = -4.5e-3
        #expect(
          standard.confidence(Self.evidence(higher, other, silence))
            >= standard.confidence(Self.evidence(lower, other, silence)))
        #expect(
          standard.confidence(Self.evidence(other, higher, silence))
            >= standard.confidence(Self.evidence(other, lower, silence)))
      }
    }
    for (shorter, longer) in zip(Self.silences, Self.silences.dropFirst()) {
      #expect(
        standard.confidence(Self.evidence(-4.5e-3, -7e-3, shorter))
          > standard.confidence(Self.evidence(-4.5e-3, -7e-3, longer)))
    }
    // Where the tuning set's paths lie, each step is strict: right commands' words scored about
    // -4.7e-3 a frame, wrong paths' about -6e-3.
    #expect(
      standard.confidence(Self.evidence(-4.5e-3, -7e-3, 1))
        > standard.confidence(Self.evidence(-6e-3, -7e-3, 1)))
    #expect(
      standard.confidence(Self.evidence(-4.5e-3, -7e-3, 1))
        > standard.confidence(Self.evidence(-4.5e-3, -10e-3, 1)))
  }
}
