import Foundation
import SpeechRecognition
import Testing

@Suite struct WAVFileTests {
  private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
  private func le32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8((value >> ($0 * 8)) & 0xFF) } }
  private func le16(_ value: Int) -> [UInt8] { (0..<2).map { UInt8((value >> ($0 * 8)) & 0xFF) } }

  private func formatChunk(tag: Int = 1, channels: Int = 1, rate: Int = 16_000, bits: Int = 16) -> [UInt8] {
    bytes("fmt ") + le32(16) + le16(tag) + le16(channels) + le32(rate) + le32(rate * channels * bits / 8)
      + le16(channels * bits / 8) + le16(bits)
  }

  private func riff(_ chunks: [UInt8]) -> Data {
    Data(bytes("RIFF") + le32(4 + chunks.count) + bytes("WAVE") + chunks)
  }

  private func problem(_ data: Data) -> AudioFormatError.Problem? {
    do {
      _ = try WAVFile.samples(from: data, source: "clip.wav")
      return nil
    } catch let error as AudioFormatError {
      return error.problem
    } catch {
      return nil
    }
  }

  @Test func roundTripsSamplesItWrites() throws {
    let samples: [Int16] = [0, 1, -1, .max, .min, 1234]
    #expect(try WAVFile.samples(from: WAVFile.data(samples: samples), source: "memory") == samples)
  }

  @Test func readsChunksInAnyOrderAndSkipsUnknownOnes() throws {
    let list = bytes("LIST") + le32(5) + bytes("abcde") + [0]
    let data = bytes("data") + le32(4) + le16(7) + le16(0xFFFF)
    let samples = try WAVFile.samples(from: riff(list + formatChunk() + list + data), source: "clip.wav")
    #expect(samples == [7, -1])
  }

  @Test func rejectsFilesThatAreNotRIFFWave() {
    #expect(problem(Data(bytes("ID3\u{3}not a wave file at all"))) == .notRIFFWave)
    #expect(problem(Data(bytes("RIFF") + le32(4) + bytes("AVI "))) == .notRIFFWave)
  }

  @Test func rejectsDataBeforeFormat() {
    #expect(problem(riff(bytes("data") + le32(2) + le16(1) + formatChunk())) == .missingFormat)
  }

  @Test func rejectsTruncatedFiles() {
    let full = [UInt8](riff(formatChunk() + bytes("data") + le32(8) + le16(1) + le16(2) + le16(3) + le16(4)))
    #expect(problem(Data(full.dropLast(3))) == .truncated("'data' chunk"))
    #expect(problem(Data(full.prefix(30))) == .truncated("'fmt ' chunk"))
    #expect(problem(Data(full.prefix(8))) == .truncated("header"))
    #expect(problem(riff(formatChunk())) == .missingData)
  }

  /// A stream's writer may not know the data length; only a stream may run the data chunk to the end.
  @Test func aStreamedDataChunkWithAPlaceholderLengthRunsToTheEnd() throws {
    let streamed = riff(formatChunk() + bytes("data") + le32(0x7FFF_F000) + le16(1) + le16(2) + le16(0xFFFF))
    #expect(try WAVFile.samples(from: streamed, source: "s", lengthMayBeUnknown: true) == [1, 2, -1])
    #expect(problem(streamed) == .truncated("'data' chunk"))
    let odd = riff(formatChunk() + bytes("data") + le32(0x7FFF_F000) + le16(1) + [7])
    #expect(throws: AudioFormatError.self) {
      try WAVFile.samples(from: odd, source: "s", lengthMayBeUnknown: true)
    }
    let shortFormat = riff(bytes("fmt ") + le32(0x7FFF_F000) + le16(1))
    #expect(throws: AudioFormatError.self) {
      try WAVFile.samples(from: shortFormat, source: "s", lengthMayBeUnknown: true)
    }
  }

  @Test func rejectsOtherEncodings() {
    #expect(problem(riff(formatChunk(tag: 3, bits: 32))) == .unsupportedEncoding(formatTag: 3))
  }

  @Test func errorNamesTheFileAndTheRule() {
    let error = AudioFormatError(source: "/tmp/a.wav", problem: .unsupportedSampleRate(44_100))
    #expect(error.description == "/tmp/a.wav: sample rate 44100 Hz; expected 16 kHz mono 16-bit PCM")
  }

  /// Real files from sox in each wrong format, read from disk.
  @Test(arguments: [
    (["-r", "8000", "-c", "1", "-b", "16"], AudioFormatError.Problem.unsupportedSampleRate(8_000)),
    (["-r", "16000", "-c", "2", "-b", "16"], .unsupportedChannelCount(2)),
    (["-r", "16000", "-c", "1", "-b", "8"], .unsupportedBitDepth(8)),
  ])
  func rejectsWrongFormatsFromSox(options: [String], expected: AudioFormatError.Problem) async throws {
    let directory = try Support.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("wrong.wav")
    try await Support.run("sox", ["-n"] + options + [url.path, "synth", "0.2", "sine", "440"])
    let error = #expect(throws: AudioFormatError.self) { try WAVFile.samples(contentsOf: url) }
    #expect(error?.problem == expected)
    #expect(error?.source == url.path)
  }
}
