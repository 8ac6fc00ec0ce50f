import CabinDBus
import CabinService
import CabinTestKit
import Foundation
import SpeechRecognition
import Testing
import VoiceIntent

/// `StartListening` and `StopListening` on a private bus: a live stream through a pipe, espeak-ng
/// commands in it, and the signals they give.
@Suite("Live listening through the voice service on a private bus", .serialized, .timeLimit(.minutes(3)))
struct ListeningTests {
  /// `StartListening(audio, seat, dialogue)`: the session id.
  private static func start(
    _ service: SpeechService, _ audio: DBusFileDescriptor, seat: String = "driver", dialogue: String = ""
  ) async throws -> String {
    let reply = try await service.proxy.call(
      "StartListening", [.unixFD(audio), .string(seat), .string(dialogue)])
    guard case .string(let session)? = reply.first else { throw DBusError(.invalidArgs, "reply \(reply)") }
    return session
  }

  /// The first `count` messages of `stream`, or fewer if `timeout` passes first.
  private static func messages(
    _ count: Int, of stream: AsyncStream<DBusMessage>, within timeout: Duration = .seconds(60)
  ) async -> [DBusMessage] {
    await withTaskGroup(of: [DBusMessage]?.self) { group in
      group.addTask { await Array(stream.prefix(count).reduce(into: []) { $0.append($1) }) }
      group.addTask {
        try? await Task.sleep(for: timeout)
        return nil
      }
      let first = await group.next() ?? nil
      group.cancelAll()
      return first ?? []
    }
  }

  /// The read end of a pipe whose writer, on a thread of its own, sends `data` and then holds its
  /// end open until the returned semaphore is signalled: a live source that has said everything.
  private static func liveStream(_ data: Data) throws -> (audio: DBusFileDescriptor, end: DispatchSemaphore) {
    signal(SIGPIPE, SIG_IGN)
    let pipe = try ChildProcess.makePipe()
    let audio = try DBusFileDescriptor(duplicating: pipe.read.fileDescriptor)
    try pipe.read.close()
    let end = DispatchSemaphore(value: 0)
    Thread {
      try? pipe.write.write(contentsOf: data)
      end.wait()
      try? pipe.write.close()
    }.start()
    return (audio, end)
  }

  /// `seconds` of the fixtures' faint noise floor.
  private static func noise(seconds: Double, in directory: URL) async throws -> [Int16] {
    let url = directory.appendingPathComponent("\(UUID().uuidString).wav")
    try await SpeechFixtures.run(
      "/usr/bin/sox",
      [
        "-R", "-n", "-r", "16000", "-c", "1", "-b", "16", url.path, "synth", "\(seconds)", "brownnoise",
        "vol", "0.01",
      ])
    return try WAVFile.samples(contentsOf: url)
  }

  /// Two commands after the wake phrase, in voices and speeds whose phrase the recogniser spots,
  /// between stretches of noise; and where each clip starts, in seconds (its "hey" comes 0.5 s later).
  private static func twoCommands(in directory: URL) async throws -> (samples: [Int16], starts: [Double]) {
    let first = try WAVFile.samples(
      contentsOf: await SpeechFixtures.clip(
        "hey cabin, open the window", voice: "en-us+f2", speed: 160, in: directory))
    let second = try WAVFile.samples(
      contentsOf: await SpeechFixtures.clip(
        "hey cabin, how is the forecast", voice: "en-us", speed: 150, in: directory))
    let lead = try await Self.noise(seconds: 1.7, in: directory)
    let gap = try await Self.noise(seconds: 2.5, in: directory)
    let starts = [lead.count, lead.count + first.count + gap.count].map { Double($0) / 16_000 }
    return (lead + first + gap + second + gap, starts)
  }

  @Test func eachCommandInALiveStreamIsSignalledAsItIsHeardAndTheSessionEndsWithTheStream() async throws {
    let directory = try SpeechFixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let service = try await SpeechService()
    let wake = try await service.signals("WakeWordDetected")
    let recognized = try await service.signals("IntentsRecognized")
    let ended = try await service.signals("ListeningEnded")
    let (samples, starts) = try await Self.twoCommands(in: directory)
    // A WAV header, as arecord writes into a pipe, then the samples; the writer stays open.
    let (audio, endOfStream) = try Self.liveStream(WAVFile.data(samples: samples))
    let session = try await Self.start(service, audio, seat: "passenger", dialogue: "d1")
    #expect(!session.isEmpty)

    // Both commands are heard while the stream is still open.
    let phrases = await Self.messages(2, of: wake)
    let commands = await Self.messages(2, of: recognized)
    try #require(
      phrases.count == 2 && commands.count == 2, "\(phrases.count) phrases, \(commands.count) commands")
    let offsets = phrases.compactMap { message -> Double? in
      guard message.body.first == .string("passenger"), case .double(let offset)? = message.body.last else {
        return nil
      }
      return offset
    }
    #expect(offsets.count == 2)
    for (offset, start) in zip(offsets, starts) {
      // Each clip holds 0.5 s of noise before "hey".
      #expect(offset > start + 0.3 && offset < start + 1.0, "phrase at \(offset) s in a clip at \(start) s")
    }
    let heard = try commands.map { message in
      #expect(Array(message.body[2...3]) == [.string("passenger"), .string("d1")])
      guard case .string(let text) = message.body[0] else { throw DBusError(.invalidArgs, "\(message.body)") }
      return try (text, Recognized([message.body[0], message.body[1], message.body[4]]).intents)
    }
    #expect(heard.map(\.1) == [["window.open"], ["weather.query"]], "heard \(heard.map(\.0))")

