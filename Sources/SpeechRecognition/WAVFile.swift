public import Foundation

/// Reads RIFF/WAVE files holding 16 kHz mono 16-bit little-endian PCM, the recogniser's input.
///
/// Chunks may come in any order as long as `fmt ` precedes `data`; unknown chunks are skipped.
/// `WAVE_FORMAT_EXTENSIBLE` is accepted when its sub-format is PCM.
public enum WAVFile {
  /// The sample rate the recogniser's acoustic model expects.
  public static let sampleRate = 16_000

  private static let pcmTag: UInt16 = 1
  private static let extensibleTag: UInt16 = 0xFFFE

  /// Reads the samples of the file at `url`.
  /// - Throws: `AudioFormatError` naming the file and the problem, or the file system's error.
  public static func samples(contentsOf url: URL) throws -> [Int16] {
    try samples(from: Data(contentsOf: url), source: url.path)
  }

  /// Reads the samples of WAV bytes; `source` names them in errors.
  ///
  /// With `lengthMayBeUnknown`, a `data` chunk that claims more bytes than there are runs to the
  /// end: a writer streaming into a pipe (`sox ... -t wav -`, `arecord -t wav`) cannot go back to
  /// fill in the length and leaves a placeholder such as 0x7FFFF000. A file must be whole.
  public static func samples(from data: Data, source: String, lengthMayBeUnknown: Bool = false) throws
    -> [Int16]
  {
    let bytes = [UInt8](data)
    let chunk = try dataChunk(in: bytes, source: source, lengthMayBeUnknown: lengthMayBeUnknown)
    guard chunk.count % 2 == 0 else {
      throw AudioFormatError(source: source, problem: .oddByteCount(chunk.count))
    }
    return stride(from: chunk.lowerBound, to: chunk.upperBound, by: 2).map {
      Int16(bitPattern: uint16(bytes, $0))
    }
  }

  /// 16-bit little-endian samples from raw bytes, two bytes each; an odd last byte is left out,
  /// for the caller to report or keep.
  public static func samples(littleEndian bytes: ArraySlice<UInt8>) -> [Int16] {
    stride(from: bytes.startIndex, to: bytes.endIndex - 1, by: 2).map {
      Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8)
    }
  }

  /// Where the samples of a WAV stream start, once `bytes`, its first bytes, hold the whole header:
  /// nil while they end inside it. The stream's data chunk runs to the stream's end, whatever
  /// length it claims (as with `lengthMayBeUnknown`).
  /// - Throws: `AudioFormatError` when the header is not RIFF/WAVE or the format is not 16 kHz
  ///   mono 16-bit PCM.
  public static func samplesStart(inStreamPrefix bytes: [UInt8], source: String) throws -> Int? {
    do {
      return try dataChunk(in: bytes, source: source, lengthMayBeUnknown: true).lowerBound
    } catch let error as AudioFormatError {
      switch error.problem {
      case .truncated, .missingData: return nil
      default: throw error
      }
    }
  }

  /// The byte range of the `data` chunk's body, after checking the `fmt ` chunk before it.
  private static func dataChunk(in bytes: [UInt8], source: String, lengthMayBeUnknown: Bool) throws
    -> Range<Int>
  {
    func fail(_ problem: AudioFormatError.Problem) -> AudioFormatError {
      AudioFormatError(source: source, problem: problem)
    }
    guard bytes.count >= 12, tag(bytes, 0) == "RIFF", tag(bytes, 8) == "WAVE" else {
      throw fail(
        bytes.count < 12 && bytes.starts(with: Array("RIFF".utf8)) ? .truncated("header") : .notRIFFWave)
    }
    var offset = 12
    var formatSeen = false
    while offset + 8 <= bytes.count {
      let id = tag(bytes, offset)
      let body = offset + 8
      var size = Int(uint32(bytes, offset + 4))
      if size > bytes.count - body {
        guard id == "data" && lengthMayBeUnknown else { throw fail(.truncated("'\(id)' chunk")) }
        size = bytes.count - body
      }
      switch id {
      case "fmt ":
        guard size >= 16 else { throw fail(.truncated("'fmt ' chunk")) }
        try checkFormat(bytes, at: body, size: size, fail: fail)
        formatSeen = true
      case "data":
        guard formatSeen else { throw fail(.missingFormat) }
        return body..<body + size
      default:
        break
      }
      offset = body + size + size % 2
    }
    throw fail(offset < bytes.count ? .truncated("chunk header") : .missingData)
  }

  private static func checkFormat(
    _ bytes: [UInt8], at body: Int, size: Int, fail: (AudioFormatError.Problem) -> AudioFormatError
  ) throws {
    var formatTag = uint16(bytes, body)
    if formatTag == extensibleTag {
      guard size >= 40 else { throw fail(.truncated("'fmt ' extensible chunk")) }
      formatTag = uint16(bytes, body + 24)
    }
    guard formatTag == pcmTag else { throw fail(.unsupportedEncoding(formatTag: formatTag)) }
    let channels = uint16(bytes, body + 2)
    guard channels == 1 else { throw fail(.unsupportedChannelCount(channels)) }
    let rate = uint32(bytes, body + 4)
    guard rate == UInt32(sampleRate) else { throw fail(.unsupportedSampleRate(rate)) }
    let bits = uint16(bytes, body + 14)
    guard bits == 16 else { throw fail(.unsupportedBitDepth(bits)) }
  }

  /// WAV bytes for `samples` (16 kHz mono 16-bit PCM), as test fixtures and tools write them.
  public static func data(samples: [Int16]) -> Data {
    var bytes: [UInt8] = Array("RIFF".utf8)
    append(UInt32(36 + samples.count * 2), to: &bytes)
    bytes += Array("WAVEfmt ".utf8)
    append(UInt32(16), to: &bytes)
    append(pcmTag, to: &bytes)
    append(UInt16(1), to: &bytes)
    append(UInt32(sampleRate), to: &bytes)
    append(UInt32(sampleRate * 2), to: &bytes)
    append(UInt16(2), to: &bytes)
    append(UInt16(16), to: &bytes)
    bytes += Array("data".utf8)
    append(UInt32(samples.count * 2), to: &bytes)
    for sample in samples { append(UInt16(bitPattern: sample), to: &bytes) }
    return Data(bytes)
  }

  private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
  }

  private static func tag(_ bytes: [UInt8], _ offset: Int) -> String {
    String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
  }

  private static func uint16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
    UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
  }

  private static func uint32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
    UInt32(uint16(bytes, offset)) | UInt32(uint16(bytes, offset + 2)) << 16
  }
}
