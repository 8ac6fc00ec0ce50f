/// Cuts a continuous stream of 16 kHz mono samples, such as a microphone's, into spoken commands:
/// the stream is split into utterances where the speaker pauses, each utterance is searched for the
/// wake phrase as the recogniser searches a clip, and the speech after a phrase is its command.
///
/// The segmenter decodes nothing itself: it hands each utterance to a `spot` function
/// (`SpeechRecognizer.spotWakeWord(samples:)`), with `lead` seconds of audio before its first
/// speech frame and `trail` after its last, the shape of the clips spotting was measured on. On
/// `cabin-eval-speech --set tuning` (its stream of 30 phrase clips, whole clips finding 24) this
/// finds 24 too, at 0.057 s of processor time per second of stream. Fixed windows of 4.5 s every
/// 2 s, tried first, found 21 at 0.086; longer windows found fewer (14 with 6 s every 3 s, 11 with
/// 8 s every 4 s), and 3.5 s every second found 22 at 0.124: the more of other speech and noise a
/// decode holds, the less its cepstral mean suits the phrase.
///
/// A frame is speech when its energy (`Endpointing`'s measure) stands `threshold` decibels above
/// the noise floor, the quietest tenth of the `floorWindow` seconds before it, and the last
/// `steadySpan` seconds did not keep within `steadyRange` decibels: noise that grows louder at once
/// would otherwise be speech until the floor catches up with it. An utterance ends
/// after `pause` seconds without speech; one that runs past `longestUtterance` is searched in
/// pieces that overlap by `overlap` seconds, so that a phrase on a cut lies whole in a piece. The
/// command of a phrase is the rest of its utterance, or, when the phrase ends it, the next
/// utterance if it starts within `firstWordWait` seconds, unless the phrase is said again there;
/// a phrase that nothing follows has none.
///
/// A phrase counts only where it opens a turn: it must start within `openingWindow` seconds of an
/// utterance's first speech frame, or of speech that resumes after `openingPause` seconds without
/// any. Near misses deep inside running talk are turned away so, and so is a phrase said in one
/// breath after more than a couple of seconds of other words.
///
/// Each decision is taken frame by frame from the start of the stream, so the events do not depend
/// on the chunks the stream comes in.
public struct StreamSegmenter: Sendable {
  /// How the stream is split and a command ended.
  public struct Settings: Sendable, Equatable {
    /// Seconds of audio kept before an utterance's first speech frame.
    public var lead: Double
    /// Seconds of audio kept after an utterance's last speech frame.
    public var trail: Double
    /// Seconds without speech that end an utterance.
    public var pause: Double
    /// The longest utterance searched whole, in seconds.
    public var longestUtterance: Double
    /// Seconds by which the pieces of a longer utterance overlap.
    public var overlap: Double
    /// Seconds waited after a phrase that ends its utterance for the command to start.
    public var firstWordWait: Double
    /// Seconds of audio the noise floor is taken from.
    public var floorWindow: Double
    /// Decibels above the noise floor that count as speech (`Endpointing.threshold`).
    public var threshold: Double
    /// Seconds over which a sound whose energy keeps within `steadyRange` is taken for noise.
    public var steadySpan: Double
    /// Decibels between the loudest and quietest frames of `steadySpan` below which they are noise.
    public var steadyRange: Double
    /// Seconds without speech after which speech that resumes opens a turn, as an utterance's first
    /// speech does.
    public var openingPause: Double
    /// Seconds from the opening of a turn within which a wake phrase must start: from a little before
    /// it, since spotting can place a quiet "h" early, to the latest start seen after one.
    public var openingWindow: ClosedRange<Double>

    /// Creates settings.
    public init(
      lead: Double, trail: Double, pause: Double, longestUtterance: Double, overlap: Double,
      firstWordWait: Double, floorWindow: Double, threshold: Double, steadySpan: Double,
      steadyRange: Double, openingPause: Double, openingWindow: ClosedRange<Double>
    ) {
      self.lead = lead
      self.trail = trail
      self.pause = pause
      self.longestUtterance = longestUtterance
      self.overlap = overlap
      self.firstWordWait = firstWordWait
      self.floorWindow = floorWindow
      self.threshold = threshold
      self.steadySpan = steadySpan
      self.steadyRange = steadyRange
      self.openingPause = openingPause
      self.openingWindow = openingWindow
    }

