import Foundation
import SpeechRecognition
import Testing

@Suite struct EndpointingTests {
  /// Deterministic noise: a linear congruential generator, so a failure repeats.
  static func noise(seconds: Double, amplitude: Double, seed: UInt64) -> [Int16] {
    var state = seed
    return (0..<Int(seconds * 16_000)).map { _ in
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int16(Double(Int64(state >> 33) - (1 << 30)) / Double(1 << 30) * amplitude)
    }
  }

  /// A 1 kHz tone standing in for speech, over the same noise as around it.
  static func tone(seconds: Double, amplitude: Double) -> [Int16] {
    (0..<Int(seconds * 16_000)).map { Int16(amplitude * sin(2 * .pi * 1_000 * Double($0) / 16_000)) }
  }

  @Test func keepsTheLoudStretchWithItsLeadAndTrail() {
    let before = Self.noise(seconds: 1.5, amplitude: 300, seed: 1)
    let speech = zip(Self.tone(seconds: 1, amplitude: 6_000), Self.noise(seconds: 1, amplitude: 300, seed: 2))
      .map { $0 &+ $1 }
    let after = Self.noise(seconds: 1, amplitude: 300, seed: 3)
    let samples = before + speech + after
    let range = Endpointing(threshold: 9, lead: 0.3, trail: 0.2).speechRange(of: samples)
    // The tone runs from 1.5 s to 2.5 s; ranges are whole 10 ms frames.
    #expect(abs(range.lowerBound - Int(1.2 * 16_000)) <= 160, "\(range)")
    #expect(abs(range.upperBound - Int(2.7 * 16_000)) <= 160, "\(range)")
  }

  @Test func leadAndTrailStopAtTheEndsOfTheAudio() {
    let samples = Self.tone(seconds: 1, amplitude: 6_000) + Self.noise(seconds: 0.5, amplitude: 300, seed: 4)
    let range = Endpointing(threshold: 9, lead: 0.3, trail: 2).speechRange(of: samples)
    #expect(range == samples.indices)
  }

  @Test(arguments: [
    ("steady noise", noise(seconds: 2, amplitude: 500, seed: 5)),
    ("digital silence", [Int16](repeating: 0, count: 32_000)),
    ("under ten frames", tone(seconds: 0.05, amplitude: 6_000)),
  ])
  func withoutAStretchThatStandsOutEverythingIsKept(name: String, samples: [Int16]) {
    #expect(Endpointing.standard.speechRange(of: samples) == samples.indices, "\(name)")
  }
}
