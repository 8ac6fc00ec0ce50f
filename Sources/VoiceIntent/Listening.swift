import CabinDBus
import Foundation
import Logging
import SpeechRecognition
import Synchronization

/// `StartListening` and `StopListening`: sessions that each read a live stream, such as a
/// microphone's, on a thread of their own until it ends or is stopped. A `StreamSegmenter` finds
/// the wake phrase and the command after it; each phrase goes out in `WakeWordDetected` once its
/// utterance ends, each command's intents in `IntentsRecognized`, and the session's end in
/// `ListeningEnded`. A seat has at most one session.
final class Listening: Sendable {
  private final class Session: Sendable {
    let seat: String
    let stopped = Atomic(false)

    init(seat: String) { self.seat = seat }
  }

  /// How long a read waits before it looks at the stop flag again, in milliseconds.
  private static let pollMilliseconds: Int32 = 200
  /// The most bytes a WAV stream's header may take.
  private static let longestHeader = 4_096

  private let recognition: Recognition
  private let sessions = Mutex<[String: Session]>([:])
  private let lastID = Atomic(0)

  init(recognition: Recognition) {
    self.recognition = recognition
  }

  /// Opens a session for `seat` reading `audio`, and answers its id.
  func start(_ audio: DBusFileDescriptor, seat: String, dialogue: String) throws(VoiceError) -> String {
    guard let speech = recognition.speech else {
      throw VoiceError.speechUnavailable("this voice service runs without speech recognition; use Understand")
    }
    _ = try VoiceEngine.zone(seat: seat)
    let id = String(lastID.add(1, ordering: .relaxed).newValue)
    let session = Session(seat: seat)
    try sessions.withLock { (sessions) throws(VoiceError) in
      if let (other, _) = sessions.first(where: { $0.value.seat == seat }) {
        throw VoiceError.busy(
          "seat '\(seat)' already has listening session \(other); stop it or close its stream first")
      }
      sessions[id] = session
    }
    recognition.sessionOpened()
    recognition.logger.info("listening", metadata: ["voice.session": "\(id)", "voice.seat": "\(seat)"])
    Thread {
      self.run(id: id, session: session, audio: audio, dialogue: dialogue, speech: speech)
    }.start()
    return id
  }

  /// Asks session `id` to stop; it ends within a fraction of a second, with `ListeningEnded`.
  func stop(_ id: String) throws(VoiceError) {
    guard let session = sessions.withLock({ $0[id] }) else {
      throw VoiceError.unknownSession("no listening session has the id '\(id)'")
    }
    session.stopped.store(true, ordering: .relaxed)
  }

  private func run(
    id: String, session: Session, audio: DBusFileDescriptor, dialogue: String, speech: SpeechEngine
  ) {
    let ending: (error: String, message: String)
    do {
      ending = try listen(session: session, audio: audio, dialogue: dialogue, speech: speech)
    } catch {
      ending = (error.dbusError.name.rawValue, error.dbusError.message)
    }
    sessions.withLock { $0[id] = nil }
    recognition.sessionClosed()
    recognition.logger.info(
      "listening ended",
      metadata: [
        "voice.session": "\(id)", "error.name": "\(ending.error)", "error.message": "\(ending.message)",
      ])
    recognition.emit(
      "ListeningEnded", [.string(id), .string(session.seat), .string(ending.error), .string(ending.message)])
  }