    /// Utterances with 0.5 s before and 0.3 s after them, as the speech fixtures and benchmark
    /// clips have; a pause of 0.8 s ends one; pieces of at most 8 s overlapping by 1.5 s; 3 s of
    /// waiting for a command; the floor over the last 5 s; speech `Endpointing.standard`'s 9 dB
    /// above it, unless the last half second kept within 12 dB. On the tuning stream's road noise
    /// nine in ten half-seconds keep within 8.5 dB, while none of its speech keeps within 8.8 dB,
    /// and only one in a thousand half-seconds of it within 15 dB. A turn opens after a tenth of a
    /// second without speech; a phrase starts from 0.2 s before to 2.5 s after the opening. On the
    /// tuning stream every phrase found started at most 0.7 s after one, or 2 s when said in the
    /// same breath as a remark before it, while 2 of its 3 false alarms in other speech started
    /// 3.4 s or more after the last opening (one of them 0.5 s before the next).
    public static let standard = Settings(
      lead: 0.5, trail: 0.3, pause: 0.8, longestUtterance: 8, overlap: 1.5, firstWordWait: 3,
      floorWindow: 5, threshold: Endpointing.standard.threshold, steadySpan: 0.5, steadyRange: 12,
      openingPause: 0.1, openingWindow: -0.2...2.5)
  }

  /// What the stream held.
  public enum Event: Sendable, Equatable {
    /// The wake phrase, in seconds from the start of the stream.
    case wakePhrase(WakeWordHit)
    /// The audio of a command, from `lead` before its wake phrase to `trail` after its last
    /// speech, and where that audio starts, in seconds from the start of the stream.
    case command(after: WakeWordHit, samples: [Int16], start: Double)
  }

  /// The segmenter's settings.
  public let settings: Settings
  /// The samples kept, from stream index `offset` on.
  private var samples: [Int16] = []
  private var offset = 0
  /// Frames whose energy is known; the energies of the last `floorWindow` seconds of them.
  private var frames = 0
  private var recentEnergies: [Double] = []
  /// The current utterance's first and last speech frames.
  private var utterance: (first: Int, last: Int)?
  /// The frames that opened a turn in the current (or last) utterance: its first speech frame, and
  /// each that follows `openingPause` without speech.
  private var openings: [Int] = []
  /// A phrase that ended its utterance, waiting for its command.
  private var waiting: WakeWordHit?
  /// Hits must start here or later (a sample index): the end of the last phrase or command.
  private var claimedUpTo = 0

  /// Creates a segmenter for a stream that starts now.
  public init(settings: Settings = .standard) {
    self.settings = settings
  }

  /// Seconds of audio taken from the stream so far.
  public var duration: Double { Double(offset + samples.count) / Double(WAVFile.sampleRate) }

  /// Takes the next samples of the stream and returns what they complete, in order. `spot` finds
  /// the wake phrase in a stretch of audio, with times in seconds from its start.
  public mutating func append<Failure: Error>(
    _ newSamples: some Collection<Int16>, spot: ([Int16]) throws(Failure) -> [WakeWordHit]
  ) throws(Failure) -> [Event] {
    samples.append(contentsOf: newSamples)
    var events: [Event] = []
    let frameSamples = Endpointing.frameSamples
    while (frames + 1) * frameSamples <= offset + samples.count {
      let start = frames * frameSamples - offset
      let energy = Endpointing.frameEnergies(
        samples[start..<start + frameSamples], after: start > 0 ? samples[start - 1] : nil)[0]
      events += try step(energy: energy, spot: spot)
      frames += 1
    }
    dropSamples()
    return events
  }

  /// Ends the stream: an utterance in progress is searched with the audio there is, and a phrase
  /// waiting for its command gets the speech after it, if any.
  public mutating func finish<Failure: Error>(
    spot: ([Int16]) throws(Failure) -> [WakeWordHit]
  ) throws(Failure) -> [Event] {
    guard let utterance else { return [] }
    self.utterance = nil
    return try search(first: utterance.first, last: utterance.last, spot: spot)
  }

  private static func samples(_ seconds: Double) -> Int { Int(seconds * Double(WAVFile.sampleRate)) }

  private static func frames(_ seconds: Double) -> Int {
    Int((seconds * PocketSphinxDecoder.framesPerSecond).rounded())
  }

  private static func seconds(_ samples: Int) -> Double { Double(samples) / Double(WAVFile.sampleRate) }

