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
      print(try CabinCommand.intentLines(intents), terminator: "")
    }
  }

  /// `cabin listen FILE.wav`: what the voice service recognised and understood in a recording;
  /// `cabin listen --live`: what it hears in a live stream, as it hears it.
  struct Listen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Send a WAV file (16 kHz mono 16-bit PCM) to the voice service as a file descriptor and print the transcript and the intents it understood; with --live, listen to a stream until it ends.",
      discussion: """
        With --live the stream goes to StartListening, and each wake phrase and command is printed \
        as the service hears it: for example, arecord -q -f S16_LE -r 16000 -c 1 -t raw | cabin \
        listen --live. It ends with the stream, or Ctrl-C.
        """)

    @OptionGroup var location: BusLocation

    @OptionGroup var speaker: SpeakerContext

    @Flag(help: "Listen to a live stream (raw or WAV 16 kHz mono 16-bit PCM) until it ends.")
    var live = false

    @Argument(help: "The recording; with --live, the stream ('-' or none for standard input).")
    var file: String?

    func validate() throws {
      if !live, file == nil || file == "-" {
        throw ValidationError("give a WAV file, or --live to listen to standard input")
      }
    }

    func run() async throws {
      let audio: DBusFileDescriptor
      if let file, file != "-" {
        let descriptor = open(file, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
          throw CabinCLIError("cannot open \(file): \(String(cString: strerror(errno)))")
        }
        // The descriptor travels in the call, so the service needs no access to the caller's path.
        audio = DBusFileDescriptor(adopting: descriptor)
      } else {
        audio = try DBusFileDescriptor(duplicating: STDIN_FILENO)
      }
      let connection = try DBusConnection.connect(to: try location.address())
      defer { connection.close() }
      let voice = DBusProxy(
        connection: connection, destination: "org.cabin.Voice1", path: "/org/cabin/Voice",
        interface: "org.cabin.Voice1")
      if live {
        try await listen(to: audio, voice: voice)
        return
      }
      let reply = try await voice.call(
        "Recognize", [.unixFD(audio), .string(speaker.seat), .string(speaker.dialogue)], timeout: .seconds(60)
      )
      guard reply.count == 3, case .string(let transcript) = reply[0], case .double(let confidence) = reply[1]
      else { throw CabinCLIError("unexpected reply \(reply)") }
      guard !transcript.isEmpty else {
        print("nothing recognised")
        return
      }
      print("heard \"\(transcript)\"  confidence \(String(format: "%.2f", confidence))")
      print(try CabinCommand.intentLines(reply[2]), terminator: "")
    }

    /// Opens a listening session and prints its seat's signals until the session ends.
    private func listen(to audio: DBusFileDescriptor, voice: DBusProxy) async throws {
      let signals = try await voice.signals()
      let reply = try await voice.call(
        "StartListening", [.unixFD(audio), .string(speaker.seat), .string(speaker.dialogue)])
      guard case .string(let session)? = reply.first else { throw CabinCLIError("unexpected reply \(reply)") }
      Self.write("listening as session \(session) for seat \(speaker.seat)\n")
      let seat = DBusValue.string(speaker.seat)
      for await message in signals {
        let body = message.body
        switch message.member?.rawValue {
        case "WakeWordDetected" where body.first == seat:
          guard case .double(let offset)? = body.last else { continue }
          Self.write(String(format: "wake phrase at %.2f s\n", offset))
        case "IntentsRecognized" where body.count == 5 && body[2] == seat:
          guard case .string(let text) = body[0], case .double(let confidence) = body[1] else { continue }
          Self.write(
            "heard \"\(text)\"  confidence \(String(format: "%.2f", confidence))\n"
              + (try CabinCommand.intentLines(body[4])))
        case "RecognitionFailed" where body.count == 4 && body[0] == seat:
          Self.write("failed: \(body[2]): \(body[3])\n")
        case "ListeningEnded" where body.count == 4 && body[0] == .string(session):
          guard case .string(let error) = body[2], case .string(let text) = body[3] else { return }
          guard error.isEmpty else { throw CabinCLIError("\(error): \(text)") }
          Self.write("\(text)\n")
          return
        default:
          continue
        }
      }
    }

    /// Writes `text` at once, unbuffered, so a pipe sees each event as it comes.
    private static func write(_ text: String) {
      FileHandle.standardOutput.write(Data(text.utf8))
    }
  }

  /// The intents of an `Understand` or `Recognize` reply, one per line with its slots below.
  fileprivate static func intentLines(_ reply: DBusValue) throws -> String {
    guard case .array(_, let intents) = reply else { throw CabinCLIError("unexpected intents \(reply)") }
    var lines = ""
    for intent in intents {
      guard case .structure(let fields) = intent, fields.count == 5,
        case .string(let name) = fields[0], case .double(let confidence) = fields[1],
        case .string(let zone) = fields[2], case .dictionary(_, _, let slots) = fields[3],
        case .string(let stage) = fields[4]
      else { continue }
      var line = "\(name)  confidence \(String(format: "%.2f", confidence))  stage \(stage)"
      if !zone.isEmpty { line += "  zone \(zone)" }
      lines += line + "\n"
      for slot in slots {
        guard case .string(let slotName) = slot.key, case .structure(let typed) = slot.value,
          typed.count == 2,
          case .string(let type) = typed[0], case .variant(let value) = typed[1]
        else { continue }
        lines += "  \(slotName) (\(type)): \(value)\n"
      }
    }
    return lines
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
