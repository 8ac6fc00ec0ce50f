import Testing

// The check reads a decoded path's measures (`PathAcoustics`), which only the decoder makes.
@testable import SpeechRecognition

/// Which command paths `CommandRejection` turns away as speech outside the grammar.
@Suite struct CommandRejectionTests {
  private static let check = CommandRejection(
    pathFloor: -6e-3, silenceFloor: -4e-3, silenceMinimumDuration: 0.2, edgeSilenceAllowance: 0.3)

  /// A path of two words with a silence before, between and after them, each given as its frames
  /// and score per frame; the whole path scores -3e-3 a frame.
  private static func path(lead: (Int, Double), pause: (Int, Double), trail: (Int, Double)) -> PathAcoustics {
    PathAcoustics(
      scorePerFrame: -3e-3,
      silences: [
        .init(frames: lead.0, scorePerFrame: lead.1, atEdge: true),
        .init(frames: pause.0, scorePerFrame: pause.1, atEdge: false),
        .init(frames: trail.0, scorePerFrame: trail.1, atEdge: true),
      ],
      words: [.init(frames: 40, scorePerFrame: -3e-3), .init(frames: 40, scorePerFrame: -3e-3)])
  }

  @Test func backgroundSoundKeptAroundTheSpeechIsNotJudgedAsSilenceLaidOverIt() {
    // Loud road noise fits the silence model poorly, before and after a command that was said.
    let noisyEdges = Self.path(lead: (30, -5e-3), pause: (5, -2e-3), trail: (27, -4.5e-3))
    #expect(!Self.check.rejects(noisyEdges))
    var everySilence = Self.check
    everySilence.edgeSilenceAllowance = 0
    #expect(everySilence.rejects(noisyEdges))
  }

  @Test func speechReadAsSilenceIsRejectedInsideThePathOrBeyondTheAllowance() {
    // A forced path reads the speech it cannot place as a long pause, or as a long edge silence.
    #expect(Self.check.rejects(Self.path(lead: (30, -2e-3), pause: (25, -5e-3), trail: (27, -2e-3))))
    #expect(Self.check.rejects(Self.path(lead: (80, -5e-3), pause: (5, -2e-3), trail: (27, -2e-3))))
    #expect(Self.check.rejects(Self.path(lead: (30, -2e-3), pause: (5, -2e-3), trail: (60, -4.5e-3))))
  }

  @Test func shortPausesAndSilencesAboveTheFloorPass() {
    // A pause shorter than `silenceMinimumDuration` can hold the edge of a word.
    #expect(!Self.check.rejects(Self.path(lead: (30, -2e-3), pause: (15, -9e-3), trail: (27, -2e-3))))
    #expect(!Self.check.rejects(Self.path(lead: (90, -3e-3), pause: (40, -3.9e-3), trail: (60, -2e-3))))
  }

  @Test func aPathScoringBelowItsFloorIsRejectedWhateverItsSilences() {
    var poor = Self.path(lead: (30, -2e-3), pause: (5, -2e-3), trail: (27, -2e-3))
    poor.scorePerFrame = -6.5e-3
    #expect(Self.check.rejects(poor))
  }
}
