import SpeechRecognition
import Testing

/// Minimizing the word graph the grammar search runs on.
@Suite struct WordGraphTests {
  /// "turn on the light", "turn off the light", "turn on [the] fan" as sphinxbase expands JSGF:
  /// each alternative a path of its own from the start, a null arc around the optional word.
  private static let expanded = WordGraph(
    stateCount: 14, start: 0, final: 13,
    arcs: [
      .init(0, 1, nil), .init(1, 2, "turn"), .init(2, 3, "on"), .init(3, 4, "the"), .init(4, 13, "light"),
      .init(0, 5, nil), .init(5, 6, "turn"), .init(6, 7, "off"), .init(7, 8, "the"), .init(8, 13, "light"),
      .init(0, 9, nil), .init(9, 10, "turn"), .init(10, 11, "on"), .init(11, 12, "the"), .init(11, 12, nil),
      .init(12, 13, "fan"),
    ])

  /// Every sentence of an acyclic graph.
  private static func sentences(_ graph: WordGraph) -> Set<String> {
    var found: Set<String> = []
    func walk(_ state: Int, _ words: [String]) {
      if state == graph.final { found.insert(words.joined(separator: " ")) }
      for arc in graph.arcs where arc.from == state { walk(arc.to, words + (arc.word.map { [$0] } ?? [])) }
    }
    walk(graph.start, [])
    return found
  }

  @Test func minimizingKeepsTheSentencesAndSharesEveryPrefixAndSuffix() {
    let minimized = Self.expanded.minimized()
    #expect(Self.sentences(minimized) == Self.sentences(Self.expanded))
    #expect(Self.sentences(minimized).count == 4)
    // start, turn, turn on, turn off, turn on the, turn off the, a sentence's end, the final state.
    #expect(minimized.stateCount == 8)
    #expect(minimized.arcs.filter { $0.from == minimized.start }.map(\.word) == ["turn"])
    for state in 0..<minimized.stateCount {
      let words = minimized.arcs.filter { $0.from == state }.compactMap(\.word)
      #expect(Set(words).count == words.count, "state \(state) has a word twice: \(words)")
    }
    #expect(minimized.arcs.allSatisfy { $0.word != nil || $0.to == minimized.final })
  }

  @Test func theFSGTextReadsBackAsTheSameGraph() throws {
    let graph = Self.expanded.minimized()
    #expect(try WordGraph(fsg: graph.fsg(name: "command")) == graph)
  }

  /// A weight would be lost by minimizing, so a graph with one is refused.
  @Test func weightedArcsAreRejected() {
    let text = "FSG_BEGIN g\nNUM_STATES 2\nSTART_STATE 0\nFINAL_STATE 1\nTRANSITION 0 1 0.5 yes\nFSG_END\n"
    #expect(throws: SpeechEngineError.self) { try WordGraph(fsg: text) }
  }
}
