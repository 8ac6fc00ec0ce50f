/// A grammar as a finite-state graph of words, in the form pocketsphinx searches (its FSG format).
///
/// sphinxbase writes a JSGF grammar as such a graph by expanding every rule reference in place,
/// with null arcs around optional parts. Nothing is shared between alternatives, so the same
/// word leaves many states at once ("turn" opens a dozen intents), and the search runs a copy
/// of its phones for each; the command grammar becomes 6,114 states. `minimized()` turns the graph
/// into the smallest deterministic one with the same sentences, where each word leaves a state once
/// (2,419 states for the command grammar). The command grammar's arcs all have probability 1 (JSGF
/// without weights), so every sentence keeps its score and only the duplicated work goes.
package struct WordGraph: Equatable, Sendable {
  /// A transition: a word, or a null arc (`word == nil`) taken without audio.
  package struct Arc: Hashable, Sendable {
    /// The state the arc leaves.
    package var from: Int
    /// The state the arc enters.
    package var to: Int
    /// The word spoken along it, nil for a null arc.
    package var word: String?

    /// Creates an arc.
    package init(_ from: Int, _ to: Int, _ word: String?) {
      self.from = from
      self.to = to
      self.word = word
    }
  }

  /// The number of states, numbered from 0.
  package var stateCount: Int
  /// The state every sentence starts in.
  package var start: Int
  /// The state every sentence ends in.
  package var final: Int
  /// Every transition.
  package var arcs: [Arc]

  /// Creates a graph.
  package init(stateCount: Int, start: Int, final: Int, arcs: [Arc]) {
    self.stateCount = stateCount
    self.start = start
    self.final = final
    self.arcs = arcs
  }

  /// Reads sphinxbase's FSG text (`FSG_BEGIN`, `NUM_STATES`, `START_STATE`, `FINAL_STATE`,
  /// `TRANSITION from to probability [word]`, `FSG_END`).
  /// - Throws: `SpeechEngineError` for a line it cannot read or a probability other than 1,
  ///   which `minimized()` could not keep.
  package init(fsg text: String) throws {
    var stateCount = 0
    var start = 0
    var final = 0
    var arcs: [Arc] = []
    for line in text.split(separator: "\n") {
      let fields = line.split(whereSeparator: \.isWhitespace)
      guard let keyword = fields.first, !keyword.hasPrefix("#") else { continue }
      let numbers = fields.dropFirst().prefix(3).map { Double($0) }
      switch keyword {
      case "NUM_STATES", "N": stateCount = numbers.first.flatMap { $0 }.map { Int($0) } ?? -1
      case "START_STATE", "S": start = numbers.first.flatMap { $0 }.map { Int($0) } ?? -1
      case "FINAL_STATE", "F": final = numbers.first.flatMap { $0 }.map { Int($0) } ?? -1
      case "TRANSITION", "T":
        guard numbers.count == 3, let from = numbers[0], let to = numbers[1], numbers[2] == 1 else {
          throw SpeechEngineError(operation: "word graph", subject: "transition '\(line)'")
        }
        arcs.append(Arc(Int(from), Int(to), fields.count > 4 ? String(fields[4]) : nil))
      case "FSG_BEGIN", "FSG_END": continue
      default: throw SpeechEngineError(operation: "word graph", subject: "line '\(line)'")
      }
    }
    let states = 0..<stateCount
    guard states.contains(start), states.contains(final),
      arcs.allSatisfy({ states.contains($0.from) && states.contains($0.to) })
    else {
      throw SpeechEngineError(operation: "word graph", subject: "a state outside 0..<\(stateCount)")
    }
    self.init(stateCount: stateCount, start: start, final: final, arcs: arcs)
  }

  /// The graph in sphinxbase's FSG text format.
  package func fsg(name: String) -> String {
    var lines = [
      "FSG_BEGIN \(name)", "NUM_STATES \(stateCount)", "START_STATE \(start)", "FINAL_STATE \(final)",
    ]
    for arc in arcs {
      lines.append("TRANSITION \(arc.from) \(arc.to) 1.0" + (arc.word.map { " \($0)" } ?? ""))
    }
    lines.append("FSG_END")
    return lines.joined(separator: "\n") + "\n"
  }

  /// The smallest deterministic graph accepting the same sentences: no null arcs except one from
  /// each state where a sentence may end to a final state of its own, and no state with two arcs
  /// of the same word. States are numbered in breadth-first order from the start.
  package func minimized() -> WordGraph {
    let words = Array(Set(arcs.compactMap(\.word))).sorted()
    let wordID = Dictionary(uniqueKeysWithValues: words.enumerated().map { ($1, $0) })
    var nulls = [[Int]](repeating: [], count: stateCount)
    var spoken = [[(word: Int, to: Int)]](repeating: [], count: stateCount)
    for arc in arcs {
      if let word = arc.word, let id = wordID[word] {
        spoken[arc.from].append((id, arc.to))
      } else {
        nulls[arc.from].append(arc.to)
      }
    }
    let deterministic = Self.determinize(start: start, final: final, nulls: nulls, spoken: spoken)
    return Self.minimize(deterministic, words: words)
  }

  /// A deterministic graph over word ids: each state's arcs by word, and whether it may end.
  private struct Deterministic {
    var arcs: [[Int: Int]] = []
    var accepting: [Bool] = []
  }

  /// Subset construction: each new state is the set of old states reachable by the same words.
  private static func determinize(start: Int, final: Int, nulls: [[Int]], spoken: [[(word: Int, to: Int)]])
    -> Deterministic
  {
    func closure(_ states: some Sequence<Int>) -> [Int] {
      var seen = Set(states)
      var pending = Array(seen)
      while let state = pending.popLast() {
        for next in nulls[state] where seen.insert(next).inserted { pending.append(next) }
      }
      return seen.sorted()
    }
    var result = Deterministic()
    var index: [[Int]: Int] = [:]
    var pending: [[Int]] = []
    func add(_ set: [Int]) -> Int {
      if let known = index[set] { return known }
      index[set] = result.arcs.count
      result.arcs.append([:])
      result.accepting.append(set.contains(final))
      pending.append(set)
      return result.arcs.count - 1
    }
    _ = add(closure([start]))
    while let set = pending.popLast() {
      let source = index[set] ?? 0
      var targets: [Int: Set<Int>] = [:]
      for state in set {
        for (word, to) in spoken[state] { targets[word, default: []].insert(to) }
      }
      for (word, states) in targets { result.arcs[source][word] = add(closure(states)) }
    }
    return result
  }

  /// Moore's partition refinement after dropping states from which no sentence can end.
  private static func minimize(_ graph: Deterministic, words: [String]) -> WordGraph {
    let count = graph.arcs.count
    var predecessors = [[Int]](repeating: [], count: count)
    for (state, arcs) in graph.arcs.enumerated() {
      for target in arcs.values { predecessors[target].append(state) }
    }
    var live = graph.accepting
    var pending = graph.accepting.indices.filter { graph.accepting[$0] }
    while let state = pending.popLast() {
      for previous in predecessors[state] where !live[previous] {
        live[previous] = true
        pending.append(previous)
      }
    }
    var block = graph.accepting.map { $0 ? 1 : 0 }
    var blockCount = Set(block).count
    while true {
      var signatures: [[Int]: Int] = [:]
      let refined = (0..<count).map { state in
        let arcs = graph.arcs[state].filter { live[$0.value] }.sorted { $0.key < $1.key }
        let signature = [block[state]] + arcs.flatMap { [$0.key, block[$0.value]] }
        if let known = signatures[signature] { return known }
        signatures[signature] = signatures.count
        return signatures.count - 1
      }
      block = refined
      if signatures.count == blockCount { break }
      blockCount = signatures.count
    }
    // Renumber the blocks breadth first from the start, following arcs in word order.
    var number: [Int: Int] = [block[0]: 0]
    var representative = [0]
    var arcs: [Arc] = []
    var next = 0
    while next < representative.count {
      let state = representative[next]
      for (word, target) in graph.arcs[state].sorted(by: { $0.key < $1.key }) where live[target] {
        let targetNumber: Int
        if let known = number[block[target]] {
          targetNumber = known
        } else {
          targetNumber = representative.count
          number[block[target]] = targetNumber
          representative.append(target)
        }
        arcs.append(Arc(next, targetNumber, words[word]))
      }
      next += 1
    }
    let final = representative.count
    for (state, original) in representative.enumerated() where graph.accepting[original] {
      arcs.append(Arc(state, final, nil))
    }
    return WordGraph(stateCount: final + 1, start: 0, final: final, arcs: arcs)
  }
}
