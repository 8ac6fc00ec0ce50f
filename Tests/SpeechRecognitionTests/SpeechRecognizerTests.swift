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

  @Test func commandsMapToTheirIntentsThroughTheGrammar() async throws {
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
        let url = try await Support.clip(
          command.text, voice: voice, speed: speed, noise: noise, in: directory)
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
    // Measured: 18 of 18 with the minimized grammar graph; the evaluation has the full figures.
    #expect(correct >= 15, "\(misses)")
  }

  /// A floor under the evaluation's figures: commands and the wake phrase in road noise at 10 and
  /// 15 dB SNR (the evaluation's `car:SNR:SEED` noise), several voices, through the default settings.
  @Test func accuracyFloorInRoadNoise() async throws {
    let directory = try Support.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let recognizer = try Support.recognizer()
    let understander = try IntentUnderstander(
      grammar: Support.grammar(), configuration: .init(contacts: Support.contacts))
    let commands = [
      ("close the sunroof", "sunroof.close", "en-us"), ("i am freezing", "climate.feel", "en-gb"),
      ("call anna", "phone.call", "en-us+f3"), ("turn the fan off", "climate.fan", "en-us+m7"),
      ("make it quieter", "volume.down", "en-us"), ("next song", "media.next", "en-us+f3"),
    ]
    var misses: [String] = []
    for (index, (text, intent, voice)) in commands.enumerated() {
      let noise = "car:\(index % 2 == 0 ? 10 : 15):\(index + 1)"
      let url = try await Support.clip(text, voice: voice, speed: 150, noise: noise, in: directory)
      let heard = try recognizer.recognize(wav: url).text
      if try understander.understand(heard).intents.map(\.name) != [intent] {
        misses.append("\(voice) \(noise): '\(text)' heard '\(heard)'")
      }
    }
    let spotter = try SpeechRecognizer(configuration: .init(languageModel: nil))
    var found = 0
    for (index, voice) in ["en-us", "en-us+f3", "en-us+m7", "en-gb"].enumerated() {
      let url = try await Support.clip(
        "hey cabin, close the sunroof", voice: voice, speed: 150, noise: "car:15:\(index + 7)", in: directory)
      found += try spotter.spotWakeWord(samples: WAVFile.samples(contentsOf: url)).isEmpty ? 0 : 1
    }
    // Measured (the clips are repeatable): 4 of 6 commands, and 4 of 4 wake phrases since spotting
    // became a loose first stage with a second check (3 of 4 before). Commands in road noise stay
    // far below the 95% target; this floor catches a further fall.
    #expect(misses.count <= 3, "\(misses)")
    #expect(found == 4, "found \(found) of 4")
  }

  /// The grammar has no path for other speech, so every sentence below comes out as some command
  /// unless `CommandRejection` rejects it; in `.automatic` mode a rejected one is decoded again as
  /// free text.
  @Test func speechOutsideTheGrammarIsRejected() async throws {
    let directory = try Support.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let sentences = [
      "we stayed in a cabin by the lake", "my sister is visiting us next weekend",
      "the meeting was moved to thursday afternoon", "did you remember to buy milk",
      "that restaurant has the best pizza in town", "i think we should leave a bit earlier tomorrow",
    ]
    let recognizer = try Support.recognizer()
    var unchecked = try Support.recognizerConfiguration()
    unchecked.commandRejection = nil
    let forced = try SpeechRecognizer(configuration: unchecked)
    var rejected = 0
    var passed: [String] = []
    var withoutPath: [String] = []
    for (index, sentence) in sentences.enumerated() {
      for (voiceIndex, (voice, speed)) in Self.voices.enumerated() {
        let noise = (index + voiceIndex) % 2 == 0 ? "quiet" : "car:12:\(index * 3 + voiceIndex)"
        let url = try await Support.clip(sentence, voice: voice, speed: speed, noise: noise, in: directory)
        guard try !forced.recognize(wav: url, mode: .command).text.isEmpty else {
          withoutPath.append("\(voice) \(noise): '\(sentence)'")
          continue
        }
        let heard = try recognizer.recognize(wav: url, mode: .command)
        if heard.text.isEmpty {
          rejected += 1
          #expect(try recognizer.recognize(wav: url).search == .freeText)
        } else {
          passed.append("\(voice) \(noise): '\(sentence)' heard '\(heard.text)'")
        }
      }
    }
    // Measured (the clips are repeatable): 11 of the 18 rejected, 4 of the 7 that pass in the quiet
    // clips, and every clip has a path through the grammar; with noise removal and the floors chosen
    // for it, 10 of 17 (one clip had no path), and before utterances were trimmed to their speech
    // (`Endpointing`) 12 of 18.
    #expect(rejected >= 10, "\(rejected) rejected; passed as commands: \(passed); no path: \(withoutPath)")
    #expect(withoutPath.count <= 1, "\(withoutPath)")
  }

  /// A command's confidence says how well its path fits the audio, where the grammar's lattice
  /// posterior was 1 for nearly any path: commands said clearly score above the paths forced onto
  /// sentences of other speech (`commandRejection` nil, so every sentence keeps its path).
  @Test func aClearCommandIsMoreConfidentThanAForcedPath() async throws {
    let directory = try Support.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    var unchecked = try Support.recognizerConfiguration()
    unchecked.commandRejection = nil
    let recognizer = try SpeechRecognizer(configuration: unchecked)
    let understander = try IntentUnderstander(
      grammar: Support.grammar(), configuration: .init(contacts: Support.contacts))
    var commands: [Double] = []
    for command in Self.commands.prefix(4) {
      let url = try await Support.clip(command.text, voice: "en-us", speed: 150, in: directory)
      let transcript = try recognizer.recognize(wav: url, mode: .command)
      #expect(try understander.understand(transcript.text).intents.map(\.name) == [command.intent])
      commands.append(transcript.confidence)
    }
    let sentences = [
      "we stayed in a cabin by the lake", "my sister is visiting us next weekend",
      "did you remember to buy milk", "that restaurant has the best pizza in town",
    ]
    var forced: [Double] = []
    for sentence in sentences {
      let url = try await Support.clip(sentence, voice: "en-us", speed: 150, in: directory)
      let transcript = try recognizer.recognize(wav: url, mode: .command)
      #expect(!transcript.text.isEmpty)
      forced.append(transcript.confidence)
    }
    // Measured (the clips are repeatable): the commands 0.96 to 0.99, the forced paths 0.29, 0.61,
    // 0.04 and 0.81 (with noise removal: 0.94 to 0.98 against 0.18, 0.68, 0.11 and 0.80).
    let lowestCommand = commands.min() ?? 0
    #expect(lowestCommand >= 0.9, "commands \(commands)")
    #expect(forced.allSatisfy { $0 < lowestCommand }, "commands \(commands), forced paths \(forced)")
    #expect(forced.filter { $0 < 0.5 }.count >= 2, "forced paths \(forced)")
  }

  /// Regression: a rule defined as only itself (`<number> = <number>;`) in the speech grammar let the
  /// temperature be skipped, so "set the temperature to twenty one degrees" came back as "set the
  /// temperature to degree on the". The generator's own test checks no rule refers to itself; this
  /// decodes a number through the grammar exactly as generated.
  @Test func numbersInsideSlotsAreDecoded() async throws {
    let directory = try Support.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = try await Support.clip(
      "set the temperature to nineteen degrees", voice: "en-us+m3", speed: 150, in: directory)
    let transcript = try Support.recognizer().recognize(wav: url, mode: .command)
    let words = transcript.text.split(separator: " ")
    let number = words.drop { $0 != "to" }.dropFirst().prefix { $0 != "degrees" }
    #expect(transcript.text.contains("temperature to "))
    #expect(words.last == "degrees")
    #expect(!number.isEmpty, "no number between 'to' and 'degrees': \(transcript.text)")
    #expect(transcript.search == .command)
  }

  /// `commandCheck` turns a command path away like the rejection does: a temperature no car is set
  /// to, said plainly, is heard by the language model in `.automatic` mode and gives nothing in
  /// `.command` mode, while the same recogniser keeps a plausible one as a command.
  @Test func commandCheckSendsImplausibleSlotsToTheLanguageModel() async throws {
    let directory = try Support.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let understander = try IntentUnderstander(
      grammar: Support.grammar(), configuration: .init(contacts: Support.contacts))
    let recognizer = try Support.recognizer()
    let implausible = try await Support.clip(
      "set the temperature to four hundred degrees", voice: "en-us", speed: 150, in: directory)
    let unchecked = try recognizer.recognize(wav: implausible, mode: .command)
    #expect(unchecked.text.contains("four hundred"), "\(unchecked.text)")
    #expect(!understander.hasPlausibleSlots(unchecked.text))

    recognizer.commandCheck = { understander.hasPlausibleSlots($0) }
    #expect(try recognizer.recognize(wav: implausible, mode: .command).text == "")
    #expect(try recognizer.recognize(wav: implausible).search == .freeText)
    let plausible = try await Support.clip(
      "set the temperature to twenty degrees", voice: "en-us", speed: 150, in: directory)
    let heard = try recognizer.recognize(wav: plausible)
    #expect(heard.search == .command)
    #expect(
      try understander.understand(heard.text).intents.first?.slots["temperature"]
        == .temperature(value: 20, unit: .celsius), "\(heard.text)")
  }

  /// Only the speech and a little around it is decoded (`Endpointing`), but word times count from the
  /// start of the audio: two more seconds of the clip's own lead-in noise move every word by two
  /// seconds and change nothing else.
  @Test func wordTimesCountFromTheStartOfTheAudio() async throws {
    let directory = try Support.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = try await Support.clip("open the sunroof", voice: "en-us+m3", noise: "car:15:3", in: directory)
    let samples = try WAVFile.samples(contentsOf: url)
    let leadIn = Array(samples.prefix(8_000))
    let padded = leadIn + leadIn + leadIn + leadIn + samples
    let recognizer = try Support.recognizer()
    let plain = try recognizer.recognize(samples: samples)
    let later = try recognizer.recognize(samples: padded)
    #expect(plain.text == "open the sunroof")
    #expect(later.text == plain.text)
    #expect(later.audioDuration - plain.audioDuration == 2)
    #expect(later.words.count == plain.words.count)
    for (moved, word) in zip(later.words, plain.words) {
      #expect(abs(moved.start - word.start - 2) < 0.05, "\(word.text): \(word.start) -> \(moved.start)")
    }
  }

  /// Regression: the command was cut from the audio where spotting placed the end of the phrase,
  /// which left part of "cabin" or took part of the command and gave the front end no noise before
  /// the speech: these three clips were heard as "oh and so you", "open it up so you" and "open the
  /// sunroof". Now each is decoded from just before the phrase, which the grammar allows.
  @Test(arguments: ["en-us", "en-us+m3", "en-gb"])
  func theCommandAfterTheWakePhraseIsHeardWithoutIt(voice: String) async throws {
    let directory = try Support.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = try await Support.clip("hey cabin, open the sunroof", voice: voice, speed: 150, in: directory)
    let (wake, transcript) = try Support.recognizer().recognizeAfterWakePhrase(
      samples: WAVFile.samples(contentsOf: url))
    let hit = try #require(wake.first)
    #expect(transcript.text == "open the sunroof")
    #expect(transcript.search == .command)
    #expect(transcript.words.first.map { $0.start >= hit.start } == true, "\(transcript.words) \(hit)")
  }

  /// The dictionary is American: espeak-ng's British voice says the "a" of "fan", "back" and "that"
  /// nearer AA than AE. Measured: with `britishTrapVowel` all five quiet clips are heard exactly;
  /// with the dictionary alone none is ("stop the audio", "switch off the volume", "you got it").
  @Test func aBritishAIsHeardThroughItsVariant() async throws {
    let directory = try Support.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    var configuration = try Support.recognizerConfiguration()
    #expect(configuration.pronunciationVariants == SpeechRecognizer.Configuration.britishTrapVowel)
    let withVariant = try SpeechRecognizer(configuration: configuration)
    configuration.pronunciationVariants = [:]
    let dictionaryOnly = try SpeechRecognizer(configuration: configuration)
    var heard: [(text: String, withVariant: String, dictionaryOnly: String)] = []
    for text in ["stop the fan", "switch off the fan", "turn the fan up", "skip back", "cancel that"] {
      let url = try await Support.clip(text, voice: "en-gb", speed: 150, in: directory)
      heard.append(
        (
          text, try withVariant.recognize(wav: url, mode: .command).text,
          try dictionaryOnly.recognize(wav: url, mode: .command).text
        ))
    }
    let exactWithVariant = heard.filter { $0.withVariant == $0.text }.count
    #expect(exactWithVariant == heard.count, "\(heard)")
    #expect(heard.filter { $0.dictionaryOnly == $0.text }.count < exactWithVariant, "\(heard)")
  }

  /// A new contact list replaces only the command searches: a name the grammar did not have is heard
  /// after `setCommandGrammar(_:)`, alone and after the wake phrase, as a recogniser built with that
  /// grammar hears it; a grammar pocketsphinx refuses (a word missing from the dictionary) leaves the
  /// one before it in use.
  @Test func aNewCommandGrammarReplacesTheOldOneInPlace() async throws {
    let directory = try Support.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let recognizer = try Support.recognizer()
    let call = try WAVFile.samples(
      contentsOf: await Support.clip("call jonas weber", voice: "en-us", speed: 150, in: directory))
    let afterWake = try WAVFile.samples(
      contentsOf: await Support.clip("hey cabin, call jonas weber", voice: "en-us", speed: 150, in: directory)
    )
    #expect(try !recognizer.recognize(samples: call, mode: .command).text.contains("jonas"))

    var configuration = try Support.recognizerConfiguration()
    let vocabulary = try SpeechRecognizer.vocabulary(ofDictionary: configuration.dictionary)
    configuration.commandGrammar =
      JSGFGenerator.generate(
        try Support.grammar(), contacts: Support.contacts + [Contact(name: "Jonas Weber")],
        vocabulary: vocabulary
      ).text
    let withJonas = try #require(configuration.commandGrammar)
    try recognizer.setCommandGrammar(withJonas)
    #expect(recognizer.configuration.commandGrammar == withJonas)
    let heard = try recognizer.recognize(samples: call, mode: .command).text
    let (wake, transcript) = try recognizer.recognizeAfterWakePhrase(samples: afterWake, mode: .command)
    // espeak-ng's "call" is heard as "dial" (also a way to call) by both recognisers.
    #expect(heard.hasSuffix("jonas weber"), "\(heard)")
    #expect(wake.count == 1)
    #expect(transcript.text.hasSuffix("jonas weber"), "\(transcript.text)")
    let fresh = try SpeechRecognizer(configuration: configuration)
    #expect(try fresh.recognize(samples: call, mode: .command).text == heard)
    #expect(
      try fresh.recognizeAfterWakePhrase(samples: afterWake, mode: .command).transcript.text
        == transcript.text)

    let unknownWord = "#JSGF V1.0;\ngrammar broken;\npublic <command> = call zxqwv;\n"
    #expect(throws: SpeechEngineError.self) { try recognizer.setCommandGrammar(unknownWord) }
    #expect(recognizer.configuration.commandGrammar == withJonas)
    #expect(try recognizer.recognize(samples: call, mode: .command).text == heard)
  }

  /// After a spotted wake phrase, speech outside the command grammar goes to the language model
  /// with the phrase cut out where the grammar's path placed it (the language model does not know
  /// "hey cabin", and heard it as "the topic" or "security"); its words keep their times in the
  /// whole audio. Measured for en-gb: "did you remember the bottom be old".
  @Test(arguments: ["en-gb", "en-us+m3"])
  func theLanguageModelHearsWhatFollowsTheWakePhrase(voice: String) async throws {
    let directory = try Support.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = try await Support.clip(
      "hey cabin, did you remember to buy the milk", voice: voice, speed: 150, in: directory)
    let (wake, transcript) = try Support.recognizer().recognizeAfterWakePhrase(
      samples: WAVFile.samples(contentsOf: url))
    let hit = try #require(wake.first)
    #expect(transcript.search == .freeText)
    #expect(transcript.text.hasPrefix("did you remember"), "\(transcript.text)")
    #expect(transcript.words.allSatisfy { $0.start >= hit.end - 0.1 }, "\(transcript.words) \(hit)")
  }

  @Test func aGrammarWithoutAPublicRuleIsAnError() {
    #expect(throws: SpeechEngineError.self) {
      try SpeechRecognizer(
        configuration: .init(
          commandGrammar: "#JSGF V1.0;\ngrammar none;\n<a> = open;\n", wakeVerification: nil))
    }
  }

  @Test func freeTextUsesTheLanguageModel() async throws {
    let directory = try Support.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = try await Support.clip("the weather is nice today", voice: "en-us", speed: 140, in: directory)
    let transcript = try Support.recognizer().recognize(wav: url, mode: .freeText)
    #expect(transcript.search == .freeText)
    #expect(transcript.words.count >= 3)
    #expect(transcript.words.map(\.text).joined(separator: " ") == transcript.text)
  }

  /// Regression: pocketsphinx's n-gram search reads `-maxhmmpf` once, when it is created, and the
  /// language model is loaded on first use, so it took whatever limit the decode before had left:
  /// the command grammar's 3,000 in the service (a fallback), pocketsphinx's 30,000 when free text
  /// came first. The same audio then read differently depending on what was decoded before it.
  @Test func freeTextDoesNotDependOnTheSearchBeforeIt() async throws {
    let directory = try Support.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    // Heard "i think the results or even the delegates and on and longing" first, and "i think we
    // sold recently to a similar and longing" after a command decode.
    let url = try await Support.clip(
      "i think we should leave a bit earlier tomorrow morning", voice: "en-gb-x-rp+f4", noise: "car:8:5",
      in: directory)
    let first = try Support.recognizer().recognize(wav: url, mode: .freeText)
    let afterCommand = try Support.recognizer()
    _ = try afterCommand.recognize(wav: url, mode: .command)
    let second = try afterCommand.recognize(wav: url, mode: .freeText)
    #expect(second.text == first.text)
  }

  /// Regression: decoding the stream chunk by chunk (running cepstral mean) heard "turn down the
  /// volume" as "do mute audio", and later streams on the same recogniser were worse still.
  @Test func streamsFromAFileDescriptor() async throws {
    let directory = try Support.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let samples = try WAVFile.samples(
      contentsOf: await Support.clip("bring the music down", voice: "en-us+m3", speed: 150, in: directory))
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
  @Test func findsTheWakePhraseAfterALongQuietLeadIn() async throws {
    let directory = try Support.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let recognizer = try Support.recognizer()
    let clip = try WAVFile.samples(
      contentsOf: await Support.clip(
        "hey cabin, open the window", voice: "en-us+f2", speed: 160, noise: "quiet", in: directory))
    // 2.5 s before the clip's own 0.5 s: decoded whole, the keyphrase search found nothing here.
    let lead = try await Support.noise(seconds: 2.5, in: directory)
    let (hits, transcript) = try recognizer.recognizeAfterWakePhrase(samples: lead + clip)
    try #require(hits.count == 1, "\(hits)")
    #expect(hits[0].start > 2.8 && hits[0].start < 3.5, "\(hits[0])")
    #expect(transcript.text == "open the window", "heard '\(transcript.text)'")
  }

  @Test func findsTheWakePhraseAfterLeadInNoise() async throws {
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
      let url = try await Support.clip(text, voice: voice, speed: speed, noise: noise, in: directory)
      let hits = try spotter.spotWakeWord(samples: WAVFile.samples(contentsOf: url))
      #expect(hits.count <= 1, "\(voice) \(speed) \(noise): \(hits)")
      guard let hit = hits.first else { continue }
      found += 1
      // The clip starts with 0.5 s of noise; "hey cabin" takes well under 1.5 s.
      #expect(hit.phrase == "hey cabin")
      #expect(hit.start >= 0.3 && hit.start < 1.0, "\(hit)")
      #expect(hit.end > hit.start && hit.end < 2.0, "\(hit)")
    }
    // The previous defaults found only 1 of these 6; recall is measured by the evaluation and
    // `accuracyFloorInRoadNoise`. This floor guards hit timing.
    #expect(found >= 1)
  }

  /// Near misses that spotting alone takes for the wake phrase are mostly rejected by the second
  /// check, while the phrase itself, said by the same voices in the same noise, passes it.
  @Test func verificationRejectsNearMisses() async throws {
    let directory = try Support.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let verified = try SpeechRecognizer(configuration: .init(languageModel: nil))
    let spotted = try SpeechRecognizer(configuration: .init(languageModel: nil, wakeVerification: nil))
    let nearMisses = ["hey cabinet, where are the plates", "a cabin in the woods", "hey kevin, over here"]
    var spottedNearMisses = 0
    var reported: [String] = []
    var missed: [String] = []
    for (index, voice) in ["en-us", "en-gb", "en-us+f3", "en-us+m7"].enumerated() {
      let noise = "car:15:\(index + 20)"
      for text in nearMisses {
        let url = try await Support.clip(text, voice: voice, speed: 150, noise: noise, in: directory)
        let samples = try WAVFile.samples(contentsOf: url)
        spottedNearMisses += try spotted.spotWakeWord(samples: samples).count
        if try !verified.spotWakeWord(samples: samples).isEmpty { reported.append("\(voice): '\(text)'") }
      }
      let url = try await Support.clip(
        "hey cabin, open the window", voice: voice, noise: noise, in: directory)
      if try verified.spotWakeWord(samples: WAVFile.samples(contentsOf: url)).count != 1 {
        missed.append(voice)
      }
    }
    // Measured (the clips are repeatable): spotting alone hit the 12 near-miss clips 10 times, the
    // verified defaults reported 5 of them ("hey cabinet" in 3 voices, "a cabin in the woods" and
    // "hey kevin" in one each) and found the phrase in all 4 voices. "hey cabinet" is the weak spot:
    // the check weighs "cabinet" against "cabin" and a short word after it.
    #expect(spottedNearMisses >= 8)
    #expect(reported.count <= 5, "\(reported)")
    #expect(reported.count < spottedNearMisses)
    #expect(missed.isEmpty, "missed in \(missed)")
  }

  /// A wake phrase or a verification competitor the dictionary cannot say is refused by name.
  @Test func wordsMissingFromTheDictionaryAreNamed() throws {
    #expect(throws: SpeechEngineError(operation: "dictionary lookup", subject: "wake word 'cabinz'")) {
      _ = try SpeechRecognizer(configuration: .init(languageModel: nil, wakePhrase: "hey cabinz"))
    }
    var verification = WakeVerification.heyCabin
    verification.competitors.append("kevinz")
    #expect(throws: SpeechEngineError(operation: "dictionary lookup", subject: "wake competitor 'kevinz'")) {
      _ = try SpeechRecognizer(configuration: .init(languageModel: nil, wakeVerification: verification))
    }
  }

  @Test func staysQuietDuringOtherSpeech() async throws {
    let directory = try Support.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let spotter = try SpeechRecognizer(configuration: .init(languageModel: nil))
    let text = "play some jazz. how far is the nearest charging station. call my sister. it is cold in here"
    for voice in ["en-us", "en-gb"] {
      let url = try await Support.clip(text, voice: voice, speed: 150, noise: "car", in: directory)
      #expect(try spotter.spotWakeWord(samples: WAVFile.samples(contentsOf: url)).isEmpty)
    }
  }
}