    endOfStream.signal()
    let end = try #require(await Self.messages(1, of: ended).first)
    #expect(Array(end.body[0...2]) == [.string(session), .string("passenger"), .string("")])
    guard case .string(let message) = end.body[3] else { throw DBusError(.invalidArgs, "\(end.body)") }
    #expect(message.hasPrefix("the stream ended after"), "\(message)")
  }

  @Test func cabinListenLivePrintsEachPhraseAndCommandOfStandardInput() async throws {
    let directory = try SpeechFixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let service = try await SpeechService()
    let (samples, _) = try await Self.twoCommands(in: directory)
    let cabin = SpeechFixtures.buildDirectory.appendingPathComponent("cabin").path
    let heard = try await ExternalTool.run(
      cabin, ["listen", "--live", "--bus", service.bus.address, "--seat", "rear_right"],
      input: WAVFile.data(samples: samples))
    #expect(heard.status == 0, "\(heard.error)")
    let lines = heard.output.split(separator: "\n").map(String.init)
    #expect(lines.first?.hasPrefix("listening as session") == true, "\(heard.output)")
    #expect(lines.filter { $0.hasPrefix("wake phrase at") }.count == 2, "\(heard.output)")
    #expect(lines.contains { $0.hasPrefix("window.open  confidence") }, "\(heard.output)")
    #expect(lines.contains { $0.hasPrefix("weather.query  confidence") }, "\(heard.output)")
    #expect(lines.last?.hasPrefix("the stream ended after") == true, "\(heard.output)")

    let refused = try await ExternalTool.run(
      cabin, ["listen", "--live", "--bus", service.bus.address], input: Data("OggS and more".utf8))
    #expect(refused.status != 0)
    #expect(refused.error.contains("org.cabin.Voice1.Error.UnsupportedAudioFormat"), "\(refused.error)")
  }

  @Test func stopListeningEndsASessionAndEachSeatHasOneAtATime() async throws {
    let service = try await SpeechService()
    let ended = try await service.signals("ListeningEnded")
    let (audio, writer) = try SpeechFixtures.stream(Data(), keepOpen: true)
    defer { try? writer.close() }
    let session = try await Self.start(service, audio)
    let (other, otherWriter) = try SpeechFixtures.stream(Data(), keepOpen: true)
    defer { try? otherWriter.close() }
    await expectError("Busy", containing: "session \(session)") {
      _ = try await Self.start(service, other)
    }
    await expectError("InvalidSeat", containing: "boot") {
      _ = try await Self.start(service, other, seat: "boot")
    }
    #expect(try await service.proxy.property("State") == .string("listening"))

    _ = try await service.proxy.call("StopListening", [.string(session)])
    let end = try #require(await Self.messages(1, of: ended, within: .seconds(5)).first)
    #expect(Array(end.body[0...2]) == [.string(session), .string("driver"), .string("")])
    #expect(end.body[3] == .string("StopListening was called after 0.0 s of audio"))
    await expectError("UnknownSession", containing: session) {
      _ = try await service.proxy.call("StopListening", [.string(session)])
    }
    // The seat is free again.
    let again = try await Self.start(service, other)
    #expect(again != session)
    _ = try await service.proxy.call("StopListening", [.string(again)])
  }

  @Test func aStreamInAForeignFormatEndsItsSessionWithTheErrorAndTheServiceStaysUp() async throws {
    let service = try await SpeechService()
    let ended = try await service.signals("ListeningEnded")
    let (ogg, _) = try SpeechFixtures.stream(Data("OggS".utf8) + Data(repeating: 7, count: 4_000))
    let session = try await Self.start(service, ogg, seat: "rear_left")
    let end = try #require(await Self.messages(1, of: ended, within: .seconds(5)).first)
    #expect(
      Array(end.body[0...2])
        == [.string(session), .string("rear_left"), .string("org.cabin.Voice1.Error.UnsupportedAudioFormat")])
    #expect("\(end.body[3])".contains("Ogg"))

    let (cut, _) = try SpeechFixtures.stream(WAVFile.data(samples: [1, 2, 3]).prefix(30))
    let cutSession = try await Self.start(service, cut, seat: "rear_left")
    let cutEnd = try #require(await Self.messages(1, of: ended, within: .seconds(5)).first)
    #expect(
      Array(cutEnd.body[0...2])
        == [.string(cutSession), .string("rear_left"), .string("org.cabin.Voice1.Error.InvalidAudio")])

    let reply = try await service.proxy.call(
      "Understand", [.string("open the sunroof"), .string(""), .string("")])
    #expect(!reply.isEmpty)
    #expect(try await service.proxy.property("State") == .string("idle"))
  }
}
