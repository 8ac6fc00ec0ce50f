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
/// speech it cannot place as silence (`Evidence.silence`). A long pause inside a command that was
/// said lowers the estimate too; silence before and after the speech does not, beyond the 0.3 s
/// `Endpointing.standard` keeps on each side. The tuning set's commands have no such pauses. Scores
/// are in the units of `CommandRejection`'s. Transcripts of the language model keep its lattice
/// posterior.
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

  /// Fitted on `cabin-eval-speech --set tuning` with the default recogniser: the 87 command paths
  /// `CommandRejection.standard` passes over the stretch `Endpointing.standard` keeps, 63 of
  /// commands heard right (the positives) and 24 wrong (11 commands misheard and 13 sentences of
  /// other speech), by logistic regression with a ridge penalty of 1e-3 on the mean log-loss (scores
  /// in thousandths). On those 87 the estimate averages 0.87 for the right and 0.33 for the wrong
  /// paths, a right one scores above a wrong one with probability 0.93 (0.91 for each path left out
  /// of its own fit), 17 of the 24 wrong fall below 0.5 and 3 of the 63 right; the lattice posterior
  /// was 1 for all. The first fit, on whole utterances (84 paths, 21 wrong), found nearly the same
  /// weights (15.0, 1281, 568, -1.97 a second) and separated with probability 0.92 there and 0.93
  /// on the trimmed paths, but set them about 0.1 higher. Left out of their fits, the two word scores
  /// alone separated with probability 0.88, the mean alone 0.86 and the whole path's score per frame
  /// 0.76 (on whole utterances). The silence weight is the least certain: it nearly separates the
  /// sentences by itself, and without the penalty it grew to -5.9 a second. On `--set evaluation`,
  /// where the first fit was run once after it was made, it separated far less: the wrong paths the
  /// defaults passed averaged 0.62 against 0.88 for the right, the probability was 0.71, and only 7
  /// of the 22 fell below 0.5.
  public static let standard = CommandConfidence(
    intercept: 13.3, wordScoreWeight: 1_231, lowestWordScoreWeight: 527, silenceWeight: -1.92)

  /// The probability (0...1) that the path with `evidence` is the command that was said.
  public func confidence(_ evidence: Evidence) -> Double {
    let logOdds =
      intercept + wordScoreWeight * evidence.wordScorePerFrame
      + lowestWordScoreWeight * evidence.lowestWordScorePerFrame + silenceWeight * evidence.silence
    return 1 / (1 + exp(-logOdds))
  }
}
