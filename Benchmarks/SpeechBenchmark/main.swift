// Evaluates the speech recogniser on synthetic speech (espeak-ng voices and speeds, sox road noise at
// set SNRs): command intents (in all and by voice) through the JSGF grammar against the general
// language model alone (baseline) and the previous defaults, sentences of other speech taken for
// commands (each listed with what it was heard as), wake-phrase detection and false alarms over
// other speech (the verified defaults, their first stage alone as a baseline, and the previous
// defaults), commands after the wake phrase as the service hears them, the same clips joined into
// one live stream as `StartListening` hears it (against whole clips, with phrases said in one
// breath after a remark), real-time factor (wall clock, and processor time, which a loaded machine
// does not inflate), memory, and how well the confidence of command-grammar transcripts separates
// those that give the command said from the others (misheard commands and sentences of other
// speech heard as commands).
//
// Two disjoint sets: `tuning` (what the defaults were chosen on) and `evaluation` (reported; never
// tuned on). They differ in sentences, voices, speeds, SNRs, noise seeds and the other speech.
import ArgumentParser
import CMalloc
import CabinTestKit
import Foundation
import IntentUnderstanding
import SpeechRecognition

struct SpeechSet {
  var name: String
  var voices: [String]
  var speeds: [Int]
  var signalToNoise: [Int]
  var noiseSeeds: Range<Int>
  /// Seeds the draw of each clip's SNR and noise seed.
  var drawSeed: UInt64
  /// The command sentences, in `Speech/`: a line each, the intent and the words, tab-separated.
  var commandFile: String
  var wakeCount: Int
  var otherSpeechFile: String
  var minimumOtherSeconds: Double
  var otherSentenceParagraphs: Int
}

let evaluationSet = SpeechSet(
  name: "evaluation", voices: ["en-us", "en-gb", "en-us+f3", "en-us+m7", "en-gb-x-rp+f4"],
  speeds: [130, 150, 165, 185], signalToNoise: [5, 10, 15, 20], noiseSeeds: 0..<500, drawSeed: 2026,
  commandFile: "commands-evaluation.tsv", wakeCount: 40, otherSpeechFile: "other-speech-evaluation.txt",
  minimumOtherSeconds: 630,
  otherSentenceParagraphs: 16)
let tuningSet = SpeechSet(
  name: "tuning", voices: ["en-us+m3", "en-us+f2", "en-gb+m1", "en-gb-scotland"], speeds: [140, 160, 175],
  signalToNoise: [7, 12, 18], noiseSeeds: 500..<1_000, drawSeed: 7, commandFile: "commands-tuning.tsv",
  wakeCount: 30,
  otherSpeechFile: "other-speech-tuning.txt", minimumOtherSeconds: 800, otherSentenceParagraphs: 16)

/// The command line; the rest of this file is the evaluation it asks for.
struct CabinEvalSpeech: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cabin-eval-speech",
    abstract:
      "Evaluate speech recognition on synthetic speech in road noise: commands, wake phrase, speed, memory.")

  /// The clip set to evaluate on.
  enum SetName: String, CaseIterable, ExpressibleByArgument {
    case evaluation
    case tuning
  }

  @Option(
    help: "The clip set: evaluation (reported; never tuned on) or tuning (the defaults were chosen on it).")
  var set = SetName.evaluation

  @Flag(help: "Score only the wake phrase, on the same clips as a full run.")
  var wakeOnly = false

  @Flag(help: "Score only the commands and sentences of other speech, on the same clips as a full run.")
  var commandsOnly = false

  @Flag(help: "Leave out the previous defaults and the baselines, for quick runs while tuning.")
  var defaultsOnly = false

  @Option(
    help: ArgumentHelp(
      "Mix every clip's road noise at this signal-to-noise ratio instead of the set's own, to see how recognition holds up in more or less noise (the clips differ from the set's).",
      valueName: "dB"))
  var signalToNoise: Int?

  @Option(
    help: ArgumentHelp(
      "Speak the set's sentences in these espeak-ng voices instead of its own (comma-separated), to see how recognition holds up for other speakers (the clips differ from the set's).",
      valueName: "voices"))
  var voices: String?

  @Option(
    help: ArgumentHelp(
      "Keep the clips, manifest.tsv and command.jsgf here; a clip already kept by an earlier run (same line in manifest.tsv) is read back instead of synthesised again.",
      valueName: "dir"))
  var keepAudio: String?

  @Argument(help: "The package root (default: the checkout this was built from).")
  var packageRoot: String?

  func validate() throws {
    if wakeOnly && commandsOnly {
      throw ValidationError("--wake-only and --commands-only exclude each other: give at most one")
    }
    if let signalToNoise, !(-20...60).contains(signalToNoise) {
      throw ValidationError("--signal-to-noise must be between -20 and 60 dB (got \(signalToNoise))")
    }
    if let voices, voices.split(separator: ",").isEmpty {
      throw ValidationError("--voices needs at least one espeak-ng voice name")
    }
  }
}

