import ArgumentParser
import CabinDBus
import CabinInference
import CabinService
import Foundation
import IntentUnderstanding

#if canImport(Glibc)
  import Glibc
#endif

/// Who is speaking and in which dialogue, for `cabin say` and `cabin listen`.
struct SpeakerContext: ParsableArguments {
  @Option(help: "The speaker's seat: driver, passenger, rear_left, rear_right, rear, all.")
  var seat = "driver"

  @Option(help: "A dialogue id; follow-ups with the same id keep their context.")
  var dialogue = ""
}

extension CabinCommand {
  /// `cabin say "..."`: what the voice service understood.
  struct Say: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Send text to the voice service and print the intents it understood.")

    @OptionGroup var location: BusLocation

    @OptionGroup var speaker: SpeakerContext

    @Argument(help: "What the driver says.")
    var text: String

    func run() async throws {
      let connection = try DBusConnection.connect(to: try location.address())
      defer { connection.close() }
      let reply = try await connection.call(
        destination: "org.cabin.Voice1", path: "/org/cabin/Voice", interface: "org.cabin.Voice1",
        member: "Understand", [.string(text), .string(speaker.seat), .string(speaker.dialogue)])
      guard let intents = reply.first else { throw CabinCLIError("unexpected reply \(reply)") }
      try CabinCommand.printIntents(intents)
    }
  }

  /// `cabin listen FILE.wav`: what the voice service recognised and understood in a recording.
  struct Listen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Send a WAV file (16 kHz mono 16-bit PCM) to the voice service as a file descriptor and print the transcript and the intents it understood."
    )

    @OptionGroup var location: BusLocation

    @OptionGroup var speaker: SpeakerContext

    @Argument(help: "The recording.")
    var file: String

    func run() async throws {
      let descriptor = open(file, O_RDONLY | O_CLOEXEC)
      guard descriptor >= 0 else {
        throw CabinCLIError("cannot open \(file): \(String(cString: strerror(errno)))")
      }
      // The descriptor travels in the call, so the service needs no access to the caller's path.
      let audio = DBusFileDescriptor(adopting: descriptor)
      let connection = try DBusConnection.connect(to: try location.address())
      defer { connection.close() }
      let reply = try await connection.call(
        destination: "org.cabin.Voice1", path: "/org/cabin/Voice", interface: "org.cabin.Voice1",
        member: "Recognize", [.unixFD(audio), .string(speaker.seat), .string(speaker.dialogue)],
        timeout: .seconds(60))
      guard reply.count == 3, case .string(let transcript) = reply[0], case .double(let confidence) = reply[1]
      else { throw CabinCLIError("unexpected reply \(reply)") }
      guard !transcript.isEmpty else {
        print("nothing recognised")
        return
      }
      print("heard \"\(transcript)\"  confidence \(String(format: "%.2f", confidence))")
      try CabinCommand.printIntents(reply[2])
    }
  }

  /// Prints the intents of an `Understand` or `Recognize` reply, one per line with its slots below.
  fileprivate static func printIntents(_ reply: DBusValue) throws {
    guard case .array(_, let intents) = reply else { throw CabinCLIError("unexpected intents \(reply)") }
    for intent in intents {
      guard case .structure(let fields) = intent, fields.count == 5,
        case .string(let name) = fields[0], case .double(let confidence) = fields[1],
        case .string(let zone) = fields[2], case .dictionary(_, _, let slots) = fields[3],
        case .string(let stage) = fields[4]
      else { continue }
      var line = "\(name)  confidence \(String(format: "%.2f", confidence))  stage \(stage)"
      if !zone.isEmpty { line += "  zone \(zone)" }
      print(line)
      for slot in slots {
        guard case .string(let slotName) = slot.key, case .structure(let typed) = slot.value,
          typed.count == 2,
          case .string(let type) = typed[0], case .variant(let value) = typed[1]
        else { continue }
        print("  \(slotName) (\(type)): \(value)")
      }
    }
  }

  /// `cabin eval ...`: measurements against labelled data.
  struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Measure Cabin's models on labelled data.", subcommands: [Intents.self])

    /// `cabin eval intents FILE.jsonl`.
    struct Intents: AsyncParsableCommand {
      static let configuration = CommandConfiguration(
        abstract:
          "Understand each line of a JSON Lines file ({text, accept, source}) in process, with the service's grammar and encoder, and print accuracy per source, out-of-scope precision and recall, and the most frequent confusions."
      )

      @Argument(help: "The labelled sentences.")
      var file: String

      @Option(help: "The Config directory (default: found next to the checkout or installation).")
      var configDir: String?

      @Flag(help: "Use the grammar only, without the sentence encoder.")
      var grammarOnly = false

      @Option(help: "How many confusions to list.")
      var confusions = 15

      @Flag(
        help:
          "Also list every wrong answer with its sentence (for a project-owned set, not a measurement set).")
      var mistakes = false

      @Option(
        help:
          "Use this score as stage 2's none threshold instead of the configured one; repeat it to sweep several values (examples are embedded once)."
      )
      var noneThreshold: [Float] = []

      func run() async throws {
        guard let config = configDir.map({ URL(fileURLWithPath: $0) }) ?? CabinPaths.configDirectory() else {
          throw CabinCLIError(
            "cannot find Cabin's Config directory: pass --config-dir or set CABIN_CONFIG_DIR")
        }
        let cases = try IntentEvaluation.cases(contentsOf: URL(fileURLWithPath: file))
        let embedder: (any SentenceEmbedder)? =
          grammarOnly
          ? nil
          : CachingEmbedder(
            wrapping: try SentenceEncoder(
              modelDirectory: CabinPaths.modelDirectory(named: "all-MiniLM-L6-v2", configDirectory: config)))
        for threshold in noneThreshold.isEmpty ? [nil] : noneThreshold.map(Optional.some) {
          try evaluate(cases, config: config, embedder: embedder, noneThreshold: threshold)
        }
      }

      private func evaluate(
        _ cases: [EvaluationCase], config: URL, embedder: (any SentenceEmbedder)?, noneThreshold: Float?
      ) throws {
        let understander = try IntentUnderstander.load(
          directory: config.appendingPathComponent("intents"), embedder: embedder,
          noneThreshold: noneThreshold)
        let report = try IntentEvaluation.evaluate(cases, with: understander, topConfusions: confusions)
        print(report.summary)
        if let threshold = understander.noneThreshold {
          print(String(format: "\nstage 2 none threshold: %.3f", threshold))
        }
        guard mistakes else { return }
        print("\nwrong answers:")
        for mistake in report.mistakes {
          print(
            "  \(mistake.expected) -> \(mistake.predicted) (\(mistake.stage) "
              + String(format: "%.2f", mistake.confidence) + "): \(mistake.text)")
        }
      }
    }
  }
}
