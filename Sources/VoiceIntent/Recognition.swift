import CabinDBus
import Foundation
import IntentUnderstanding
import Logging
import SpeechRecognition
import Synchronization

/// Runs `Recognize` and `RecognizeFile`: admission, reading, recognition and understanding, with
/// the `State` property and the service's signals.
///
/// `State` is `processing` while any recognition decodes, else `listening` while any reads its
/// audio or a listening session is open, else `idle`; each change goes out in `PropertiesChanged`
/// before the call's reply.
final class Recognition: Sendable {
  private struct Activity {
    var listening = 0
    var processing = 0
    /// Open listening sessions; they do not count against the limit of recognitions at once.
    var sessions = 0

    var state: String {
      processing > 0 ? "processing" : listening > 0 || sessions > 0 ? "listening" : "idle"
    }
  }

  private enum Phase {
    case listening, processing
  }

  let engine: VoiceEngine
  let speech: SpeechEngine?
  let logger: Logger
  /// The exported interface, set once it exists (its handlers are built before it).
  let interface = Mutex<DBusInterface?>(nil)
  private let activity = Mutex(Activity())

  init(engine: VoiceEngine, speech: SpeechEngine?, logger: Logger) {
    self.engine = engine
    self.speech = speech
    self.logger = logger
  }

  /// Recognises the audio from `source` and answers `(transcript, confidence, intents)`; a failure
  /// is also announced in `RecognitionFailed`.
  func recognize(_ source: AudioSource, seat: String, dialogue: String) async throws -> [DBusValue] {
    do {
      return try await run(source, seat: seat, dialogue: dialogue)
    } catch {
      let reply = (error as? any DBusErrorConvertible)?.dbusError ?? DBusError(.failed, "\(error)")
      logger.info(
        "recognition failed", metadata: ["error.name": "\(reply.name)", "error.message": "\(reply.message)"])
      emit(
        "RecognitionFailed",
        [.string(seat), .string(dialogue), .string(reply.name.rawValue), .string(reply.message)])
      throw error
    }
  }

  /// Sends one of the interface's signals; a failure to send is logged, never thrown at a caller.
  func emit(_ signal: MemberName, _ arguments: [DBusValue]) {
    do {
      try interface.withLock { $0 }?.emit(signal, arguments)
    } catch {
      logger.warning("cannot emit a signal", metadata: ["dbus.member": "\(signal)", "error": "\(error)"])
    }
  }

  private func run(_ source: AudioSource, seat: String, dialogue: String) async throws -> [DBusValue] {
    guard let speech else {
      throw VoiceError.speechUnavailable("this voice service runs without speech recognition; use Understand")
    }
    _ = try VoiceEngine.zone(seat: seat)
    try begin(maximum: speech.configuration.limits.maximumConcurrent)
    var phase = Phase.listening
    defer { end(phase) }
    let limits = speech.configuration.limits
    let samples = try await Self.onOwnThread { () throws(VoiceError) in
      try AudioInput.samples(from: source, limits: limits)
    }
    advance()
    phase = .processing
    let heard: HeardAudio
    do {
      heard = try await speech.hear(samples)
    } catch {
      throw VoiceError.speechUnavailable("the recogniser failed: \(error)")
    }
    for hit in heard.wakeWords {
      emit("WakeWordDetected", [.string(seat), .double(hit.start)])
    }
    return try deliver(heard, seat: seat, dialogue: dialogue)
  }

  /// Understands what was heard and sends `IntentsRecognized`; answers `(transcript, confidence,
  /// intents)`, empty when nothing was recognised.
  func deliver(_ heard: HeardAudio, seat: String, dialogue: String) throws(VoiceError) -> [DBusValue] {
    let transcript = heard.transcript
    logger.debug(
      "heard",
      metadata: [
        "speech.text": "\(transcript.text)", "speech.search": "\(transcript.search)",
        "speech.rtf": "\(transcript.realTimeFactor)", "speech.wake": "\(heard.wakeWords.count)",
      ])
    guard !transcript.text.isEmpty else {
      return [.string(""), .double(0), IntentEncoding.encode([])]
    }
    let understanding = try engine.understand(transcript.text, seat: seat, dialogue: dialogue)
    let intents = IntentEncoding.encode(understanding.intents)
    emit(
      "IntentsRecognized",
      [.string(transcript.text), .double(transcript.confidence), .string(seat), .string(dialogue), intents])
    return [.string(transcript.text), .double(transcript.confidence), intents]
  }

  /// Counts an open listening session as listening in `State` until `sessionClosed()`.
  func sessionOpened() {
    change { $0.sessions += 1 }
  }

  /// Ends what `sessionOpened()` began.
  func sessionClosed() {
    change { $0.sessions -= 1 }
  }

  /// Runs `body` counted as processing in `State`.
  func processing<T>(_ body: () throws -> T) rethrows -> T {
    change { $0.processing += 1 }
    defer { change { $0.processing -= 1 } }
    return try body()
  }

  private func begin(maximum: Int) throws(VoiceError) {
    try activity.withLock { (activity) throws(VoiceError) in
      guard activity.listening + activity.processing < maximum else {
        throw VoiceError.busy("\(maximum) recognitions are already in progress; try again shortly")
      }
      activity.listening += 1
      publish(activity.state)
    }
  }

  private func advance() {
    change { activity in
      activity.listening -= 1
      activity.processing += 1
    }
  }

  private func end(_ phase: Phase) {
    change { activity in
      switch phase {
      case .listening: activity.listening -= 1
      case .processing: activity.processing -= 1
      }
    }
  }

  /// Applies `update` to the activity and publishes the state it leaves, under one lock.
  private func change(_ update: (inout Activity) -> Void) {
    activity.withLock { activity in
      update(&activity)
      publish(activity.state)
    }
  }

  /// Stores `State`; called with the activity lock held, so changes go out in order.
  private func publish(_ state: String) {
    do {
      try interface.withLock { $0 }?.setProperty("State", .string(state))
    } catch {
      logger.warning("cannot publish State", metadata: ["voice.state": "\(state)", "error": "\(error)"])
    }
  }

  /// Runs blocking reads on a thread of their own, so a slow writer holds neither the
  /// connection's thread nor the concurrency pool.
  private static func onOwnThread<T: Sendable>(
    _ body: @escaping @Sendable () throws(VoiceError) -> T
  ) async throws(VoiceError) -> T {
    let result = await withCheckedContinuation {
      (continuation: CheckedContinuation<Result<T, VoiceError>, Never>) in
      Thread {
        continuation.resume(returning: Result { () throws(VoiceError) in try body() })
      }.start()
    }
    return try result.get()
  }
}
