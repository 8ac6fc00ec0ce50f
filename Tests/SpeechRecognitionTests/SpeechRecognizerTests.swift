import Foundation
import IntentUnderstanding
import SpeechRecognition
import Testing

/// Recognition of synthetic speech (espeak-ng, sox) through the generated command grammar.
@Suite(.serialized) struct SpeechRecognizerTests {
  private static let commands: [(text: String, intent: String)] = [
    ("pump up the music", "volume.up"),
    ("set the temperature to twenty one degrees", "climate.set_temperature"),
    ("open the sunroof", "sunroof.open"),
    ("skip this song", "media.next"),
    ("call mom", "phone.call"),
    ("turn on the seat heating", "seat.heat"),
  ]
  private static let voices = [("en-us+m3", 150), ("en-gb", 140), ("en-us+f2", 170)]

  @Test func commandsMapToTheirIntentsThroughTheGrammar() throws {
    let directory = try Support.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let recognizer = try Support.recognizer()
    let understander = try IntentUnderstander(
      grammar: Support.grammar(), configuration: .init(contacts: Support.contacts))
    var correct = 0
    var total = 0
    var misses: [String] = []
    for (index, command) in Self.commands.enumerated() {
      for (voiceIndex, (voice, speed)) in Self.voices.enumerated() {
        let noise = (index + voiceIndex) % 2 == 0 ? "quiet" : "car"
        let url = try Support.clip(command.text, voice: voice, speed: speed, noise: noise, in: directory)
        let transcript = try recognizer.recognize(wav: url)
        let intents = try understander.understand(transcript.text).intents.map(\.name)
        total += 1
        if intents == [command.intent] {
          correct += 1
        } else {
          misses.append("\(voice) \(noise): '\(command.text)' heard as '\(transcript.text)' -> \(intents)")
        }
        #expect(transcript.audioDuration > 0.5)
        #expect(transcript.realTimeFactor > 0)
      }
    }
    // Measured: 16 of 18 ("call mom" is misheard in two voices); the evaluation has the full figures.
    #expect(correct >= 15, "\(misses)")
  }

  /// Regression: `<number> = <number>;` in the generated grammar let the temperature be skipped,
  /// so "set the temperature to twenty one degrees" came back as "set the temperature to degree on the".
  @Test func numbersInsideSlotsAreDecoded() throws {
    let directory = try Support.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = try Support.clip(
      "set the temperature to nineteen degrees", voice: "en-us+m3", speed: 150, in: directory)
    let transcript = try Support.recognizer().recognize(wav: url, mode: .command)
    let words = transcript.text.split(separator: " ")
    let number = words.drop { $0 != "to" }.dropFirst().prefix { $0 != "degrees" }
    #expect(transcript.text.contains("temperature to "))
    #expect(words.last == "degrees")
    #expect(!number.isEmpty, "no number between 'to' and 'degrees': \(transcript.text)")
    #expect(transcript.search == .command)
  }

  @Test func freeTextUsesTheLanguageModel() throws {
    let directory = try Support.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = try Support.clip("the weather is nice today", voice: "en-us", speed: 140, in: directory)
    let transcript = try Support.recognizer().recognize(wav: url, mode: .freeText)
    #expect(transcript.search == .freeText)
    #expect(transcript.words.count >= 3)
    #expect(transcript.words.map(\.text).joined(separator: " ") == transcript.text)
  }

  /// Regression: decoding the stream chunk by chunk (running cepstral mean) heard "turn down the
  /// volume" as "do mute audio", and later streams on the same recogniser were worse still.
  @Test func streamsFromAFileDescriptor() throws {
    let directory = try Support.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let samples = try WAVFile.samples(
      contentsOf: Support.clip("bring the music down", voice: "en-us+m3", speed: 150, in: directory))
    let raw = directory.appendingPathComponent("stream.raw")
    try WAVFile.data(samples: samples).dropFirst(44).write(to: raw)
    let recognizer = try Support.recognizer()
    var transcript: Transcript?
    for _ in 0..<2 {
      let descriptor = open(raw.path, O_RDONLY)
      try #require(descriptor >= 0)
      defer { close(descriptor) }
      transcript = try recognizer.listen(fileDescriptor: descriptor)
    }
    let text = try #require(transcript).text
    #expect(text.hasSuffix("bring the music down"))
    #expect(abs((transcript?.audioDuration ?? 0) - Double(samples.count) / 16_000) < 0.001)
  }

  @Test func aStreamEndingInsideASampleIsRejected() throws {
    let directory = try Support.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let raw = directory.appendingPathComponent("odd.raw")
    try Data(repeating: 1, count: 3_201).write(to: raw)
    let descriptor = open(raw.path, O_RDONLY)
    try #require(descriptor >= 0)
    defer { close(descriptor) }
    let error = #expect(throws: AudioFormatError.self) {
      try Support.recognizer().listen(fileDescriptor: descriptor, mode: .command)
    }
    #expect(error?.problem == .oddByteCount(3_201))
  }

  @Test func aMissingModelIsATypedError() {
    let configuration = SpeechRecognizer.Configuration(
      acousticModel: URL(fileURLWithPath: "/nonexistent/model"))
    #expect(throws: SpeechEngineError.self) { try SpeechRecognizer(configuration: configuration) }
  }
}

/// The wake phrase "hey cabin" by keyphrase spotting.
@Suite(.serialized) struct WakeWordTests {
  @Test func findsTheWakePhraseAfterLeadInNoise() throws {
    let directory = try Support.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let spotter = try SpeechRecognizer(configuration: .init(languageModel: nil))
    let clips = [
      ("hey cabin", "en-us", 150, "quiet"), ("hey cabin", "en-us+m3", 130, "car"),
      ("hey cabin", "en-gb", 170, "quiet"), ("hey cabin, open the window", "en-us+f2", 160, "car"),
      ("hey cabin, how is the forecast", "en-us", 150, "quiet"), ("hey cabin, call mom", "en-gb", 140, "car"),
    ]
    var found = 0
    for (text, voice, speed, noise) in clips {
      let url = try Support.clip(text, voice: voice, speed: speed, noise: noise, in: directory)
      let hits = try spotter.spotWakeWord(samples: WAVFile.samples(contentsOf: url))
      #expect(hits.count <= 1, "\(voice) \(speed) \(noise): \(hits)")
      guard let hit = hits.first else { continue }
      found += 1
      // The clip starts with 0.5 s of noise; "hey cabin" takes well under 1.5 s.
      #expect(hit.phrase == "hey cabin")
      #expect(hit.start >= 0.3 && hit.start < 1.0, "\(hit)")
      #expect(hit.end > hit.start && hit.end < 2.0, "\(hit)")
    }
    // Measured with the default threshold: only 1 of these 6 (isolated "hey cabin" is mostly
    // missed; see the evaluation's per-threshold table). This floor guards hit timing, not recall.
    #expect(found >= 1)
  }

  @Test func staysQuietDuringOtherSpeech() throws {
    let directory = try Support.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let spotter = try SpeechRecognizer(configuration: .init(languageModel: nil))
    let text = "play some jazz. how far is the nearest charging station. call my sister. it is cold in here"
    for voice in ["en-us", "en-gb"] {
      let url = try Support.clip(text, voice: voice, speed: 150, noise: "car", in: directory)
      #expect(try spotter.spotWakeWord(samples: WAVFile.samples(contentsOf: url)).isEmpty)
    }
  }
}
