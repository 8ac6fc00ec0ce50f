import CabinTestKit
import Foundation
import SpeechRecognition
import Testing

/// `StreamSegmenter` over a stream of espeak-ng commands between stretches of noise, spotted by the
/// real recogniser.
@Suite(.serialized) struct StreamSegmenterTests {
  /// Seconds of `samples`.
  private static func seconds(_ samples: Int) -> Double { Double(samples) / Double(WAVFile.sampleRate) }

  /// What `events` are, without their samples.
  private static func describe(_ events: [StreamSegmenter.Event]) -> [String] {
    events.map { event in
      switch event {
      case .wakePhrase(let hit): "phrase at \(hit.start)-\(hit.end) s"
      case .command(_, let samples, let start): "command at \(start) s for \(seconds(samples.count)) s"
      }
    }
  }

  /// The samples of `text` said by espeak-ng over the faint noise floor (`Support.clip`).
  private static func clip(_ text: String, voice: String, speed: Int, in directory: URL) async throws
    -> [Int16]
  {
    try WAVFile.samples(
      contentsOf: await Support.clip(text, voice: voice, speed: speed, noise: "quiet", in: directory))
  }

  /// The events of `stream` fed in chunks of `chunkSizes` (repeated) and then ended.
  private static func events(
    of stream: [Int16], chunkSizes: [Int], recognizer: SpeechRecognizer,
    settings: StreamSegmenter.Settings = .standard
  ) throws -> [StreamSegmenter.Event] {
    var segmenter = StreamSegmenter(settings: settings)
    var events: [StreamSegmenter.Event] = []
    var index = 0
    var chunk = 0
    while index < stream.count {
      let end = min(stream.count, index + chunkSizes[chunk % chunkSizes.count])
      events += try segmenter.append(stream[index..<end], spot: recognizer.spotWakeWord(samples:))
      index = end
      chunk += 1
    }
    return events + (try segmenter.finish(spot: recognizer.spotWakeWord(samples:)))
  }

  @Test func eachCommandIsCutFromTheStreamAfterItsWakePhraseWhateverTheChunks() async throws {
    let directory = try Support.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let recognizer = try Support.recognizer()
    // The voices and speeds of WakeWordTests whose phrase the recogniser spots.
    let first = try await Self.clip(
      "hey cabin, open the window", voice: "en-us+f2", speed: 160, in: directory)
    let second = try await Self.clip(
      "hey cabin, how is the forecast", voice: "en-us", speed: 150, in: directory)
    let gap = try await Support.noise(seconds: 2.5, in: directory)
    let lead = try await Support.noise(seconds: 1.7, in: directory)
    let stream = lead + first + gap + second + gap
    let firstStart = Self.seconds(lead.count)
    let secondStart = Self.seconds(lead.count + first.count + gap.count)

    let events = try Self.events(of: stream, chunkSizes: [1_600], recognizer: recognizer)
    let hits = events.compactMap { event -> WakeWordHit? in
      guard case .wakePhrase(let hit) = event else { return nil }
      return hit
    }
    let commands = events.compactMap { event -> (hit: WakeWordHit, samples: [Int16], start: Double)? in
      guard case .command(let hit, let samples, let start) = event else { return nil }
      return (hit, samples, start)
    }
    try #require(hits.count == 2 && commands.count == 2, "events: \(Self.describe(events))")
    // Each phrase is announced before its command, and each command follows its own phrase.
    #expect(
      events.map { if case .wakePhrase = $0 { "wake" } else { "command" } } == [
        "wake", "command", "wake", "command",
      ])
    #expect(commands.map(\.hit) == hits)
    // Each clip holds 0.5 s of noise before "hey".
    for (hit, clipStart) in zip(hits, [firstStart, secondStart]) {
      #expect(hit.start > clipStart + 0.3 && hit.start < clipStart + 1.0, "\(hit) in a clip at \(clipStart)")
    }
    // A command starts half a second before its phrase and ends in the gap after its clip.
    let ends = commands.map { $0.start + Self.seconds($0.samples.count) }
    #expect(abs(commands[0].start - (hits[0].start - 0.5)) < 0.01)
    #expect(ends[0] > firstStart + Self.seconds(first.count) - 0.4, "ends at \(ends[0])")
    #expect(ends[0] < secondStart, "ends at \(ends[0])")
    #expect(ends[1] > secondStart + Self.seconds(second.count) - 0.4, "ends at \(ends[1])")

