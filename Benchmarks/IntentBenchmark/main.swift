import ArgumentParser
import CabinInference
import Foundation
import IntentUnderstanding

#if canImport(Glibc)
  import Glibc
#endif

// Latency of `IntentUnderstander.understand`, release build, each against a baseline measured in
// the same run:
// - the grammar path over typical commands, against the same utterances through a one-template
//   grammar (the fixed cost of normalising, segmenting and building a result);
// - the encoder path over indirect requests the grammar leaves to stage 2, against the sentence
//   encoder alone on the same sentences (when the model is installed).

/// The command line; the rest of this file is the benchmark.
struct CabinBenchIntents: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cabin-bench-intents",
    abstract: "Latency of intent understanding, grammar and encoder paths, each against a baseline.")

  @Argument(help: "The directory of the intent grammars.")
  var intentsDir = "Config/intents"

  @Argument(help: "The sentence encoder's directory; without a model in it the encoder path is skipped.")
  var modelDir = "models/all-MiniLM-L6-v2"
}

let options = CabinBenchIntents.parseOrExit()
let directory = URL(fileURLWithPath: options.intentsDir)
let modelDirectory = URL(fileURLWithPath: options.modelDir)
let grammar: Grammar
do {
  grammar = try Grammar(directory: directory)
} catch {
  FileHandle.standardError.write(Data("cabin-bench-intents: \(error)\n".utf8))
  exit(1)
}
let full = try IntentUnderstander(
  grammar: grammar, configuration: .init(contacts: [Contact(name: "Anna Berg")]))
let baseline = try IntentUnderstander(grammar: Grammar(source: "intent media.pause\n  pause"))

let utterances = [
  "set the temperature to twenty one and a half", "turn on the ac and play jazz", "I'm freezing",
  "play something relaxing by Miles Davis", "two degrees cooler", "open the rear left window halfway",
  "tune to 101.5 fm", "call anna", "heat my seat for ten minutes", "what's the capital of france",
  "navigate to the airport and play some jazz", "could you turn the music up a little bit for me",
  "what's the forecast for new york tonight", "remind me to call the garage in twenty minutes",
  "are there jams on the way home", "how much fuel is left in my tank", "yes please", "never mind",
  "set the passenger side to 72 degrees fahrenheit", "find the nearest charging station on my route",
]

/// p50 and p99 in milliseconds of `body` over `texts`, `rounds` times.
func percentiles(
  _ texts: [String], rounds: Int, _ body: (String) throws -> Void
) rethrows -> (p50: Double, p99: Double) {
  var samples: [Double] = []
  samples.reserveCapacity(rounds * texts.count)
  for _ in 0..<rounds {
    for text in texts {
      let start = DispatchTime.now().uptimeNanoseconds
      try body(text)
      samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000_000)
    }
  }
  samples.sort()
  return (samples[samples.count / 2], samples[min(samples.count - 1, samples.count * 99 / 100)])
}

func percentiles(_ understander: IntentUnderstander, rounds: Int) throws -> (p50: Double, p99: Double) {
  try percentiles(utterances, rounds: rounds) { _ = try understander.understand($0, speaker: .driver) }
}

_ = try percentiles(full, rounds: 5)
for text in utterances {
  let start = DispatchTime.now().uptimeNanoseconds
  for _ in 0..<20 { _ = try full.understand(text, speaker: .driver) }
  let mean = Double(DispatchTime.now().uptimeNanoseconds - start) / 20_000_000
  print(String(format: "mean %.3f ms  ", mean) + text)
}
let base = try percentiles(baseline, rounds: 50)
let measured = try percentiles(full, rounds: 50)
print(String(format: "baseline (one template): p50 %.3f ms, p99 %.3f ms", base.p50, base.p99))
print(
  String(
    format: "full grammar:            p50 %.3f ms, p99 %.3f ms  (target p99 <= 2 ms: %@)", measured.p50,
    measured.p99, measured.p99 <= 2 ? "met" : "NOT met"))
print(
  String(
    format: "ratio full/baseline:     p50 %.1fx, p99 %.1fx", measured.p50 / base.p50, measured.p99 / base.p99)
)

// The encoder path.
guard FileManager.default.fileExists(atPath: modelDirectory.appendingPathComponent("model.safetensors").path)
else {
  print("encoder path: skipped, no model in \(modelDirectory.path) (make models installs it)")
  exit(0)
}
let encoder = try SentenceEncoder(modelDirectory: modelDirectory, maxLength: 128)
let withEncoder = try IntentUnderstander.load(
  directory: directory, configuration: .init(contacts: [Contact(name: "Anna Berg")]), embedder: encoder)
let indirect = [
  "it's a bit stuffy in here", "my feet are cold", "I could use some tunes",
  "how far can we go before we need to stop", "the sun is blinding me", "I need some fresh air",
  "which band is playing right now", "tell me a joke about cats", "get me out of this traffic",
  "is there somewhere to eat nearby",
]
let stageTwo = try indirect.filter { text in
  try withEncoder.understand(text, speaker: .driver).intents.contains { $0.stage == .embedding }
}
guard !stageTwo.isEmpty else {
  print("encoder path: none of the indirect requests reached stage 2")
  exit(1)
}
let encoderAlone = try percentiles(stageTwo, rounds: 30) { _ = try encoder.embed([$0]) }
let encoderPath = try percentiles(stageTwo, rounds: 30) {
  _ = try withEncoder.understand($0, speaker: .driver)
}
print("encoder path over \(stageTwo.count) of \(indirect.count) indirect requests that reached stage 2:")
print(
  String(format: "baseline (encoder alone):  p50 %.3f ms, p99 %.3f ms", encoderAlone.p50, encoderAlone.p99))
print(
  String(
    format: "grammar + encoder stage:   p50 %.3f ms, p99 %.3f ms  (target p99 <= 10 ms: %@)",
    encoderPath.p50, encoderPath.p99, encoderPath.p99 <= 10 ? "met" : "NOT met"))
print(
  String(
    format: "ratio to encoder alone:    p50 %.2fx, p99 %.2fx", encoderPath.p50 / encoderAlone.p50,
    encoderPath.p99 / encoderAlone.p99))