let options = CabinEvalSpeech.parseOrExit()
let wakeOnly = options.wakeOnly
let commandsOnly = options.commandsOnly
let defaultsOnly = options.defaultsOnly
let keepAudio = options.keepAudio.map { URL(fileURLWithPath: $0) }
var set =
  switch options.set {
  case .evaluation: evaluationSet
  case .tuning: tuningSet
  }
if let signalToNoise = options.signalToNoise { set.signalToNoise = [signalToNoise] }
if let voices = options.voices { set.voices = voices.split(separator: ",").map(String.init) }
let root =
  options.packageRoot.map { URL(fileURLWithPath: $0) }
  ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent()
let contacts = [
  Contact(name: "Anna Berg", aliases: ["anna"]), Contact(name: "Mom", aliases: ["mum"]),
  Contact(name: "Jonas Weber"),
]

let work =
  keepAudio ?? FileManager.default.temporaryDirectory.appendingPathComponent("cabin-eval-speech-\(getpid())")
try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
defer { if keepAudio == nil { try? FileManager.default.removeItem(at: work) } }
var manifest: [String] = []
let keptManifest =
  keepAudio.flatMap {
    try? String(contentsOf: $0.appendingPathComponent("manifest.tsv"), encoding: .utf8)
  }?
  .split(separator: "\n").map(String.init) ?? []

var noiseGenerator = SeededGenerator(seed: set.drawSeed &* 31)

/// The clip of `text` in road noise; with `skipped`, nothing is made, but the clip still takes its
/// place and its noise, so the clips after it are those of a full run.
@MainActor func synthesize(_ text: String, voice: String, speed: Int, skipped: Bool = false) async throws
  -> [Int16]
{
  let snr = set.signalToNoise.randomElement(using: &noiseGenerator) ?? 10
  let seed = Int.random(in: set.noiseSeeds, using: &noiseGenerator)
  let noise = "car:\(snr):\(seed)"
  let out = work.appendingPathComponent(String(format: "%04d.wav", manifest.count))
  let line = "\(out.lastPathComponent)\t\(voice)\t\(speed)\t\(noise)\t\(text)"
  let kept = keptManifest.indices.contains(manifest.count) && keptManifest[manifest.count] == line
  manifest.append(line)
  if skipped { return [] }
  if kept, let samples = try? WAVFile.samples(contentsOf: out) { return samples }
  let result = try await ExternalTool.run(
    root.appendingPathComponent("scripts/make-speech-fixtures.sh").path,
    [out.path, voice, String(speed), noise, text])
  guard result.status == 0 else {
    FileHandle.standardError.write(
      Data("cabin-eval-speech: synthesis failed for '\(text)': \(result.error)\n".utf8))
    exit(1)
  }
  defer { if keepAudio == nil { try? FileManager.default.removeItem(at: out) } }
  return try WAVFile.samples(contentsOf: out)
}

func wordErrors(_ hypothesis: String, _ reference: String) -> Int {
  let hyp = hypothesis.split(separator: " ")
  let ref = reference.split(separator: " ")
  var previous = Array(0...hyp.count)
  for (i, word) in ref.enumerated() {
    var current = [i + 1] + Array(repeating: 0, count: hyp.count)
    for j in 0..<hyp.count {
      current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (hyp[j] == word ? 0 : 1))
    }
    previous = current
  }
  return previous[hyp.count]
}

