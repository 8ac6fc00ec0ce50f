import CabinDBus
import Foundation
import SpeechRecognition

#if canImport(Glibc)
  import Glibc
#endif

/// Bounds on the audio `Recognize` and `RecognizeFile` accept.
///
/// - `maximumDuration`: the longest audio accepted, in seconds (30); longer audio is refused
///   with `AudioTooLong` as soon as the bytes read exceed it.
/// - `streamTimeout`: how long a descriptor may take to reach end of file, from the call (35 s);
///   a writer that stalls or never closes its end gets `Timeout`.
/// - `maximumConcurrent`: recognitions in progress at once (4); more get `Busy`.
public struct AudioLimits: Sendable, Equatable {
  /// The longest audio accepted, in seconds.
  public var maximumDuration: Double
  /// The time a stream has to end.
  public var streamTimeout: Duration
  /// Recognitions in progress at once.
  public var maximumConcurrent: Int

  /// Creates limits; every parameter has the documented default.
  public init(
    maximumDuration: Double = 30, streamTimeout: Duration = .seconds(35), maximumConcurrent: Int = 4
  ) {
    self.maximumDuration = maximumDuration
    self.streamTimeout = streamTimeout
    self.maximumConcurrent = maximumConcurrent
  }

  /// The most bytes read: the samples of `maximumDuration` plus room for a WAV header.
  var maximumBytes: Int { Int(maximumDuration * Double(WAVFile.sampleRate)) * 2 + 4_096 }
}

/// Where the audio of one recognition comes from.
enum AudioSource: Sendable {
  /// A WAV file the service opens itself.
  case path(String)
  /// A descriptor passed in the call: a WAV stream or raw samples.
  case stream(DBusFileDescriptor)
}

/// Reads audio with the bounds of `AudioLimits` and turns it into 16 kHz mono samples. Every
/// function blocks the calling thread: callers run them on a thread of their own.
enum AudioInput {
  /// Container signatures that are certainly not raw PCM, with the format's name.
  private static let foreignSignatures: [(bytes: [UInt8], format: String)] = [
    (Array("OggS".utf8), "Ogg"), (Array("fLaC".utf8), "FLAC"), (Array("ID3".utf8), "MP3"),
    (Array("FORM".utf8), "AIFF"),
  ]

  /// The error for a stream whose first `bytes` are a container format's, certainly not raw PCM.
  static func foreignFormatError(_ bytes: [UInt8], source: String) -> VoiceError? {
    guard let foreign = foreignSignatures.first(where: { bytes.starts(with: $0.bytes) }) else { return nil }
    return .unsupportedAudioFormat(
      "\(source) looks like \(foreign.format); expected a WAV stream or raw 16 kHz mono 16-bit PCM")
  }

  /// The samples from `source`.
  static func samples(from source: AudioSource, limits: AudioLimits) throws(VoiceError) -> [Int16] {
    switch source {
    case .path(let path):
      let bytes = try readFile(path, limits: limits)
      return try decode(bytes, source: path, streamed: false)
    case .stream(let descriptor):
      let name = "the audio stream"
      let bytes = try read(descriptor.rawValue, source: name, limits: limits)
      return try decode(bytes, source: name, streamed: true)
    }
  }

