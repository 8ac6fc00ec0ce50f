// Evaluates the speech recogniser on synthetic speech (espeak-ng voices and speeds, sox car noise):
// command intents through the JSGF grammar against the general language model alone (baseline),
// wake-phrase detection per keyphrase threshold, false alarms over other speech, real-time factor.
// Usage: cabin-eval-speech [PACKAGE_ROOT] (default: the package this file is in).
import Foundation
import IntentUnderstanding
import SpeechRecognition

let root =
  CommandLine.arguments.dropFirst().first.map { URL(fileURLWithPath: $0) }
  ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent()
let voices = ["en-us", "en-us+m3", "en-us+f2", "en-gb", "en-us+m7"]
let speeds = [130, 150, 165, 180]
let commandCount = 80
let wakeCount = 30
let falseAlarmSeconds = 600.0
let thresholds = [1e-10, 1e-20, 1e-30, 1e-40]
let contacts = [
  Contact(name: "Anna Berg", aliases: ["anna"]), Contact(name: "Mom", aliases: ["mum"]),
  Contact(name: "Jonas Weber"),
]

let work = FileManager.default.temporaryDirectory.appendingPathComponent("cabin-eval-speech-\(getpid())")
try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: work) }

func synthesize(_ text: String, voice: String, speed: Int, noise: String = "car") throws -> [Int16] {
  let out = work.appendingPathComponent(UUID().uuidString + ".wav")
  let process = Process()
  process.executableURL = root.appendingPathComponent("scripts/make-speech-fixtures.sh")
  process.arguments = [out.path, voice, String(speed), noise, text]
  try process.run()
  process.waitUntilExit()
  guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: ["text": text]) }
  defer { try? FileManager.default.removeItem(at: out) }
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

func intentNames(_ understander: IntentUnderstander, _ text: String) throws -> [String] {
  try understander.understand(text).intents.map(\.name)
}