func seconds(_ duration: Duration) -> Double {
  Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

/// The C heap this process has allocated and not freed, in MB (malloc's arenas and its mmap'd
/// blocks): unlike resident memory it falls when memory is freed, so a recogniser's share does not
/// depend on what ran before it. Model files pocketsphinx maps are not in it.
func heapMegabytes() -> Double {
  let info = mallinfo2()
  return Double(info.uordblks + info.hblkhd) / 1_048_576
}

/// Processor time this thread has used, in seconds: unlike the wall clock, it does not grow while
/// other processes on a loaded machine hold the processor.
func threadProcessorSeconds() -> Double {
  var time = timespec()
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
  return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

func loadAverage() -> String {
  ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").prefix(3)
    .joined(separator: " ")
}

let grammarFiles = try FileManager.default.contentsOfDirectory(
  at: root.appendingPathComponent("Config/intents"), includingPropertiesForKeys: nil
)
.filter { $0.pathExtension == "grammar" }.sorted { $0.path < $1.path }
let grammar = try Grammar(contentsOf: grammarFiles)
let understander = try IntentUnderstander(grammar: grammar, configuration: .init(contacts: contacts))
let defaults = SpeechRecognizer.Configuration()
let vocabulary = try SpeechRecognizer.vocabulary(ofDictionary: defaults.dictionary)
let speechGrammar = JSGFGenerator.generate(grammar, contacts: contacts, vocabulary: vocabulary)
if keepAudio != nil {
  try speechGrammar.text.write(
    to: work.appendingPathComponent("command.jsgf"), atomically: true, encoding: .utf8)
}

/// A set's command sentences, read from its file in `Speech/`.
func commandSentences(_ set: SpeechSet) throws -> [IntentExample] {
  let file = root.appendingPathComponent("Benchmarks/SpeechBenchmark/Speech/\(set.commandFile)")
  return try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
    .filter { !$0.hasPrefix("#") }
    .map { line in
      let fields = line.split(separator: "\t")
      guard fields.count == 2 else {
        FileHandle.standardError.write(
          Data(
            "cabin-eval-speech: \(file.path): '\(line)' is not an intent and a sentence split by a tab\n".utf8
          ))
        exit(1)
      }
      return IntentExample(intent: String(fields[0]), text: String(fields[1]))
    }
}
let commands = try commandSentences(set)
// A sentence the templates no longer give its intent for is still scored (and will count as a miss):
// the set stays fixed, and the figure says what the grammar change cost.
let commandsOutsideTheGrammar = try commands.filter {
  try understander.understand($0.text).intents.map(\.name) != [$0.intent]
    || !$0.text.split(separator: " ").allSatisfy { speechGrammar.words.contains(String($0)) }
}

print(
  "set: \(set.name.uppercased())\(set.name == "evaluation" ? " (reported; defaults were tuned on the separate tuning set)" : " (the defaults were chosen on this set)")"
)
print(
  "  voices \(set.voices.joined(separator: ", "))\(options.voices == nil ? "" : " (--voices)"); speeds \(set.speeds.map(String.init).joined(separator: ", ")) wpm"
)
print(
  "  road noise at SNR \(set.signalToNoise.map(String.init).joined(separator: ", ")) dB\(options.signalToNoise == nil ? "" : " (--signal-to-noise)"), noise seeds \(set.noiseSeeds)"
)
print("  commands: \(commands.count) sentences over \(Set(commands.map(\.intent)).count) intents")
for example in commandsOutsideTheGrammar {
  print(
    "  not in the command grammar or not understood as \(example.intent) from its text: '\(example.text)'")
}
print("  load average at start: \(loadAverage())")

var voiceIndex = 0
@MainActor func nextVoice() -> (String, Int) {
  defer { voiceIndex += 1 }
  return (
    set.voices[voiceIndex % set.voices.count], set.speeds[(voiceIndex / set.voices.count) % set.speeds.count]
  )
}
var commandClips: [[Int16]] = []
var commandVoices: [String] = []
for example in commands {
  let (voice, speed) = nextVoice()
  commandVoices.append(voice)
  commandClips.append(try await synthesize(example.text, voice: voice, speed: speed, skipped: wakeOnly))
}
var wakeClips: [[Int16]] = []
for index in 0..<set.wakeCount {
  let (voice, speed) = nextVoice()
  // Every third clip is the phrase alone: a count prime to the number of voices, so each voice says both.
  let text = index % 3 == 0 ? "hey cabin" : "hey cabin, " + commands[index % commands.count].text
  wakeClips.append(try await synthesize(text, voice: voice, speed: speed))
}
let paragraphs = try String(
  contentsOf: root.appendingPathComponent("Benchmarks/SpeechBenchmark/Speech/\(set.otherSpeechFile)"),
  encoding: .utf8
)
.components(separatedBy: "\n\n").map {
  $0.split(separator: "\n").filter { !$0.hasPrefix("#") }.joined(separator: " ")
}
.filter { !$0.isEmpty }
var otherSpeech: [[Int16]] = []
var otherSeconds = 0.0
while otherSeconds < set.minimumOtherSeconds {
  let (voice, speed) = nextVoice()
  let samples = try await synthesize(
    paragraphs[otherSpeech.count % paragraphs.count], voice: voice, speed: speed)
  otherSpeech.append(samples)
  otherSeconds += Double(samples.count) / Double(WAVFile.sampleRate)
}
// Single sentences of the other speech, each a clip: what a driver says that is not a command.
let otherSentences = paragraphs.prefix(set.otherSentenceParagraphs).flatMap { paragraph in
  paragraph.split(whereSeparator: { ".?!".contains($0) }).map { $0.trimmingCharacters(in: .whitespaces) }
    .filter { $0.split(separator: " ").count >= 3 }
}
var sentenceClips: [[Int16]] = []
for sentence in otherSentences {
  let (voice, speed) = nextVoice()
  sentenceClips.append(try await synthesize(sentence, voice: voice, speed: speed, skipped: wakeOnly))
}
// The phrase inside talk, after a comma in the same breath: what a turn-opening rule can miss. Made
// last, so that the clips above keep their voices and noise.
let remarks = [
  "we are nearly there", "that was a long day", "i think it will rain later", "let me see",
  "okay then", "the kids are asleep at last", "right, where was i", "that reminds me",
  "so anyway", "i almost forgot",
]
var talkClips: [[Int16]] = []
for index in 0..<set.wakeCount / 3 {
  let (voice, speed) = nextVoice()
  let text = "\(remarks[index % remarks.count]), hey cabin, \(commands[(index * 7) % commands.count].text)"
  talkClips.append(try await synthesize(text, voice: voice, speed: speed, skipped: commandsOnly))
}
if let keepAudio {
  try (manifest.joined(separator: "\n") + "\n").write(
    to: keepAudio.appendingPathComponent("manifest.tsv"), atomically: true, encoding: .utf8)
}

// MARK: Commands

struct CommandScore {
  var correct = 0
  var errors = 0
  var words = 0
  var audio = 0.0
  var processing = 0.0
  var processor = 0.0
  var fallbacks = 0
  /// Each command the language model heard after the grammar's path was turned away: what was
  /// said and heard, its confidence, and whether it gave the command.
  var fallbackCommands: [String] = []
  var misses: [String] = []
  /// The commands heard right, by voice.
  var correctByVoice: [String: Int] = [:]
  var memory = 0.0
  var startup = 0.0
  var otherTakenAsCommands = 0
  /// Each sentence of other speech heard as a command: what was said, heard and understood.
  var otherHeardAsCommands: [String] = []
  /// The confidence of each command-grammar transcript, with whether it gave the command said: a
  /// sentence of other speech never does.
  var commandConfidences: [(confidence: Double, right: Bool)] = []
}
@MainActor func scoreCommands(
  _ configuration: SpeechRecognizer.Configuration, mode: RecognitionMode, checksSlots: Bool = true
) throws -> CommandScore {
  let clock = ContinuousClock()
  let memoryBefore = heapMegabytes()
  let started = clock.now
  let recognizer = try SpeechRecognizer(configuration: configuration)
  if checksSlots { recognizer.commandCheck = { understander.hasPlausibleSlots($0) } }
  var score = CommandScore(startup: seconds(clock.now - started))
  for ((example, samples), voice) in zip(zip(commands, commandClips), commandVoices) {
    let processorBefore = threadProcessorSeconds()
    let transcript = try recognizer.recognize(samples: samples, mode: mode)
    score.processor += threadProcessorSeconds() - processorBefore
    let right = try understander.understand(transcript.text).intents.map(\.name) == [example.intent]
    score.correct += right ? 1 : 0
    score.correctByVoice[voice, default: 0] += right ? 1 : 0
    score.errors += wordErrors(transcript.text, example.text)
    score.words += example.text.split(separator: " ").count
    score.audio += transcript.audioDuration
    score.processing += transcript.processingTime
    if mode == .automatic, transcript.search == .freeText {
      score.fallbacks += 1
      score.fallbackCommands.append(
        "\(right ? "right" : "wrong"): '\(example.text)' heard '\(transcript.text)' (confidence "
          + String(format: "%.2f", transcript.confidence) + ", \(voice))")
    }
    if !right {
      score.misses.append("\(example.intent): '\(example.text)' heard '\(transcript.text)' (\(voice))")
    }
    if transcript.search == .command, !transcript.text.isEmpty {
      score.commandConfidences.append((transcript.confidence, right))
    }
  }
  for (sentence, samples) in zip(otherSentences, sentenceClips) {
    let transcript = try recognizer.recognize(samples: samples, mode: mode)
    if transcript.search == .command, !transcript.text.isEmpty {
      score.commandConfidences.append((transcript.confidence, false))
    }
    let intents = try understander.understand(transcript.text).intents.map(\.name).filter { $0 != "none" }
    if !intents.isEmpty {
      score.otherTakenAsCommands += 1
      score.otherHeardAsCommands.append(
        "'\(sentence)' heard '\(transcript.text)' (\(transcript.search), confidence "
          + String(format: "%.2f", transcript.confidence) + "): \(intents.joined(separator: ", "))")
    }
  }
  score.memory = heapMegabytes() - memoryBefore
  return score
}

// Each recogniser's memory is the heap it holds once it has decoded every clip (it is still alive).
// The defaults, the previous defaults and the language model alone (baseline), or none with --wake-only.
var commandScores: [CommandScore] = []
if !wakeOnly {
  commandScores = [try scoreCommands(.init(commandGrammar: speechGrammar.text), mode: .automatic)]
  if !defaultsOnly {
    commandScores += [
      // The previous defaults: the same recogniser without the check of the command's slots
      // (`SlotPlausibility`), run back to back with the defaults.
      try scoreCommands(.init(commandGrammar: speechGrammar.text), mode: .automatic, checksSlots: false),
      try scoreCommands(.init(), mode: .freeText),
    ]
  }
}

/// What replacing the command grammar in place costs (as a new contact list does), against
/// building a recogniser with it: seconds for each, and the memory the replacements leave behind.
struct GrammarReplacement {
  var startup = 0.0
  var replacement = 0.0
  var memoryAfterFirst = 0.0
  var memoryAfterLast = 0.0
  static let count = 3
}
@MainActor func measureGrammarReplacement() throws -> GrammarReplacement {
  let clock = ContinuousClock()
  var result = GrammarReplacement()
  var started = clock.now
  let recognizer = try SpeechRecognizer(configuration: .init(commandGrammar: speechGrammar.text))
  result.startup = seconds(clock.now - started)
  for round in 1...GrammarReplacement.count {
    started = clock.now
    try recognizer.setCommandGrammar(speechGrammar.text)
    result.replacement += seconds(clock.now - started) / Double(GrammarReplacement.count)
    if round == 1 { result.memoryAfterFirst = heapMegabytes() }
  }
  result.memoryAfterLast = heapMegabytes()
  return result
}
let grammarReplacement = wakeOnly ? nil : try measureGrammarReplacement()

// MARK: Wake phrase

struct WakeScore {
  var label: String
  var found = 0
  var falseAlarms = 0
  var audio = 0.0
  var processing = 0.0
  var processor = 0.0
}
@MainActor func scoreWake(_ label: String, _ configuration: SpeechRecognizer.Configuration) throws
  -> WakeScore
{
  let clock = ContinuousClock()
  let spotter = try SpeechRecognizer(configuration: configuration)
  var score = WakeScore(label: label)
  for (index, clip) in (wakeClips + otherSpeech).enumerated() {
    let started = clock.now
    let processorBefore = threadProcessorSeconds()
    let hits = try spotter.spotWakeWord(samples: clip)
    score.processor += threadProcessorSeconds() - processorBefore
    score.processing += seconds(clock.now - started)
    score.audio += Double(clip.count) / Double(WAVFile.sampleRate)
    if index < wakeClips.count {
      score.found += hits.isEmpty ? 0 : 1
    } else {
      score.falseAlarms += hits.count
    }
  }
  return score
}
// The defaults verify each hit; the same spotting unverified is the baseline, and the previous
// defaults (spotting alone, with higher thresholds) what this round started from.
var wakeScores: [WakeScore] = []
if !commandsOnly {
  wakeScores = [try scoreWake("defaults (verified)", .init(languageModel: nil))]
}
if !commandsOnly, !defaultsOnly {
  wakeScores += [
    try scoreWake("first stage alone", .init(languageModel: nil, wakeVerification: nil)),
    try scoreWake(
      "previous defaults",
      .init(
        languageModel: nil,
        wakePronunciations: [
          WakePronunciation(["HH EY", "K AE B IH N"], threshold: 1e-40),
          WakePronunciation(["HH EY", "K AA B IH N"], threshold: 1e-40),
          WakePronunciation(["EY", "K AE B IH N"], threshold: 1e-28),
          WakePronunciation(["EY", "K AA B IH N"], threshold: 1e-28),
        ], wakeVerification: nil)),
  ]
}

// Wake phrase then command, as the voice service hears them: the wake clips that go on with a
// command, through the default recogniser with its command grammar. The baseline cuts the command
// from the audio where spotting ends the phrase, as the service did before.
var wakeCommands = (right: 0, cutRight: 0, total: 0)
var wakeCommandMisses: [String] = []
if !commandsOnly {
  let recognizer = try SpeechRecognizer(configuration: .init(commandGrammar: speechGrammar.text))
  recognizer.commandCheck = { understander.hasPlausibleSlots($0) }
  for (index, clip) in wakeClips.enumerated() where index % 3 != 0 {
    let expected = [commands[index % commands.count].intent]
    let (wake, transcript) = try recognizer.recognizeAfterWakePhrase(samples: clip)
    let cut = wake.first.map { Int($0.end * Double(WAVFile.sampleRate)) } ?? 0
    let cutTranscript = try recognizer.recognize(samples: Array(clip[min(cut, clip.count)...]))
    wakeCommands.total += 1
    if try understander.understand(transcript.text).intents.map(\.name) == expected {
      wakeCommands.right += 1
    } else {
      let phrase = wake.first.map { String(format: "phrase at %.2f-%.2f s", $0.start, $0.end) } ?? "no phrase"
      wakeCommandMisses.append(
        "\(expected[0]): 'hey cabin, \(commands[index % commands.count].text)' heard '\(transcript.text)' (\(phrase))"
      )
    }
    wakeCommands.cutRight +=
      try understander.understand(cutTranscript.text).intents.map(\.name) == expected ? 1 : 0
  }
}

// MARK: Live listening

/// `seconds` of the road noise `clip` starts with (its first 0.45 s, before espeak-ng speaks), played
/// forwards and backwards in turn so that no join clicks.
func noise(continuing clip: [Int16], seconds: Double) -> [Int16] {
  let lead = Array(clip.prefix(Int(0.45 * Double(WAVFile.sampleRate))))
  let count = Int(seconds * Double(WAVFile.sampleRate))
  var samples: [Int16] = []
  while !lead.isEmpty, samples.count < count {
    samples += samples.count / lead.count % 2 == 0 ? lead : lead.reversed()
  }
  return Array(samples.prefix(count))
}

/// The live path over one stream: every wake clip, then the other speech, then the phrases inside
/// talk, each after 2 s of its own noise (so that the noise a clip's utterance starts in is its own,
/// as a microphone's is), fed to `StreamSegmenter` in 0.1 s chunks as `StartListening` feeds it,
/// with each command recognised as it ends.
struct LiveScore {
  var found = 0
  var falseAlarms = 0
  var foundInTalk = 0
  /// The phrases inside talk that spotting whole clips finds.
  var foundInTalkClips = 0
  var commandsRight = 0
  var commandsTotal = 0
  var audio = 0.0
  var processor = 0.0
  var misses: [String] = []
}
@MainActor func scoreLive() throws -> LiveScore {
  let recognizer = try SpeechRecognizer(configuration: .init(commandGrammar: speechGrammar.text))
  recognizer.commandCheck = { understander.hasPlausibleSlots($0) }
  var stream: [Int16] = []
  var clipRanges: [Range<Int>] = []
  for clip in wakeClips + otherSpeech + talkClips {
    stream += noise(continuing: clip, seconds: 2)
    clipRanges.append(stream.count..<stream.count + clip.count)
    stream += clip
  }
  stream += noise(continuing: wakeClips.first ?? [], seconds: 2)
  var score = LiveScore(audio: Double(stream.count) / Double(WAVFile.sampleRate))
  score.foundInTalkClips = try talkClips.filter { !(try recognizer.spotWakeWord(samples: $0).isEmpty) }.count
  let talkStart = wakeClips.count + otherSpeech.count
  var foundClips = Set<Int>()
  var segmenter = StreamSegmenter()
  let processorBefore = threadProcessorSeconds()
  func handle(_ events: [StreamSegmenter.Event]) throws {
    for event in events {
      switch event {
      case .wakePhrase(let hit):
        let sample = Int(hit.start * Double(WAVFile.sampleRate))
        let clip = clipRanges.firstIndex { $0.contains(sample) }
        if let clip, clip < wakeClips.count || clip >= talkStart, foundClips.insert(clip).inserted {
          if clip < wakeClips.count { score.found += 1 } else { score.foundInTalk += 1 }
        } else {
          score.falseAlarms += 1
        }
      case .command(let hit, let samples, _):
        let sample = Int(hit.start * Double(WAVFile.sampleRate))
        guard let clip = clipRanges.prefix(wakeClips.count).firstIndex(where: { $0.contains(sample) }),
          clip % 3 != 0
        else { continue }
        let (_, transcript) = try recognizer.recognizeAfterWakePhrase(samples: samples)
        let example = commands[clip % commands.count]
        if try understander.understand(transcript.text).intents.map(\.name) == [example.intent] {
          score.commandsRight += 1
        } else {
          score.misses.append("\(example.intent): 'hey cabin, \(example.text)' heard '\(transcript.text)'")
        }
      }
    }
  }
  let chunk = WAVFile.sampleRate / 10
  for start in stride(from: 0, to: stream.count, by: chunk) {
    try handle(
      try segmenter.append(stream[start..<min(stream.count, start + chunk)], spot: recognizer.spotWakeWord))
  }
  try handle(try segmenter.finish(spot: recognizer.spotWakeWord))
  score.processor = threadProcessorSeconds() - processorBefore
  // A command whose phrase was missed, or that ran into the next clip, was never heard.
  score.commandsTotal = wakeClips.indices.filter { $0 % 3 != 0 }.count
  return score
}
let liveScore = commandsOnly ? nil : try scoreLive()

// MARK: Report

func percent(_ part: Int, _ whole: Int) -> String {
  String(format: "%5.1f%%", 100 * Double(part) / Double(max(whole, 1)))
}
@MainActor func perTenMinutes(_ count: Int) -> String {
  String(format: "%.2f", Double(count) * 600 / otherSeconds)
}
if let tuned = commandScores.first {
  print("")
  print("misrecognised commands with the defaults (\(tuned.misses.count)):")
  for miss in tuned.misses { print("  \(miss)") }
  print("")
  print("commands heard by the language model with the defaults (\(tuned.fallbackCommands.count)):")
  for fallback in tuned.fallbackCommands { print("  \(fallback)") }
  print("")
  print("other speech heard as commands with the defaults (\(tuned.otherHeardAsCommands.count)):")
  for sentence in tuned.otherHeardAsCommands { print("  \(sentence)") }
}
if !commandsOnly {
  print("")
  print("misrecognised commands after the wake phrase (\(wakeCommandMisses.count)):")
  for miss in wakeCommandMisses { print("  \(miss)") }
}
print("")
if !wakeScores.isEmpty {
  print(
    "wake phrase                  | found (of \(set.wakeCount)) | false alarms in \(String(format: "%.0f", otherSeconds)) s | per 10 min | RTF"
  )
  for score in wakeScores {
    print(
      score.label.padding(toLength: 28, withPad: " ", startingAt: 0)
        + String(
          format: " | %3d %@     | %4d                 | %@ | %.3f", score.found,
          percent(score.found, set.wakeCount),
          score.falseAlarms,
          perTenMinutes(score.falseAlarms).padding(toLength: 10, withPad: " ", startingAt: 0),
          score.processing / score.audio))
  }
}
if wakeScores.count > 1 {
  let wake = wakeScores[0]
  let firstStage = wakeScores[1]
  let firstStageHits = firstStage.found + firstStage.falseAlarms
  print(
    String(
      format:
        "verification: %.1f ms per first-stage hit (%d: clips found and false alarms), %.0f ms in all",
      1000 * (wake.processing - firstStage.processing) / Double(max(firstStageHits, 1)), firstStageHits,
      1000 * (wake.processing - firstStage.processing)))
}
func row(_ name: String, _ values: [String], _ target: String) {
  print(
    ([name.padding(toLength: 26, withPad: " ", startingAt: 0)]
      + values.map { $0.padding(toLength: 17, withPad: " ", startingAt: 0) }
      + [target]).joined(separator: " | "))
}
/// The mean confidence of the right or of the wrong command transcripts.
func mean(_ confidences: [(confidence: Double, right: Bool)], right: Bool) -> Double {
  let chosen = confidences.filter { $0.right == right }.map(\.confidence)
  return chosen.reduce(0, +) / Double(max(chosen.count, 1))
}
/// The probability that a right command transcript has a higher confidence than a wrong one (ties
/// count half): 0.5 says nothing, 1 separates them.
func areaUnderCurve(_ confidences: [(confidence: Double, right: Bool)]) -> Double {
  let right = confidences.filter(\.right).map(\.confidence)
  let wrong = confidences.filter { !$0.right }.map(\.confidence)
  let pairs = right.reduce(0.0) { total, high in
    total + wrong.reduce(0.0) { $0 + (high > $1 ? 1 : high == $1 ? 0.5 : 0) }
  }
  return pairs / Double(max(right.count * wrong.count, 1))
}
func rtf(_ score: CommandScore) -> String { String(format: "%.3f", score.processing / score.audio) }
print("")
// The grammar's recognisers, without the language model alone when it ran (last).
let grammarScores = defaultsOnly ? commandScores : commandScores.dropLast()
let baselineCell = defaultsOnly ? [] : ["-"]
if !commandScores.isEmpty {
  row(
    "measure", Array(["defaults", "previous defaults", "LM only (baseline)"].prefix(commandScores.count)),
    "target")
  row("intent accuracy", commandScores.map { percent($0.correct, commands.count) }, ">= 95%")
  for voice in set.voices {
    let said = commandVoices.filter { $0 == voice }.count
    row("  \(voice)", commandScores.map { "\($0.correctByVoice[voice, default: 0]) of \(said)" }, "")
  }
  row("word error rate", commandScores.map { percent($0.errors, $0.words) }, "")
  row("real-time factor", commandScores.map(rtf), "<= 0.1")
  row(
    "processor time / audio", commandScores.map { String(format: "%.3f", $0.processor / $0.audio) }, "")
  row("fallbacks to LM", grammarScores.map { "\($0.fallbacks) of \(commands.count)" } + baselineCell, "")
  row(
    "other sentences → command",
    commandScores.map { "\($0.otherTakenAsCommands) of \(otherSentences.count)" }, "0")
  row(
    "confidence right / wrong",
    grammarScores.map {
      String(
        format: "%.2f / %.2f", mean($0.commandConfidences, right: true),
        mean($0.commandConfidences, right: false))
    } + baselineCell, "")
  row(
    "confidence AUC",
    grammarScores.map { String(format: "%.3f", areaUnderCurve($0.commandConfidences)) } + baselineCell, ""
  )
  row(
    "wrong below 0.5",
    grammarScores.map { score in
      let wrong = score.commandConfidences.filter { !$0.right }
      return "\(wrong.filter { $0.confidence < 0.5 }.count) of \(wrong.count)"
    } + baselineCell, "")
  row("heap in use (MB)", commandScores.map { String(format: "%.0f", $0.memory) }, "")
  row("recogniser start-up (s)", commandScores.map { String(format: "%.2f", $0.startup) }, "")
  if let baseline = commandScores.last, !defaultsOnly {
    let perAudio = baseline.processor / baseline.audio
    row(
      "processor time ÷ LM only",
      grammarScores.map { String(format: "%.2fx", $0.processor / $0.audio / perAudio) } + ["1.00x"], "")
  }
  if let replacement = grammarReplacement {
    print(
      String(
        format:
          "command grammar replaced in place (a new contact list): %.2f s, %.2fx of building a recogniser (%.2f s); heap %+.1f MB from the first of %d replacements to the last",
        replacement.replacement, replacement.replacement / replacement.startup, replacement.startup,
        replacement.memoryAfterLast - replacement.memoryAfterFirst, GrammarReplacement.count))
  }
}
if !wakeScores.isEmpty {
  row(
    "measure", Array(["defaults", "first stage alone", "previous defaults"].prefix(wakeScores.count)),
    "target")
  row("wake found", wakeScores.map { percent($0.found, set.wakeCount) }, ">= 90%")
  row(
    "wake false alarms / 10 min", wakeScores.map { perTenMinutes($0.falseAlarms) },
    "0 (over \(String(format: "%.0f", otherSeconds)) s)")
  row("wake-spotting RTF", wakeScores.map { String(format: "%.3f", $0.processing / $0.audio) }, "")
  row("processor time / audio", wakeScores.map { String(format: "%.3f", $0.processor / $0.audio) }, "")
  if wakeScores.count > 1 {
    let perAudio = wakeScores[1].processor / wakeScores[1].audio
    row(
      "processor ÷ first stage",
      wakeScores.map { String(format: "%.2fx", $0.processor / $0.audio / perAudio) }, "")
  }
  row(
    "wake + command intents",
    ["\(wakeCommands.right) of \(wakeCommands.total)", "cut at its end: \(wakeCommands.cutRight)"],
    "the clips with a command after the phrase")
}
if let live = liveScore, let wake = wakeScores.first {
  print("")
  print(
    "live listening: the same clips in one stream, each after 2 s of its noise (\(String(format: "%.0f", live.audio)) s), cut by StreamSegmenter"
  )
  row("measure", ["live", "whole clips"], "target")
  row("wake found", [percent(live.found, set.wakeCount), percent(wake.found, set.wakeCount)], ">= 90%")
  row("wake false alarms", ["\(live.falseAlarms)", "\(wake.falseAlarms)"], "0")
  row(
    "phrase inside talk found",
    ["\(live.foundInTalk) of \(talkClips.count)", "\(live.foundInTalkClips) of \(talkClips.count)"],
    "'..., hey cabin, ...' in one breath")
  row(
    "wake + command intents",
    ["\(live.commandsRight) of \(live.commandsTotal)", "\(wakeCommands.right) of \(wakeCommands.total)"], "")
  row(
    "processor time / audio",
    [
      String(format: "%.3f", live.processor / live.audio),
      String(format: "%.3f", wake.processor / wake.audio),
    ],
    "")
  row(
    "processor ÷ whole clips",
    [String(format: "%.2fx", (live.processor / live.audio) / (wake.processor / wake.audio)), "1.00x"],
    "spotting and commands, against spotting alone")
  print("commands missed live (\(live.misses.count) heard wrong; the rest had no phrase or ran on):")
  for miss in live.misses { print("  \(miss)") }
}
print("load average at end: \(loadAverage()) (\(ProcessInfo.processInfo.activeProcessorCount) cores)")
