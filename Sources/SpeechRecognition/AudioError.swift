import Foundation

/// Audio Cabin cannot decode: the source, and the rule it breaks.
public struct AudioFormatError: Error, Equatable, CustomStringConvertible {
  /// What is wrong with the audio.
  public enum Problem: Equatable, Sendable {
    /// The file does not start with a RIFF/WAVE header.
    case notRIFFWave
    /// A chunk or the header ends before its declared size.
    case truncated(String)
    /// No `fmt ` chunk before the `data` chunk.
    case missingFormat
    /// No `data` chunk.
    case missingData
    /// The encoding is not integer PCM (the WAVE format tag found).
    case unsupportedEncoding(formatTag: UInt16)
    /// The sample rate is not 16 kHz.
    case unsupportedSampleRate(UInt32)
    /// The audio is not mono.
    case unsupportedChannelCount(UInt16)
    /// Samples are not 16 bits.
    case unsupportedBitDepth(UInt16)
    /// A stream ended inside a sample (an odd number of bytes).
    case oddByteCount(Int)
    /// Reading failed with this `errno`.
    case readFailed(errno: Int32)
  }

  /// The file path or stream name.
  public var source: String
  /// The rule broken.
  public var problem: Problem

  /// Creates an error for `source`.
  public init(source: String, problem: Problem) {
    self.source = source
    self.problem = problem
  }

  /// The source and the problem, with the format Cabin expects where it applies.
  public var description: String {
    let expected = "expected 16 kHz mono 16-bit PCM"
    let detail: String
    switch problem {
    case .notRIFFWave: detail = "not a RIFF/WAVE file"
    case .truncated(let part): detail = "truncated: \(part) ends early"
    case .missingFormat: detail = "no 'fmt ' chunk before the 'data' chunk"
    case .missingData: detail = "no 'data' chunk"
    case .unsupportedEncoding(let tag): detail = "format tag \(tag) is not integer PCM; \(expected)"
    case .unsupportedSampleRate(let rate): detail = "sample rate \(rate) Hz; \(expected)"
    case .unsupportedChannelCount(let count): detail = "\(count) channels; \(expected)"
    case .unsupportedBitDepth(let bits): detail = "\(bits)-bit samples; \(expected)"
    case .oddByteCount(let count): detail = "\(count) bytes is not a whole number of 16-bit samples"
    case .readFailed(let code): detail = "read failed: \(String(cString: strerror(code)))"
    }
    return "\(source): \(detail)"
  }
}
