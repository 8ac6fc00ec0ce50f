import Foundation

/// Finds where speech starts and ends in an utterance, so the recogniser decodes the speech and a
/// little around it rather than the whole recording.
///
/// pocketsphinx's own voice-activity detector follows the noise level from frame to frame and in road
/// noise passes nearly every frame (95% of the tuning set's command clips, which hold about a third
/// of non-speech). This check sees the whole utterance at once: each 10 ms frame's energy after a
/// first-order pre-emphasis (which damps the low-frequency rumble of road noise far more than speech),
/// against the utterance's own noise floor, the energy of its quietest tenth of frames. Speech is
/// every frame `threshold` decibels above that floor; the decoded stretch runs from `lead` before
/// the first such frame to `trail` after the last.
public struct Endpointing: Sendable, Equatable {
  /// How far above the noise floor, in decibels, a frame's energy must be to count as speech.
  public var threshold: Double
  /// Seconds kept before the first speech frame: the front end estimates the noise from them.
  public var lead: Double
  /// Seconds kept after the last speech frame, for a word's quiet ending.
  public var trail: Double

  /// Creates a check.
  public init(threshold: Double, lead: Double, trail: Double) {
    self.threshold = threshold
    self.lead = lead
    self.trail = trail
  }

  /// 9 dB, with 0.3 s kept before and after, chosen on `cabin-eval-speech --set tuning` (80 commands
  /// in road noise, each clip 0.5 s of noise, the speech and 0.3 s of noise, plus espeak-ng's own
  /// pauses): it keeps about two thirds of the clips' frames. With `commandRejection` nil, so the
  /// trimming alone is compared, intents went from 64 to 65 and word errors from 24.3% to 21.0%, at
  /// 0.095 of the audio in processor time against 0.117; 0.15 s before gave 64 intents and 22.4% at
  /// 0.083. A path over trimmed audio holds fewer frames of noise, which the silence model fits
  /// well, so its score per frame is lower: `CommandRejection.standard` was chosen again for it.
  public static let standard = Endpointing(threshold: 9, lead: 0.3, trail: 0.3)

  static let frameSamples = 160

  /// The range of `samples` to decode: all of them when no frame stands out from the floor (silence,
  /// or steady noise), or when the audio is shorter than ten frames.
  public func speechRange(of samples: [Int16]) -> Range<Int> {
    let energies = Self.frameEnergies(samples[...])
    let frameCount = energies.count
    guard frameCount >= 10 else { return samples.indices }
    let floor = energies.sorted()[frameCount / 10]
    guard let first = energies.firstIndex(where: { $0 > floor + threshold }),
      let last = energies.lastIndex(where: { $0 > floor + threshold })
    else { return samples.indices }
    let rate = Double(WAVFile.sampleRate)
    let start = max(0, first * Self.frameSamples - Int(lead * rate))
    let end = min(samples.count, (last + 1) * Self.frameSamples + Int(trail * rate))
    return start..<end
  }

  /// The energy of each whole 10 ms frame of `samples` after pre-emphasis, in decibels;
  /// `previous` is the sample before them, when they continue a stream.
  static func frameEnergies(_ samples: ArraySlice<Int16>, after previous: Int16? = nil) -> [Double] {
    let frameCount = samples.count / frameSamples
    guard frameCount > 0 else { return [] }
    var energies = [Double](repeating: 0, count: frameCount)
    samples.withUnsafeBufferPointer { pointer in
      var previous = Double(previous ?? pointer[0])
      for frame in 0..<frameCount {
        var sum = 0.0
        for index in frame * frameSamples..<(frame + 1) * frameSamples {
          let sample = Double(pointer[index])
          let emphasised = sample - 0.97 * previous
          previous = sample
          sum += emphasised * emphasised
        }
        // The floor keeps digital silence finite.
        energies[frame] = 10 * log10(sum / Double(frameSamples) + 1)
      }
    }
    return energies
  }
}
