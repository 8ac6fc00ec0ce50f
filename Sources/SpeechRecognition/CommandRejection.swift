/// The check that a transcript of the command grammar was a command at all.
///
/// The grammar has no path for other speech, so any utterance comes out as the command nearest to it
/// in sound: "we stayed in a cabin by the lake" was heard as a temperature of one hundred degrees.
/// Such a path places the few command words it can and reads the rest of the speech as silence.
/// pocketsphinx scores each frame against its best senone, so the path of a command that was said
/// stays close to the best the acoustic model could say there, while a forced one falls below it,
/// most of all in the silences laid over speech. A transcript is rejected when its whole path scores
/// below `pathFloor` per frame, or when one of its silences of at least `silenceMinimumDuration`
/// scores below `silenceFloor` per frame. Scores are in the units of pocketsphinx's path scores as
/// converted with its log base.
public struct CommandRejection: Sendable, Equatable {
  /// The lowest acoustic score per frame of the whole path.
  public var pathFloor: Double
  /// The lowest acoustic score per frame of a silence in the path.
  public var silenceFloor: Double
  /// The shortest silence, in seconds, that `silenceFloor` applies to: a short one can hold the edge
  /// of a word.
  public var silenceMinimumDuration: Double

  /// Creates a check.
  public init(pathFloor: Double, silenceFloor: Double, silenceMinimumDuration: Double) {
    self.pathFloor = pathFloor
    self.silenceFloor = silenceFloor
    self.silenceMinimumDuration = silenceMinimumDuration
  }

  /// -5.8e-3 for the path, -4.45e-3 for silences of 0.2 s or more, chosen on `cabin-eval-speech
  /// --set tuning` over the stretch `Endpointing.standard` keeps, decoded without noise removal
  /// (`SpeechRecognizer.Configuration.commandNoiseRemoval`): 80 commands in road noise (70 heard
  /// right, the others misheard) and 59 sentences of other speech, each with a command path. The
  /// lowest right command differs from voice to voice by about 0.5e-3: with floors taken from
  /// three voices, the fourth lost up to 3 of its right commands, and on the evaluation set the
  /// first floors lost 7 of its 96. So each floor sits that spread below the tuning set's lowest
  /// right command: its path at -5.29e-3 a frame and its lowest silence at -3.95e-3. A path through
  /// a command that was said holds real pauses, while the silences a forced path lays over speech
  /// score lower. The floors keep all 70 right commands and let 10 of the 59 sentences through (the
  /// floors chosen the same way with noise removal, -5.9e-3 and -5.0e-3, let 14 through). Comparing
  /// the path with a second decode through a loop of single phones separated the sentences no better
  /// and cost 0.07 of real time more.
  public static let standard = CommandRejection(
    pathFloor: -5.8e-3, silenceFloor: -4.45e-3, silenceMinimumDuration: 0.2)

  /// Whether `acoustics` is the path of speech outside the grammar.
  func rejects(_ acoustics: PathAcoustics) -> Bool {
    let shortest = Int((silenceMinimumDuration * PocketSphinxDecoder.framesPerSecond).rounded())
    return acoustics.scorePerFrame < pathFloor
      || acoustics.silences.contains { $0.frames >= shortest && $0.scorePerFrame < silenceFloor }
  }
}
