import CabinInference
import Foundation
import Synchronization
import Testing

/// A deterministic embedder that counts the sentences it was asked to embed.
private final class CountingEmbedder: SentenceEmbedder {
  let calls = Mutex(0)
  var dimension: Int { 3 }
  func embed(_ texts: [String]) throws -> [[Float]] {
    calls.withLock { $0 += texts.count }
    return texts.map { [Float($0.count), Float($0.utf8.first ?? 0), 1] }
  }
}

@Suite("Embedding cache")
struct CachingEmbedderTests {
  let file = FileManager.default.temporaryDirectory.appendingPathComponent(
    "cabin-cache-\(UUID().uuidString).bin")

  @Test func storedVectorsAreReusedAfterARestart() throws {
    defer { try? FileManager.default.removeItem(at: file) }
    let first = CountingEmbedder()
    let cache = CachingEmbedder(wrapping: first, file: file, modelIdentity: "model A")
    let vectors = try cache.embed(["turn on the heat", "play jazz", "héllo ✓"])
    try cache.save()
    #expect(first.calls.withLock { $0 } == 3)

    let second = CountingEmbedder()
    let restarted = CachingEmbedder(wrapping: second, file: file, modelIdentity: "model A")
    #expect(restarted.count == 3)
    #expect(
      try restarted.embed(["play jazz", "turn on the heat", "héllo ✓"]) == [
        vectors[1], vectors[0], vectors[2],
      ])
    #expect(second.calls.withLock { $0 } == 0)
  }

  @Test func afterSavingNewSentencesAreComputedButNotStored() throws {
    defer { try? FileManager.default.removeItem(at: file) }
    let cache = CachingEmbedder(wrapping: CountingEmbedder(), file: file, modelIdentity: "model A")
    _ = try cache.embed(["example"])
    try cache.save()
    _ = try cache.embed(["something a user said"])
    #expect(cache.count == 1)
  }

  @Test func aFileFromAnotherModelOrADamagedFileIsIgnored() throws {
    defer { try? FileManager.default.removeItem(at: file) }
    let cache = CachingEmbedder(wrapping: CountingEmbedder(), file: file, modelIdentity: "model A")
    _ = try cache.embed(["example"])
    try cache.save()
    #expect(CachingEmbedder(wrapping: CountingEmbedder(), file: file, modelIdentity: "model B").count == 0)
    let data = try Data(contentsOf: file)
    try data.prefix(data.count - 5).write(to: file)
    #expect(CachingEmbedder(wrapping: CountingEmbedder(), file: file, modelIdentity: "model A").count == 0)
  }

  @Test func withoutAFileEachSentenceIsEmbeddedOnceAndNothingIsWritten() throws {
    let base = CountingEmbedder()
    let cache = CachingEmbedder(wrapping: base)
    let first = try cache.embed(["play jazz", "open the sunroof"])
    try cache.save()
    #expect(
      try cache.embed(["open the sunroof", "play jazz", "call anna"]) == [first[1], first[0], [9, 99, 1]])
    #expect(base.calls.withLock { $0 } == 3)
    #expect(cache.count == 3)
  }
}
