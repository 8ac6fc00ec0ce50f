import CabinDBus
import CabinService
import CabinTestKit
import Foundation
import Logging
import Testing
import VoiceIntent

/// Synthetic speech, audio in wrong formats, streams and a voice service with speech on a private bus.
enum SpeechFixtures {
  static let intentsDirectory = PrivateBus.packageRoot.appendingPathComponent("Config/intents")

  /// One speech engine for the suite: loading the models and compiling the grammar takes seconds.
  static let sharedSpeech = Result {
    try SpeechEngine(configuration: .init(intentsDirectory: intentsDirectory))
  }

  /// The build directory holding the test bundle and the executables (`.build/debug`).
  static let buildDirectory: URL = {
    var directory = Bundle.main.bundleURL
    while directory.path != "/" {
      if FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("cabin").path) {
        return directory
      }
      directory.deleteLastPathComponent()
    }
    return PrivateBus.packageRoot.appendingPathComponent(".build/debug")
  }()

  /// A fresh temporary directory.
  static func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "cabin-voice-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// A 16 kHz mono WAV clip of `text` by espeak-ng, with 0.5 s of lead-in and a faint noise floor.
  /// sox runs repeatably (`-R`), so the same arguments always give the same samples.
  static func clip(_ text: String, voice: String, speed: Int = 150, in directory: URL) async throws -> URL {
    let url = directory.appendingPathComponent("\(UUID().uuidString).wav")
    try await run(
      PrivateBus.packageRoot.appendingPathComponent("scripts/make-speech-fixtures.sh").path,
      [url.path, voice, String(speed), "quiet", text], environment: ["SOX_OPTS": "-R"])
    return url
  }

  /// `source` converted by sox, with output options such as `-c 2` or `-r 44100`.
  static func convert(_ source: URL, _ options: [String], to name: String, in directory: URL) async throws
    -> URL
  {
    let url = directory.appendingPathComponent(name)
    try await run("/usr/bin/sox", [source.path] + options + [url.path])
    return url
  }

  /// Runs a tool and throws with what it printed when it fails.
  static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:])
    async throws
  {
    let result = try await ExternalTool.run(executable, arguments, environment: environment)
    guard result.status == 0 else {
      throw DBusError(.failed, "\(executable) \(arguments) exited with \(result.status): \(result.error)")
    }
  }

  /// The read end of a pipe whose writer sends `data` from a thread of its own, then closes
  /// its end unless `keepOpen`; the returned handle keeps a held-open writer alive. The service
  /// may close its end before the writer is done (a stream over its length limit): the writer then
  /// stops, and SIGPIPE, which would end the whole test process, is ignored.
  static func stream(_ data: Data, keepOpen: Bool = false) throws -> (
    audio: DBusFileDescriptor, writer: FileHandle
  ) {
    signal(SIGPIPE, SIG_IGN)
    let pipe = try ChildProcess.makePipe()
    let audio = try DBusFileDescriptor(duplicating: pipe.read.fileDescriptor)
    try pipe.read.close()
    let writer = pipe.write
    let done = DispatchSemaphore(value: 0)
    Thread {
      try? writer.write(contentsOf: data)
      if !keepOpen { try? writer.close() }
      done.signal()
    }.start()
    if keepOpen { done.wait() }
    return (audio, writer)
  }
}

/// The voice service with speech on a private bus, and a client.
struct SpeechService {
  let bus: PrivateBus
  let server: DBusConnection
  let client: DBusConnection
  let proxy: DBusProxy

  /// Starts the service with `speech` (the suite's shared engine by default).
  init(speech: SpeechEngine? = nil, fileCallers: Set<UInt32> = VoiceService.defaultFileCallers) async throws {
    bus = try PrivateBus()
    server = try bus.connect()
    client = try bus.connect()
    let engine = try VoiceEngine(configuration: .init(intentsDirectory: SpeechFixtures.intentsDirectory))
    let service = VoiceService(
      engine: engine, speech: try speech ?? SpeechFixtures.sharedSpeech.get(), fileCallers: fileCallers,
      logger: Logger(label: "test.voice"))
    for object in service.definition.objects { try server.export(object.interfaces, at: object.path) }
    _ = try await server.requestName(VoiceService.busName)
    proxy = DBusProxy(
      connection: client, destination: VoiceService.busName, path: VoiceService.path,
      interface: VoiceService.interfaceName)
  }

  /// `RecognizeFile(path, seat, dialogue)`.
  func recognizeFile(_ url: URL, seat: String = "driver", dialogue: String = "") async throws -> Recognized {
    try Recognized(
      try await proxy.call("RecognizeFile", [.string(url.path), .string(seat), .string(dialogue)]))
  }

  /// `Recognize(fd, seat, dialogue)`.
  func recognize(_ audio: DBusFileDescriptor, seat: String = "driver", dialogue: String = "") async throws
    -> Recognized
  {
    try Recognized(
      try await proxy.call(
        "Recognize", [.unixFD(audio), .string(seat), .string(dialogue)], timeout: .seconds(60)))
  }

  /// Subscribes to one of the service's signals.
  func signals(_ member: MemberName) async throws -> AsyncStream<DBusMessage> {
    try await proxy.signals(member)
  }
}

/// A decoded `Recognize` or `RecognizeFile` reply.
struct Recognized {
  var transcript: String
  var confidence: Double
  var intents: [String]

  init(_ reply: [DBusValue]) throws {
    guard reply.count == 3, case .string(let transcript) = reply[0], case .double(let confidence) = reply[1],
      case .array(_, let intents) = reply[2]
    else { throw DBusError(.invalidArgs, "unexpected reply \(reply)") }
    self.transcript = transcript
    self.confidence = confidence
    self.intents = intents.compactMap { intent in
      guard case .structure(let fields) = intent, case .string(let name)? = fields.first else { return nil }
      return name
    }
  }
}

/// Expects `body` to fail with `org.cabin.Voice1.Error.NAME` and a message containing `words`.
func expectError(
  _ name: String, containing words: String, sourceLocation: SourceLocation = #_sourceLocation,
  _ body: () async throws -> Void
) async {
  do {
    try await body()
    Issue.record("expected org.cabin.Voice1.Error.\(name)", sourceLocation: sourceLocation)
  } catch let error as DBusError {
    #expect(
      error.name.rawValue == "org.cabin.Voice1.Error.\(name)", "\(error)", sourceLocation: sourceLocation)
    #expect(error.message.contains(words), "\(error)", sourceLocation: sourceLocation)
  } catch {
    Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
  }
}