  /// Reads a regular file by absolute path.
  static func readFile(_ path: String, limits: AudioLimits) throws(VoiceError) -> [UInt8] {
    guard path.hasPrefix("/") else {
      throw VoiceError.cannotReadAudio(
        "'\(path)' is not an absolute path; the service has its own working directory")
    }
    // O_NONBLOCK so that opening a FIFO cannot wait for a writer; regular files ignore it.
    let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard descriptor >= 0 else {
      throw VoiceError.cannotReadAudio("cannot open \(path): \(String(cString: strerror(errno)))")
    }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
      throw VoiceError.cannotReadAudio("\(path) is not a regular file")
    }
    guard status.st_size <= limits.maximumBytes else {
      throw VoiceError.audioTooLong(
        "\(path): \(status.st_size) bytes is more than \(Int(limits.maximumDuration)) s of 16 kHz mono 16-bit audio"
      )
    }
    return try read(descriptor, source: path, limits: limits)
  }

  /// Reads `descriptor` to end of file, waiting for data with `poll` so the deadline holds even
  /// when the writer stalls.
  static func read(_ descriptor: Int32, source: String, limits: AudioLimits) throws(VoiceError) -> [UInt8] {
    let deadline = ContinuousClock.now + limits.streamTimeout
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 64 * 1_024)
    while true {
      let remaining = deadline - ContinuousClock.now
      guard remaining > .zero else {
        throw VoiceError.timeout(
          "\(source) did not end within \(limits.streamTimeout) (\(bytes.count) bytes read); close the writing end when the audio is complete"
        )
      }
      let milliseconds = Int32(clamping: remaining.components.seconds * 1_000 + 1)
      guard let count = try readAvailable(descriptor, into: &buffer, waiting: milliseconds, source: source)
      else { continue }
      if count == 0 { return bytes }
      bytes += buffer[0..<count]
      guard bytes.count <= limits.maximumBytes else {
        throw VoiceError.audioTooLong(
          "\(source) holds more than \(Int(limits.maximumDuration)) s of 16 kHz mono 16-bit audio")
      }
    }
  }

  /// Waits up to `milliseconds` for `descriptor` to be readable and reads what it has into
  /// `buffer`: the count read, 0 at end of file, or nil when nothing came (the wait ran out, or a
  /// signal cut it short). The descriptor's flags are left alone: its writer may share them.
  static func readAvailable(
    _ descriptor: Int32, into buffer: inout [UInt8], waiting milliseconds: Int32, source: String
  ) throws(VoiceError) -> Int? {
    var ready = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
    let polled = poll(&ready, 1, milliseconds)
    if polled < 0, errno == EINTR { return nil }
    guard polled >= 0, ready.revents & Int16(POLLNVAL) == 0 else {
      throw VoiceError.cannotReadAudio("\(source): the descriptor cannot be polled")
    }
    if polled == 0 { return nil }
    let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
    if count < 0 {
      if errno == EINTR || errno == EAGAIN { return nil }
      throw VoiceError.cannotReadAudio("\(source): read failed: \(String(cString: strerror(errno)))")
    }
    return count
  }

  /// Samples from WAV bytes; a stream may also carry raw 16-bit little-endian PCM (bytes that
  /// do not start with `RIFF`), or a WAV header whose data length its writer could not know.
  static func decode(_ bytes: [UInt8], source: String, streamed: Bool) throws(VoiceError) -> [Int16] {
    guard !bytes.isEmpty else { throw VoiceError.emptyAudio("\(source) is empty") }
    let samples: [Int16]
    if bytes.starts(with: Array("RIFF".utf8)) || !streamed {
      do {
        samples = try WAVFile.samples(from: Data(bytes), source: source, lengthMayBeUnknown: streamed)
      } catch {
        throw Self.voiceError(error)
      }
    } else {
      if let error = foreignFormatError(bytes, source: source) { throw error }
      guard bytes.count % 2 == 0 else {
        throw VoiceError.invalidAudio(
          AudioFormatError(source: source, problem: .oddByteCount(bytes.count)).description)
      }
      samples = WAVFile.samples(littleEndian: bytes[...])
    }
    guard !samples.isEmpty else { throw VoiceError.emptyAudio("\(source) holds no samples") }
    return samples
  }

  /// The service's error for a WAV parsing failure.
  private static func voiceError(_ error: any Error) -> VoiceError {
    guard let error = error as? AudioFormatError else { return .invalidAudio("\(error)") }
    switch error.problem {
    case .notRIFFWave, .unsupportedEncoding, .unsupportedSampleRate, .unsupportedChannelCount,
      .unsupportedBitDepth:
      return .unsupportedAudioFormat(error.description)
    case .truncated, .missingFormat, .missingData, .oddByteCount:
      return .invalidAudio(error.description)
    case .readFailed:
      return .cannotReadAudio(error.description)
    }
  }
}