    let transcripts = try commands.map { try recognizer.recognizeAfterWakePhrase(samples: $0.samples) }
    #expect(transcripts.map { $0.wakeWords.count } == [1, 1])
    #expect(transcripts[0].transcript.text == "open the window", "heard '\(transcripts[0].transcript.text)'")
    #expect(transcripts[1].transcript.text.contains("forecast"), "heard '\(transcripts[1].transcript.text)'")

    // The chunks a stream arrives in change nothing: each decision is taken frame by frame.
    var generator = SeededGenerator(seed: 7)
    let sizes = (0..<50).map { _ in Int.random(in: 1...9_000, using: &generator) }
    let inRandomChunks = try Self.events(of: stream, chunkSizes: sizes, recognizer: recognizer) == events
    let inOneChunk = try Self.events(of: stream, chunkSizes: [stream.count], recognizer: recognizer) == events
    #expect(inRandomChunks)
    #expect(inOneChunk)
  }

  @Test func aPhraseThatNothingFollowsHasNoCommandAndTalkHasNoPhrase() async throws {
    let directory = try Support.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let recognizer = try Support.recognizer()
    let phrase = try await Self.clip("hey cabin", voice: "en-us", speed: 150, in: directory)
    let talk = try await Self.clip(
      "we should stop for lunch somewhere near the lake", voice: "en-gb", speed: 160, in: directory)
    let lead =
      try await Support.noise(seconds: 1, in: directory) + talk
      + (try await Support.noise(seconds: 2, in: directory))
    let stream = lead + phrase + (try await Support.noise(seconds: 5, in: directory)) + phrase

    let events = try Self.events(of: stream, chunkSizes: [4_000], recognizer: recognizer)
    // The phrase is announced and, with nothing said in the 3 s after it, no command follows; the
    // stream's last phrase, cut off by its end, is announced the same way.
    try #require(events.count == 2, "events: \(Self.describe(events))")
    guard case .wakePhrase(let hit) = events[0], case .wakePhrase(let last) = events[1] else {
      Issue.record("expected two phrases and nothing else: \(Self.describe(events))")
      return
    }
    let phraseStart = Self.seconds(lead.count)
    #expect(hit.start > phraseStart + 0.3 && hit.start < phraseStart + 1.0, "\(hit), clip at \(phraseStart)")
    let lastStart = Self.seconds(stream.count - phrase.count)
    #expect(last.start > lastStart + 0.3 && last.start < lastStart + 1.0, "\(last), clip at \(lastStart)")
  }

  @Test func aCommandSaidAfterAPauseBelongsToThePhraseBeforeIt() async throws {
    let directory = try Support.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let recognizer = try Support.recognizer()
    let phrase = try await Self.clip("hey cabin", voice: "en-us", speed: 150, in: directory)
    let command = try await Self.clip("open the window", voice: "en-us", speed: 150, in: directory)
    // With the clips' own 0.3 s and 0.5 s of noise, the pause between them is 2 s.
    let stream =
      try await Support.noise(seconds: 1, in: directory) + phrase
      + (try await Support.noise(seconds: 1.2, in: directory)) + command
      + (try await Support.noise(seconds: 2, in: directory))

    let events = try Self.events(of: stream, chunkSizes: [1_600], recognizer: recognizer)
    try #require(events.count == 2, "events: \(Self.describe(events))")
    guard case .wakePhrase(let hit) = events[0], case .command(let after, let samples, let start) = events[1]
    else {
      Issue.record("expected a phrase and its command: \(Self.describe(events))")
      return
    }
    #expect(after == hit)
    // The command runs from before the phrase to after the words said 2 s later.
    #expect(start < hit.start)
    #expect(start + Self.seconds(samples.count) > Self.seconds(stream.count) - 2.5)
    let heard = try recognizer.recognizeAfterWakePhrase(samples: samples).transcript.text
    #expect(heard == "open the window", "heard '\(heard)'")
  }

  @Test func noiseThatGrowsLouderAfterACommandDoesNotRunItIntoTheNext() async throws {
    let directory = try Support.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let recognizer = try Support.recognizer()
    let first = try await Self.clip(
      "hey cabin, open the window", voice: "en-us+f2", speed: 160, in: directory)
    let second = try await Self.clip(
      "hey cabin, how is the forecast", voice: "en-us", speed: 150, in: directory)
    // 2 s of noise 18 dB louder than the clips' own: a floor over the last 5 s takes it for speech.
    let louder = try await Support.noise(seconds: 2, in: directory).map { $0 &* 8 }
    let stream = try await Support.noise(seconds: 1.7, in: directory) + first + louder + second
    let secondStart = Self.seconds(stream.count - second.count)

    let events = try Self.events(of: stream, chunkSizes: [1_600], recognizer: recognizer)
    let commands = events.compactMap { event -> (samples: [Int16], start: Double)? in
      guard case .command(_, let samples, let start) = event else { return nil }
      return (samples, start)
    }
    try #require(commands.count == 2, "events: \(Self.describe(events))")
    let firstEnd = commands[0].start + Self.seconds(commands[0].samples.count)
    #expect(
      firstEnd < secondStart,
      "the first command ends at \(firstEnd), the second clip starts at \(secondStart)")
    let heard = try commands.map {
      try recognizer.recognizeAfterWakePhrase(samples: $0.samples).transcript.text
    }
    #expect(heard[0] == "open the window", "heard '\(heard[0])'")
    #expect(heard[1].contains("forecast"), "heard '\(heard[1])'")
  }

  @Test func aPhraseSaidAgainBeforeItsCommandStartsOver() async throws {
    let directory = try Support.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let recognizer = try Support.recognizer()
    let phrase = try await Self.clip("hey cabin", voice: "en-us", speed: 150, in: directory)
    let again = try await Self.clip(
      "hey cabin, open the window", voice: "en-us+f2", speed: 160, in: directory)
    let stream =
      try await Support.noise(seconds: 1, in: directory) + phrase
      + (try await Support.noise(seconds: 1.2, in: directory)) + again
      + (try await Support.noise(seconds: 2, in: directory))
    let againStart = Self.seconds(stream.count - again.count) - 2

    let events = try Self.events(of: stream, chunkSizes: [1_600], recognizer: recognizer)
    // Both phrases are announced, and the command belongs to the second.
    try #require(events.count == 3, "events: \(Self.describe(events))")
    guard case .wakePhrase(let firstHit) = events[0], case .wakePhrase(let hit) = events[1],
      case .command(let after, let samples, _) = events[2]
    else {
      Issue.record("expected two phrases and a command: \(Self.describe(events))")
      return
    }
    #expect(firstHit.start < againStart)
    #expect(hit.start > againStart + 0.3 && hit.start < againStart + 1.0, "\(hit), clip at \(againStart)")
    #expect(after == hit)
    let heard = try recognizer.recognizeAfterWakePhrase(samples: samples).transcript.text
    #expect(heard == "open the window", "heard '\(heard)'")
  }

  @Test func aWakePhraseOnlyCountsWhereItOpensATurn() async throws {
    let directory = try Support.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let recognizer = try Support.recognizer()
    let talk = try await Self.clip(
      "we should stop for lunch somewhere near the lake", voice: "en-gb", speed: 160, in: directory)
    let phrase = try await Self.clip("hey cabin", voice: "en-us", speed: 150, in: directory)
    // The talk runs straight into the phrase, or pauses for 0.3 s before it.
    let talkEnd = Endpointing(threshold: 9, lead: 0, trail: 0).speechRange(of: talk).upperBound
    let phraseStart = Endpointing(threshold: 9, lead: 0.05, trail: 0).speechRange(of: phrase).lowerBound
    let lead = try await Support.noise(seconds: 1, in: directory) + talk[..<talkEnd]
    let end = try await Support.noise(seconds: 2, in: directory)
    let glued = lead + phrase[phraseStart...] + end
    let paused = lead + (try await Support.noise(seconds: 0.3, in: directory)) + phrase[phraseStart...] + end
    let phrases = { (events: [StreamSegmenter.Event]) in
      events.filter { if case .wakePhrase = $0 { true } else { false } }.count
    }

    // Spotting finds the phrase in both, so only the rule can turn the first away.
    var anywhere = StreamSegmenter.Settings.standard
    anywhere.openingWindow = -100...100
    for stream in [glued, paused] {
      let events = try Self.events(
        of: stream, chunkSizes: [1_600], recognizer: recognizer, settings: anywhere)
      try #require(phrases(events) == 1, "events: \(Self.describe(events))")
    }
    let gluedEvents = try Self.events(of: glued, chunkSizes: [1_600], recognizer: recognizer)
    #expect(phrases(gluedEvents) == 0, "events: \(Self.describe(gluedEvents))")
    let pausedEvents = try Self.events(of: paused, chunkSizes: [1_600], recognizer: recognizer)
    #expect(phrases(pausedEvents) == 1, "events: \(Self.describe(pausedEvents))")
  }
}