  /// Reads the stream until it ends or the session is stopped; answers how it ended.
  private func listen(session: Session, audio: DBusFileDescriptor, dialogue: String, speech: SpeechEngine)
    throws(VoiceError) -> (error: String, message: String)
  {
    var stream = SampleStream()
    var segmenter = StreamSegmenter()
    var buffer = [UInt8](repeating: 0, count: 8_192)
    let spot = { (utterance: [Int16]) throws(VoiceError) -> [WakeWordHit] in
      do {
        return try speech.spotBlocking(utterance)
      } catch {
        throw VoiceError.speechUnavailable("the recogniser failed: \(error)")
      }
    }
    while !session.stopped.load(ordering: .relaxed) {
      guard
        let count = try AudioInput.readAvailable(
          audio.rawValue, into: &buffer, waiting: Self.pollMilliseconds, source: "the audio stream")
      else { continue }
      if count == 0 {
        try stream.finish()
        let events = try segmenter.finish(spot: spot)
        try handle(events, seat: session.seat, dialogue: dialogue, speech: speech)
        return ("", String(format: "the stream ended after %.1f s of audio", segmenter.duration))
      }
      let samples = try stream.samples(from: buffer[0..<count])
      let events = try segmenter.append(samples, spot: spot)
      try handle(events, seat: session.seat, dialogue: dialogue, speech: speech)
    }
    return ("", String(format: "StopListening was called after %.1f s of audio", segmenter.duration))
  }

  /// Announces each spotted phrase, and recognises and delivers each command. A command that
  /// cannot be understood is reported in `RecognitionFailed` and the session goes on.
  private func handle(_ events: [StreamSegmenter.Event], seat: String, dialogue: String, speech: SpeechEngine)
    throws(VoiceError)
  {
    for event in events {
      switch event {
      case .wakePhrase(let hit):
        recognition.emit("WakeWordDetected", [.string(seat), .double(hit.start)])
      case .command(_, let samples, _):
        let heard: HeardAudio
        do {
          heard = try recognition.processing { try speech.hearBlocking(samples) }
        } catch {
          throw VoiceError.speechUnavailable("the recogniser failed: \(error)")
        }
        do {
          _ = try recognition.deliver(heard, seat: seat, dialogue: dialogue)
        } catch {
          let reply = error.dbusError
          recognition.emit(
            "RecognitionFailed",
            [.string(seat), .string(dialogue), .string(reply.name.rawValue), .string(reply.message)])
        }
      }
    }
  }

  /// A live stream's bytes as samples: a WAV header, which must say 16 kHz mono 16-bit PCM, then
  /// its samples, or raw 16-bit little-endian samples from the first byte.
  private struct SampleStream {
    /// The first bytes, kept until they tell the format; nil once they have.
    private var prefix: [UInt8]? = []
    /// The first byte of a sample split between two reads.
    private var pending: UInt8?

    mutating func samples(from bytes: ArraySlice<UInt8>) throws(VoiceError) -> [Int16] {
      guard var prefix else { return pcm(bytes) }
      prefix += bytes
      guard prefix.count >= 4 else {
        self.prefix = prefix
        return []
      }
      let source = "the audio stream"
      if prefix.starts(with: Array("RIFF".utf8)) {
        let start: Int?
        do {
          start = try WAVFile.samplesStart(inStreamPrefix: prefix, source: source)
        } catch {
          throw VoiceError.unsupportedAudioFormat("\(error)")
        }
        guard let start else {
          guard prefix.count <= Listening.longestHeader else {
            throw VoiceError.invalidAudio(
              "\(source): no 'data' chunk in its first \(Listening.longestHeader) bytes")
          }
          self.prefix = prefix
          return []
        }
        self.prefix = nil
        return pcm(prefix[start...])
      }
      if let error = AudioInput.foreignFormatError(prefix, source: source) { throw error }
      self.prefix = nil
      return pcm(prefix[...])
    }

    /// Checks the stream's end: a header left unfinished, or a sample cut in half.
    mutating func finish() throws(VoiceError) {
      if let prefix, !prefix.isEmpty {
        throw VoiceError.invalidAudio("the audio stream ended after \(prefix.count) bytes, inside its header")
      }
      if pending != nil {
        throw VoiceError.invalidAudio("the audio stream ended inside a 16-bit sample")
      }
    }

    private mutating func pcm(_ bytes: ArraySlice<UInt8>) -> [Int16] {
      let joined = (pending.map { [$0] } ?? []) + bytes
      pending = joined.count % 2 == 1 ? joined.last : nil
      return WAVFile.samples(littleEndian: joined[...])
    }
  }
}