func seconds(_ duration: Duration) -> Double {
  Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
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

let clock = ContinuousClock()
let startup = clock.now
let recognizer = try SpeechRecognizer(configuration: .init(commandGrammar: speechGrammar.text))
let startupSeconds = seconds(clock.now - startup)
// Loads the language model now, so its load time is reported apart from decoding.
let languageModelLoad = clock.now
_ = try recognizer.recognize(samples: synthesize("hello", voice: "en-us", speed: 150), mode: .freeText)
let languageModelSeconds = seconds(clock.now - languageModelLoad)

// Sentences the grammar can say, whose text alone already gives the expected intent.
var candidates: [IntentExample] = []
for example in grammar.sampleSentences() {
  let words = example.text.split(separator: " ").map(String.init)
  guard words.allSatisfy(speechGrammar.words.contains),
    try intentNames(understander, example.text) == [example.intent]
  else { continue }
  candidates.append(example)
}
let step = max(1, candidates.count / commandCount)
let commands = Array(
  stride(from: 0, to: candidates.count, by: step).map { candidates[$0] }.prefix(commandCount))
print(
  "commands: \(commands.count) of \(candidates.count) grammar sentences, \(Set(commands.map(\.intent)).count) intents"
)

struct Score {
  var correct = 0
  var errors = 0
  var words = 0
  var audio = 0.0
  var processing = 0.0
}
var grammarScore = Score()
var baselineScore = Score()
var fallbacks = 0
var misses: [String] = []
for (index, example) in commands.enumerated() {
  let samples = try synthesize(
    example.text, voice: voices[index % voices.count], speed: speeds[(index / voices.count) % speeds.count])
  let reference = example.text
  for mode in [RecognitionMode.automatic, .freeText] {
    let transcript = try recognizer.recognize(samples: samples, mode: mode)
    let right = try intentNames(understander, transcript.text) == [example.intent]
    let errors = wordErrors(transcript.text, reference)
    let words = reference.split(separator: " ").count
    if mode == .automatic {
      if transcript.search == .freeText { fallbacks += 1 }
      if !right { misses.append("\(example.intent): '\(reference)' heard '\(transcript.text)'") }
    }
    func add(_ score: inout Score) {
      score.correct += right ? 1 : 0
      score.errors += errors
      score.words += words
      score.audio += transcript.audioDuration
      score.processing += transcript.processingTime
    }
    if mode == .automatic { add(&grammarScore) } else { add(&baselineScore) }
  }
}

// Wake phrase: clips of "hey cabin" (alone or before a command), and long other speech.
var wakeClips: [[Int16]] = []
for index in 0..<wakeCount {
  let text = index % 2 == 0 ? "hey cabin" : "hey cabin, " + commands[index % commands.count].text
  wakeClips.append(
    try synthesize(text, voice: voices[index % voices.count], speed: speeds[(index / 2) % speeds.count]))
}
let otherSentences = try String(
  contentsOf: root.appendingPathComponent("Config/intents/examples.txt"), encoding: .utf8
)
.split(separator: "\n").filter { $0.hasPrefix("  ") }.map { $0.trimmingCharacters(in: .whitespaces) }
.filter { !$0.contains("cabin") && !$0.contains("hey") }
var otherSpeech: [[Int16]] = []
var otherSeconds = 0.0
var part = 0
while otherSeconds < falseAlarmSeconds {
  let slice = otherSentences.enumerated().filter { $0.offset % 4 == part % 4 }.map(\.element)
  let samples = try synthesize(
    slice.joined(separator: ". "), voice: voices[part % voices.count], speed: speeds[part % speeds.count])
  otherSpeech.append(samples)
  otherSeconds += Double(samples.count) / Double(WAVFile.sampleRate)
  part += 1
}

struct WakeScore {
  var threshold: Double
  var found = 0
  var falseAlarms = 0
  var audio = 0.0
  var processing = 0.0
}
var wakeScores: [WakeScore] = []
for threshold in thresholds {
  let spotter = try SpeechRecognizer(configuration: .init(languageModel: nil, keyphraseThreshold: threshold))
  var score = WakeScore(threshold: threshold)
  for (index, clip) in (wakeClips + otherSpeech).enumerated() {
    let started = clock.now
    let hits = try spotter.spotWakeWord(samples: clip)
    score.processing += seconds(clock.now - started)
    score.audio += Double(clip.count) / Double(WAVFile.sampleRate)
    if index < wakeClips.count {
      score.found += hits.isEmpty ? 0 : 1
    } else {
      score.falseAlarms += hits.count
    }
  }
  wakeScores.append(score)
}

func percent(_ part: Int, _ whole: Int) -> String {
  String(format: "%5.1f%%", 100 * Double(part) / Double(max(whole, 1)))
}
let chosen = wakeScores.first { $0.threshold == defaults.keyphraseThreshold } ?? wakeScores[0]
let grammarRTF = grammarScore.processing / grammarScore.audio
let baselineRTF = baselineScore.processing / baselineScore.audio
print("")
print("misrecognised commands (\(misses.count)):")
for miss in misses { print("  \(miss)") }
print("")
print(
  "wake threshold | found (of \(wakeCount)) | false alarms in \(String(format: "%.0f", otherSeconds)) s | RTF"
)
for score in wakeScores {
  print(
    String(
      format: "%14.0e | %5d %@ | %6d | %.3f", score.threshold, score.found, percent(score.found, wakeCount),
      score.falseAlarms, score.processing / score.audio))
}
print("")
print("measure                          | JSGF + fallback | LM only (baseline) | ratio  | target")
print(
  "intent accuracy                  | \(percent(grammarScore.correct, commands.count))          | \(percent(baselineScore.correct, commands.count))             | "
    + String(format: "%5.2fx", Double(grammarScore.correct) / Double(max(baselineScore.correct, 1)))
    + " | >= 95%")
print(
  "word error rate                  | \(percent(grammarScore.errors, grammarScore.words))          | \(percent(baselineScore.errors, baselineScore.words))             | "
    + String(format: "%5.2fx", Double(grammarScore.errors) / Double(max(baselineScore.errors, 1))) + " |")
print(
  String(
    format: "real-time factor                 | %.3f           | %.3f              | %5.2fx | <= 0.1",
    grammarRTF, baselineRTF, grammarRTF / baselineRTF))
print("fallbacks to LM                  | \(fallbacks) of \(commands.count)")
print(
  "wake found (threshold \(String(format: "%.0e", chosen.threshold)))     | \(percent(chosen.found, wakeCount))          |                    |        | >= 90%"
)
print(
  "wake false alarms / \(String(format: "%.0f", otherSeconds)) s        | \(chosen.falseAlarms)               |                    |        | 0 in 600 s"
)
print(
  String(
    format: "recogniser start-up              | %.2f s (language model load %.2f s)", startupSeconds,
    languageModelSeconds))
