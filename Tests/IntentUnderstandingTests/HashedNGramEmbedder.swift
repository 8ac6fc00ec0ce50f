import CabinInference
import IntentUnderstanding

/// A deterministic stand-in for the sentence encoder: a hashed bag of character trigrams and words.
///
/// It is a test double only; it knows nothing of meaning and is never the model the service ships.
struct HashedNGramEmbedder: SentenceEmbedder {
  let dimension: Int

  init(dimension: Int = 1024) { self.dimension = dimension }

  func embed(_ texts: [String]) throws -> [[Float]] {
    texts.map { text in
      var vector = [Float](repeating: 0, count: dimension)
      let words = text.lowercased().split { !$0.isLetter && !$0.isNumber }
      for word in words {
        vector[bucket("w:" + word)] += 2
        let padded = Array(" \(word) ".utf8)
        for start in 0..<max(padded.count - 2, 0) {
          vector[bucket(padded[start..<start + 3])] += 1
        }
      }
      return vector
    }
  }

  private func bucket<S: Sequence>(_ bytes: S) -> Int where S.Element == UInt8 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
      hash ^= UInt64(byte)
      hash &*= 0x100_0000_01b3
    }
    return Int(hash % UInt64(dimension))
  }

  private func bucket(_ text: String) -> Int { bucket(Array(text.utf8)) }
}

/// An embedder that breaks the protocol's promise, to check the classifier's error.
struct ShortVectorEmbedder: SentenceEmbedder {
  let dimension = 8
  func embed(_ texts: [String]) throws -> [[Float]] { texts.map { _ in [1, 2, 3] } }
}

/// Looks each text up in a fixed table of vectors (zero for unknown texts).
struct TableEmbedder: SentenceEmbedder {
  let table: [String: [Float]]
  let dimension: Int
  func embed(_ texts: [String]) throws -> [[Float]] {
    texts.map { table[$0] ?? [Float](repeating: 0, count: dimension) }
  }
}
