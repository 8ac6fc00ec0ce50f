import Foundation

/// An estimate (0...1) that a transcript of the command grammar is the command that was said, from
/// how well its path fits the audio.
///
/// The grammar's lattice posterior is 1 for nearly every path, right or wrong, so it says nothing.
/// The estimate is instead a logistic regression on three measures of the path the decoder has
/// already found (no second decode). A word the grammar puts where another was said fits the audio
/// worse than the words of a command that was said: the words' acoustic score per frame falls
/// (`Evidence.wordScorePerFrame`), most of all that of the word misheard
/// (`Evidence.lowestWordScorePerFrame`). A path forced through speech outside the grammar reads the
/// speech it cannot place as silence (`Evidence.silence`). A long pause in a command that was said
/// lowers the estimate too, unless the voice-activity detector drops its frames: the tuning set's
/// clips have 0.5 s of noise before the speech and 0.3 s after, and no pauses. Scores are in the
/// units of `CommandRejection`'s. Transcripts of the language model keep its lattice posterior.
public struct CommandConfidence: Sendable, Equatable {
  /// What the estimate is computed from: measures of one command path.
  public struct Evidence: Sendable, Equatable {
    /// The acoustic score per frame of the path's words together, silences left out.
    public var wordScorePerFrame: Double
    /// The lowest acoustic score per frame of one word of the path.
    public var lowestWordScorePerFrame: Double
    /// Seconds of silence in the path, at its ends and between its words.
    public var silence: Double

    /// Creates the evidence.
    public init(wordScorePerFrame: Double, lowestWordScorePerFrame: Double, silence: Double) {
      self.wordScorePerFrame = wordScorePerFrame
      self.lowestWordScorePerFrame = lowestWordScorePerFrame
      self.silence = silence
    }

    /// The evidence of a decoded path, nil when it has no words.
    init?(_ acoustics: PathAcoustics) {
      guard let lowest = acoustics.words.map(\.scorePerFrame).min() else { return nil }
      let frames = acoustics.words.reduce(0) { $0 + $1.frames }
      let score = acoustics.words.reduce(0) { $0 + $1.scorePerFrame * Double($1.frames) }
      let silentFrames = acoustics.silences.reduce(0) { $0 + $1.frames }
      self.init(
        wordScorePerFrame: score / Double(max(frames, 1)), lowestWordScorePerFrame: lowest,
        silence: Double(silentFrames) / PocketSphinxDecoder.framesPerSecond)
    }
  }

  /// The log-odds of a path whose measures are all 0.
  public var intercept: Double
  /// The log-odds added per unit of `Evidence.wordScorePerFrame` (positive: a better fit, a higher
  /// estimate).
  public var wordScoreWeight: Double
  /// The log-odds added per unit of `Evidence.lowestWordScorePerFrame`.
  public var lowestWordScoreWeight: Double
  /// The log-odds added per second of `Evidence.silence` (negative).
  public var silenceWeight: Double

  /// Creates an estimate from its coefficients.
  public init(
    intercept: Double, wordScoreWeight: Double, lowestWordScoreWeight: Double, silenceWeight: Double
  ) {
    self.intercept = intercept
    self.wordScoreWeight = wordScoreWeight
    self.lowestWordScoreWeight = lowestWordScoreWeight
    self.silenceWeight = silenceWeight
  }

  /// Fitted on `cabin-eval-speech --set tuning` with the default recogniser: the 84 command paths
  /// `CommandRejection.standard` passes, 63 of commands heard right (the positives) and 21 wrong
  /// (13 commands misheard and 8 sentences of other speech), by logistic regression with a ridge
  /// penalty of 1e-3 on the mean log-loss (scores in thousandths). On those 84 the estimate averages
  /// 0.88 for the right and 0.35 for the wrong paths, a right one scores above a wrong one with
  /// probability 0.92 (0.90 for each path left out of its own fit), 15 of the 21 wrong fall below
  /// 0.5 and 2 of the 63 right; the lattice posterior was 1 for all 84. Left out of their fits, the
  /// two word scores alone separated with probability 0.88, the mean alone 0.86 and the whole
  /// path's score per frame 0.76. With `commandRejection` nil, on all 138 command paths (58 of them
  /// sentences), the estimate separates with probability 0.97 and puts 66 of the 74 wrong below 0.5.
  /// The silence weight is the least certain: it nearly separates the 8 sentences by itself, and
  /// without the penalty it grows to -5.9 a second. On `--set evaluation` (run once, after the fit)
  /// it separates far less: the 22 wrong paths the defaults pass average 0.62 against 0.88 for the
  /// right, the probability is 0.71, and only 7 of the 22 fall below 0.5; with `commandRejection`
  /// nil, 0.90, with 57 of its 80 wrong below 0.5.
  public static let standard = CommandConfidence(
    intercept: 15.0, wordScoreWeight: 1_281, lowestWordScoreWeight: 568, silenceWeight: -1.97)

  /// The probability (0...1) that the path with `evidence` is the command that was said.
  public func confidence(_ evidence: Evidence) -> Double {
    let logOdds =
      intercept + wordScoreWeight * evidence.wordScorePerFrame
      + lowestWordScoreWeight * evidence.lowestWordScorePerFrame + silenceWeight * evidence.silence
    return 1 / (1 + exp(-logOdds))
  }
}
