/// Cuts a continuous stream of 16 kHz mono samples, such as a microphone's, into spoken commands:
/// the wake phrase is spotted in overlapping windows of the stream, and the command after each
/// phrase ends where the speaker pauses.
///
/// The segmenter decodes nothing itself: it hands each window to a `spot` function
/// (`SpeechRecognizer.spotWakeWord(samples:)`), which decodes it as it decodes a clip, with the
/// cepstral mean of the window alone. Spotting frame by frame would switch pocketsphinx to its
/// running mean, with which the recogniser was never measured. A window of `window` seconds is
/// spotted every `hop` seconds, and a hit counts in a window only when the window holds `margin`
/// seconds of audio before and after it, the audio that wake verification decodes around a hit.
/// With the standard settings every phrase up to 1.5 s long lies whole, with its margins, in one
/// window, and each second of the stream is decoded 2.25 times.
///
/// A command starts `margin` before its phrase, so that the recogniser finds the phrase again and
/// decodes what follows it (`SpeechRecognizer.recognizeAfterWakePhrase(samples:mode:)`). It ends
/// `pause` seconds after the last frame that stands `threshold` decibels above the noise floor
/// (the quietest tenth of the window the phrase was spotted in), or after `longestCommand`
/// seconds. A phrase that nothing follows within `firstWordWait` seconds has no command: the
/// recogniser, made to find a command after the phrase, would hear a short word in the noise.
/// Spotting goes on after the command's end, or after the wait.
public struct StreamSegmenter: Sendable {
  /// How the stream is windowed and a command ended.
  public struct Settings: Sendable, Equatable {
    /// Seconds of audio decoded in each spotting pass.
    public var window: Double
    /// Seconds between the starts of two spotting windows.
    public var hop: Double
    /// Seconds a window must hold before and after a hit for it to count there; also what a
    /// command keeps before its phrase.
    public var margin: Double
    /// Seconds without speech that end a command.
    public var pause: Double
    /// Seconds waited after the phrase for the command to start.
    public var firstWordWait: Double
    /// The longest a command may run after its phrase, in seconds.
    public var longestCommand: Double
    /// Decibels above the noise floor that count as speech (`Endpointing.threshold`).
    public var threshold: Double

    /// Creates settings.
    public init(
      window: Double, hop: Double, margin: Double, pause: Double, firstWordWait: Double,
      longestCommand: Double, threshold: Double
    ) {
      self.window = window
      self.hop = hop
      self.margin = margin
      self.pause = pause
      self.firstWordWait = firstWordWait
      self.longestCommand = longestCommand
      self.threshold = threshold
    }

    /// Windows of 4.5 s every 2 s with margins of 0.5 s (the wake verification decodes 0.3 s
    /// before a hit and 0.4 s after it); a command ends after a pause of 0.8 s, 3 s without a
    /// word after the phrase, or 8 s; speech is `Endpointing.standard`'s 9 dB above the floor.
    public static let standard = Settings(
      window: 4.5, hop: 2, margin: 0.5, pause: 0.8, firstWordWait: 3, longestCommand: 8,
      threshold: Endpointing.standard.threshold)
  }

  /// What the stream held.
  public enum Event: Sendable, Equatable {
    /// The wake phrase, in seconds from the start of the stream.
    case wakePhrase(WakeWordHit)
    /// The audio of a command, from `margin` before its wake phrase to its end, and where that
    /// audio starts, in seconds from the start of the stream.
    case command(after: WakeWordHit, samples: [Int16], start: Double)
  }

  private struct Capture {
    var hit: WakeWordHit
    /// Where the command's audio starts and its phrase ends, as stream sample indices.
    var from: Int
    var phraseEnd: Int
    /// The spotting window's noise floor, in decibels.
    var noiseFloor: Double
  }

  /// The segmenter's settings.
  public let settings: Settings
  /// The samples kept, from stream index `offset` on.
  private var samples: [Int16] = []
  private var offset = 0
  /// Where the next spotting window ends, and where the last one ended.
  private var nextWindowEnd: Int
  private var spottedUpTo = 0
  /// Hits must start here or later: the end of the last command.
  private var floor = 0
  private var capture: Capture?

  /// Creates a segmenter for a stream that starts now.
  public init(settings: Settings = .standard) {
    self.settings = settings
    nextWindowEnd = Self.samples(settings.window)
  }

  /// Seconds of audio taken from the stream so far.
  public var duration: Double { Double(end) / Double(WAVFile.sampleRate) }

  /// Takes the next samples of the stream and returns what they complete, in order. `spot` finds
  /// the wake phrase in a window, with times in seconds from the window's start.
  public mutating func append<Failure: Error>(
    _ newSamples: some Collection<Int16>, spot: ([Int16]) throws(Failure) -> [WakeWordHit]
  ) throws(Failure) -> [Event] {
    samples.append(contentsOf: newSamples)
    return try advance(final: false, spot: spot)
  }