  /// Takes frame `frames` with its energy.
  private mutating func step<Failure: Error>(
    energy: Double, spot: ([Int16]) throws(Failure) -> [WakeWordHit]
  ) throws(Failure) -> [Event] {
    let sorted = recentEnergies.sorted()
    recentEnergies.append(energy)
    if recentEnergies.count > Self.frames(settings.floorWindow) { recentEnergies.removeFirst() }
    // A floor that has not caught up with louder noise yet (a fan turned up, a window opened) would
    // take the noise for speech that never pauses; speech never holds its loudness for long.
    let span = recentEnergies.suffix(Self.frames(settings.steadySpan))
    let steady =
      span.count == Self.frames(settings.steadySpan)
      && (span.max() ?? 0) - (span.min() ?? 0) < settings.steadyRange
    let speech = !steady && !sorted.isEmpty && energy > sorted[sorted.count / 10] + settings.threshold
    let frame = frames
    if speech {
      if let current = utterance {
        if frame - current.last > Self.frames(settings.openingPause) { openings.append(frame) }
        utterance = (current.first, frame)
        if frame - current.first + 1 >= Self.frames(settings.longestUtterance) {
          // A long utterance is searched in pieces; the next starts `overlap` before this one ends.
          let next = frame + 1 - Self.frames(settings.overlap)
          utterance = (next, frame)
          let events = try search(first: current.first, last: frame, spot: spot)
          openings.removeAll { $0 < next - Self.frames(settings.openingWindow.upperBound) }
          return events
        }
      } else {
        utterance = (frame, frame)
        openings = [frame]
      }
      return []
    }
    if let waiting, utterance == nil,
      frame * Endpointing.frameSamples - Self.samples(waiting.end) >= Self.samples(settings.firstWordWait)
    {
      self.waiting = nil
    }
    guard let current = utterance, frame - current.last >= Self.frames(settings.pause) else { return [] }
    utterance = nil
    return try search(first: current.first, last: current.last, spot: spot)
  }

  /// Searches the utterance from frame `first` to frame `last` for the wake phrase, or takes it as
  /// the command of a phrase that waits for one.
  private mutating func search<Failure: Error>(
    first: Int, last: Int, spot: ([Int16]) throws(Failure) -> [WakeWordHit]
  ) throws(Failure) -> [Event] {
    let frameSamples = Endpointing.frameSamples
    let end = min(offset + samples.count, (last + 1) * frameSamples + Self.samples(settings.trail))
    let start = max(0, first * frameSamples - Self.samples(settings.lead))
    let from = Self.seconds(start)
    let turns = openings.map { Self.seconds($0 * frameSamples) }
    let hits = try spot(Array(samples[(start - offset)..<(end - offset)])).map {
      WakeWordHit(phrase: $0.phrase, start: $0.start + from, end: $0.end + from)
    }
    .filter { hit in turns.contains { settings.openingWindow.contains(hit.start - $0) } }
    if let waiting {
      self.waiting = nil
      // A driver who thinks the phrase went unheard says it again, and the command follows that.
      guard !hits.isEmpty else {
        claimedUpTo = end
        return [command(after: waiting, end: end)]
      }
    }
    guard let hit = hits.first(where: { Self.samples($0.start) >= claimedUpTo }) else { return [] }
    let lastSpeech = (last + 1) * frameSamples
    // Speech that goes on past the phrase's last sound, which spotting may end early, is its command.
    guard lastSpeech > Self.samples(hit.end + Endpointing.standard.trail) else {
      waiting = hit
      claimedUpTo = Self.samples(hit.end)
      return [.wakePhrase(hit)]
    }
    claimedUpTo = end
    return [.wakePhrase(hit), command(after: hit, end: end)]
  }

  private func command(after hit: WakeWordHit, end: Int) -> Event {
    let start = max(0, Self.samples(hit.start - settings.lead))
    return .command(
      after: hit, samples: Array(samples[(start - offset)..<end - offset]), start: Self.seconds(start))
  }

  /// Drops the samples no utterance, piece or command can need any more. A command starts `lead`
  /// before its phrase, which starts no earlier than `lead` before its utterance's first speech
  /// frame; what is kept never depends on the chunks the stream came in.
  private mutating func dropSamples() {
    let frameSamples = Endpointing.frameSamples
    let reach = 2 * Self.samples(settings.lead)
    var keep = frames * frameSamples - reach
    if let utterance { keep = min(keep, utterance.first * frameSamples - reach) }
    if let waiting { keep = min(keep, Self.samples(waiting.start - settings.lead)) }
    let count = min(samples.count, keep - offset)
    guard count > 0 else { return }
    samples.removeFirst(count)
    offset += count
  }
}
