import Foundation
import IntentUnderstanding

// Grammar-path latency of `IntentUnderstander.understand` over typical commands, against a baseline
// measured in the same run: the same utterances through a one-template grammar (the fixed cost of
// normalising, segmenting and building a result).
// Usage: cabin-bench-intents [Config/intents]

let directory = URL(fileURLWithPath: CommandLine.arguments.dropFirst().first ?? "Config/intents")
let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
  .filter { $0.pathExtension == "grammar" }
  .sorted { $0.lastPathComponent < $1.lastPathComponent }
let full = try IntentUnderstander(
  grammar: Grammar(contentsOf: files), configuration: .init(contacts: [Contact(name: "Anna Berg")]))
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

func percentiles(_ understander: IntentUnderstander, rounds: Int) throws -> (p50: Double, p99: Double) {
  var samples: [Double] = []
  samples.reserveCapacity(rounds * utterances.count)
  for _ in 0..<rounds {
    for text in utterances {
      let start = DispatchTime.now().uptimeNanoseconds
      _ = try understander.understand(text, speaker: .driver)
      samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000_000)
    }
  }
  samples.sort()
  return (samples[samples.count / 2], samples[min(samples.count - 1, samples.count * 99 / 100)])
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
print(String(format: "full grammar:            p50 %.3f ms, p99 %.3f ms", measured.p50, measured.p99))
print(
  String(
    format: "ratio full/baseline:     p50 %.1fx, p99 %.1fx", measured.p50 / base.p50, measured.p99 / base.p99)
)