  /// Ends the stream: spots the audio no window has covered yet and ends a command in progress.
  public mutating func finish<Failure: Error>(
    spot: ([Int16]) throws(Failure) -> [WakeWordHit]
  ) throws(Failure) -> [Event] {
    try advance(final: true, spot: spot)
  }

  private var end: Int { offset + samples.count }

  private static func samples(_ seconds: Double) -> Int { Int(seconds * Double(WAVFile.sampleRate)) }

  private static func seconds(_ samples: Int) -> Double { Double(samples) / Double(WAVFile.sampleRate) }

  private mutating func advance<Failure: Error>(
    final: Bool, spot: ([Int16]) throws(Failure) -> [WakeWordHit]
  ) throws(Failure) -> [Event] {
    var events: [Event] = []
    while true {
      if let capture {
        guard let (commandEnd, spoken) = commandEnd(of: capture, final: final) else { break }
        if spoken {
          events.append(
            .command(
              after: capture.hit, samples: Array(samples[(capture.from - offset)..<(commandEnd - offset)]),
              start: Self.seconds(capture.from)))
        }
        self.capture = nil
        floor = commandEnd
        nextWindowEnd = max(0, commandEnd - Self.samples(settings.margin)) + Self.samples(settings.window)
        spottedUpTo = commandEnd
        dropSamples(before: commandEnd - Self.samples(settings.margin))
        continue
      }
      let windowEnd = min(nextWindowEnd, end)
      guard windowEnd == nextWindowEnd || (final && end > spottedUpTo) else { break }
      let windowStart = max(0, windowEnd - Self.samples(settings.window), offset)
      let window = Array(samples[(windowStart - offset)..<(windowEnd - offset)])
      spottedUpTo = windowEnd
      let startSeconds = Self.seconds(windowStart)
      let hits = try spot(window).map {
        WakeWordHit(phrase: $0.phrase, start: $0.start + startSeconds, end: $0.end + startSeconds)
      }
      let margin = settings.margin
      let accepted = hits.first { hit in
        hit.start >= Self.seconds(floor) && (windowStart == 0 || hit.start >= startSeconds + margin)
          && (final || hit.end <= Self.seconds(windowEnd) - margin)
      }
      if let hit = accepted {
        events.append(.wakePhrase(hit))
        let energies = Endpointing.frameEnergies(window[...]).sorted()
        capture = Capture(
          hit: hit, from: max(windowStart, Self.samples(hit.start - margin)),
          phraseEnd: min(end, Self.samples(hit.end)),
          noiseFloor: energies.isEmpty ? 0 : energies[energies.count / 10])
        continue
      }
      if windowEnd < nextWindowEnd { break }
      nextWindowEnd += Self.samples(settings.hop)
      dropSamples(before: nextWindowEnd - Self.samples(settings.window))
    }
    return events
  }

  /// Where the command being captured ends and whether anything was said after the phrase, or nil
  /// when the stream must go on to tell. The frames are read in order from the phrase's end, so the
  /// end found does not depend on how much of the stream has come after it.
  private func commandEnd(of capture: Capture, final: Bool) -> (end: Int, spoken: Bool)? {
    let energies = Endpointing.frameEnergies(samples[(capture.phraseEnd - offset)...])
    let frame = Endpointing.frameSamples
    let frames = { (seconds: Double) in Int((seconds * PocketSphinxDecoder.framesPerSecond).rounded()) }
    let trail = Self.samples(Endpointing.standard.trail)
    let speech = capture.noiseFloor + settings.threshold
    // Spotting may end the phrase before its last sound: speech in the frames just after it does
    // not start a command.
    let phraseTail = frames(Endpointing.standard.trail)
    var lastSpeech: Int?
    for (index, energy) in energies.enumerated() {
      if index == frames(settings.longestCommand) { return (capture.phraseEnd + index * frame, true) }
      if energy > speech, index >= phraseTail {
        lastSpeech = index
      } else if let last = lastSpeech {
        if index - last >= frames(settings.pause) {
          return (capture.phraseEnd + (last + 1) * frame + trail, true)
        }
      } else if index + 1 >= frames(settings.firstWordWait) {
        return (capture.phraseEnd + index * frame, false)
      }
    }
    guard final else { return nil }
    guard let lastSpeech else { return (end, false) }
    return (min(end, capture.phraseEnd + (lastSpeech + 1) * frame + trail), true)
  }

  private mutating func dropSamples(before index: Int) {
    let count = min(samples.count, index - offset)
    guard count > 0 else { return }
    samples.removeFirst(count)
    offset += count
  }
}
