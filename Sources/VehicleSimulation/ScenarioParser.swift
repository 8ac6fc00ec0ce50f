import Foundation
import VehicleSignals
import Yams

/// Turns scenario YAML into a checked ``Scenario``, with the line of every problem.
struct ScenarioParser {
  let source: String
  let baseDirectory: URL
  let catalog: SignalCatalog

  func fail(_ node: Node?, _ reason: String) -> ScenarioError {
    ScenarioError(file: source, line: node?.mark?.line, reason: reason)
  }

  func parse(_ text: String) throws(ScenarioError) -> Scenario {
    let root: Node?
    do {
      root = try Yams.compose(yaml: text)
    } catch let error as YamlError {
      throw yamlFailure(error)
    } catch {
      throw ScenarioError(file: source, line: nil, reason: "not YAML: \(error)")
    }
    guard let root else { throw ScenarioError(file: source, line: nil, reason: "the file is empty") }
    let top = try mapping(root, "the scenario")
    let keys = [
      "name", "duration", "seed", "start", "tick", "vehicle", "environment", "behaviours", "freshness",
      "initial",
      "trace", "timeline",
    ]
    try checkKeys(top, allowed: keys, in: "the scenario")
    let name = try string(try required(top, "name", root), "name")
    let duration = try number(try required(top, "duration", root), "duration", positive: true)
    var scenario = Scenario(name: name, source: source, duration: duration)
    if let node = top["seed"] {
      guard let seed = node.int, seed >= 0 else { throw fail(node, "seed must be a whole number >= 0") }
      scenario.seed = UInt64(seed)
    }
    if let node = top["start"] {
      guard let date = try? Date(string(node, "start"), strategy: .iso8601) else {
        throw fail(node, "start must be an ISO 8601 date and time such as 2026-04-14T08:00:00Z")
      }
      scenario.start = date
    }
    if let node = top["tick"] {
      let tick = try number(node, "tick", positive: true)
      guard tick <= 1 else { throw fail(node, "tick must be at most 1 second") }
      scenario.tick = tick
    }
    if let node = top["vehicle"] { scenario.vehicle = try vehicle(node) }
    if let node = top["environment"] {
      let fields = try mapping(node, "environment")
      try checkKeys(fields, allowed: ["sunrise", "sunset"], in: "environment")
      if let value = fields["sunrise"] { scenario.sunrise = try timeOfDay(value, "sunrise") }
      if let value = fields["sunset"] { scenario.sunset = try timeOfDay(value, "sunset") }
      guard scenario.sunrise < scenario.sunset else { throw fail(node, "sunrise must come before sunset") }
    }
    if let node = top["behaviours"] {
      guard case .sequence(let items) = node else { throw fail(node, "behaviours must be a list") }
      var behaviours = Set<Behaviour>()
      for item in items {
        guard let behaviour = Behaviour(rawValue: try string(item, "behaviour")) else {
          throw fail(
            item, "unknown behaviour; known: " + Behaviour.allCases.map(\.rawValue).joined(separator: ", "))
        }
        behaviours.insert(behaviour)
      }
      scenario.behaviours = behaviours
    }
    if let node = top["freshness"] {
      for (key, value) in try mapping(node, "freshness").pairs {
        let path = try string(key, "freshness key")
        guard catalog[path] != nil || catalog.branches[path] != nil else {
          throw fail(key, "\(path): no such signal or branch in the catalog")
        }
        scenario.freshnessOverrides[path] =
          value.null != nil ? .some(nil) : try number(value, path, positive: true)
      }
    }
    if let node = top["initial"] {
      for (key, value) in try mapping(node, "initial").pairs {
        let path = try string(key, "signal path")
        let definition = try definition(path, key)
        scenario.initial[path] = try signalValue(value, for: definition)
      }
    }
    if let node = top["trace"] { scenario.trace = try trace(node) }
    if let node = top["timeline"] {
      guard case .sequence(let items) = node else { throw fail(node, "timeline must be a list of events") }
      var events: [ScenarioEvent] = []
      for item in items { events.append(try event(item, duration: duration)) }
      scenario.timeline = events.enumerated().sorted {
        ($0.element.time, $0.offset) < ($1.element.time, $1.offset)
      }
      .map(\.element)
    }
    return scenario
  }

  private func yamlFailure(_ error: YamlError) -> ScenarioError {
    switch error {
    case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
      .composer(_, let problem, let mark, _):
      return ScenarioError(file: source, line: mark.line, reason: "not valid YAML: \(problem)")
    case .duplicatedKeysInMapping(let duplicates, let context):
      return ScenarioError(
        file: source, line: context.mark.line,
        reason: "key \"\(duplicates.sorted().joined(separator: "\", \""))\" appears twice in a mapping")
    default:
      return ScenarioError(file: source, line: nil, reason: "not valid YAML: \(error)")
    }
  }

  // MARK: - Shapes

  struct Fields {
    let node: Node
    let pairs: [(Node, Node)]
    subscript(key: String) -> Node? { pairs.first { $0.0.string == key }?.1 }
  }

  private func mapping(_ node: Node, _ what: String) throws(ScenarioError) -> Fields {
    guard case .mapping(let mapping) = node else {
      throw fail(node, "\(what) must be a mapping of keys to values")
    }
    var seen = Set<String>()
    for (key, _) in mapping {
      guard let name = key.string else { throw fail(key, "keys in \(what) must be strings") }
      guard seen.insert(name).inserted else { throw fail(key, "key \"\(name)\" appears twice in \(what)") }
    }
    return Fields(node: node, pairs: Array(mapping.map { ($0.key, $0.value) }))
  }

  private func checkKeys(_ fields: Fields, allowed: [String], in what: String) throws(ScenarioError) {
    for (key, _) in fields.pairs where !allowed.contains(key.string ?? "") {
      throw fail(
        key,
        "unknown key \"\(key.string ?? "")\" in \(what); expected one of " + allowed.joined(separator: ", "))
    }
  }

  private func required(_ fields: Fields, _ key: String, _ owner: Node) throws(ScenarioError) -> Node {
    guard let node = fields[key] else { throw fail(owner, "missing required key \"\(key)\"") }
    return node
  }

  private func string(_ node: Node, _ what: String) throws(ScenarioError) -> String {
    guard case .scalar(let scalar) = node else { throw fail(node, "\(what) must be a single value") }
    return scalar.string
  }

  private func number(_ node: Node, _ what: String, positive: Bool = false) throws(ScenarioError) -> Double {
    guard case .scalar(let scalar) = node, let value = Double(scalar.string), value.isFinite else {
      throw fail(node, "\(what) must be a number")
    }
    if positive, value <= 0 { throw fail(node, "\(what) must be greater than 0") }
    return value
  }

  private func timeOfDay(_ node: Node, _ what: String) throws(ScenarioError) -> Double {
    let parts = try string(node, what).split(separator: ":")
    guard parts.count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]), (0..<24).contains(hours),
      (0..<60).contains(minutes)
    else { throw fail(node, "\(what) must be a time of day HH:MM") }
    return Double(hours * 3600 + minutes * 60)
  }

  private func definition(_ path: String, _ node: Node) throws(ScenarioError) -> SignalDefinition {
    guard let definition = catalog[path] else { throw fail(node, "\(path): no such signal in the catalog") }
    return definition
  }

  private func signalValue(_ node: Node, for definition: SignalDefinition) throws(ScenarioError)
    -> SignalValue
  {
    let raw = try rawValue(node, as: definition.dataType, path: definition.path)
    do {
      return try definition.validate(raw)
    } catch {
      throw fail(node, error.description)
    }
  }

  private func rawValue(_ node: Node, as type: SignalDataType, path: String) throws(ScenarioError)
    -> SignalValue
  {
    if case .array(let element) = type {
      guard case .sequence(let items) = node else { throw fail(node, "\(path): expects a list (\(type))") }
      var values: [SignalValue] = []
      for item in items { values.append(try rawValue(item, as: element, path: path)) }
      return .array(values)
    }
    guard case .scalar(let scalar) = node else { throw fail(node, "\(path): expects a single \(type) value") }
    switch type {
    case .boolean:
      guard let value = node.bool else {
        throw fail(node, "\(path): expects true or false, got \(scalar.string)")
      }
      return .bool(value)
    case .string:
      return .string(scalar.string)
    default:
      guard let value = Double(scalar.string) else {
        throw fail(node, "\(path): expects a number (\(type)), got \(scalar.string)")
      }
      return .double(value)
    }
  }

  // MARK: - Sections

  private func vehicle(_ node: Node) throws(ScenarioError) -> VehicleParameters {
    let fields = try mapping(node, "vehicle")
    try checkKeys(
      fields, allowed: ["powertrain", "batteryCapacity", "consumption", "chargePower", "tankCapacity"],
      in: "vehicle")
    var parameters = VehicleParameters()
    if let value = fields["powertrain"] {
      guard let powertrain = VehicleParameters.Powertrain(rawValue: try string(value, "powertrain")) else {
        throw fail(value, "powertrain must be electric or combustion")
      }
      parameters.powertrain = powertrain
    }
    if let value = fields["batteryCapacity"] {
      parameters.batteryCapacity = try number(value, "batteryCapacity", positive: true)
    }
    if let value = fields["consumption"] {
      parameters.consumption = try number(value, "consumption", positive: true)
    }
    if let value = fields["chargePower"] {
      parameters.chargePower = try number(value, "chargePower", positive: true)
    }
    if let value = fields["tankCapacity"] {
      parameters.tankCapacity = try number(value, "tankCapacity", positive: true)
    }
    return parameters
  }

  private func trace(_ node: Node) throws(ScenarioError) -> Scenario.Trace {
    let fields = try mapping(node, "trace")
    try checkKeys(fields, allowed: ["file"], in: "trace")
    let fileNode = try required(fields, "file", node)
    let name = try string(fileNode, "trace file")
    let url = name.hasPrefix("/") ? URL(fileURLWithPath: name) : baseDirectory.appendingPathComponent(name)
    if name.hasSuffix(".csv") { return .drive(try DriveTrace(csvContentsOf: url)) }
    if name.hasSuffix(".jsonl") {
      return .recording(try SignalRecordingFormat.load(contentsOf: url, catalog: catalog))
    }
    throw fail(fileNode, "trace file must end in .csv (drive cycle) or .jsonl (recording)")
  }

  private func event(_ node: Node, duration: Double) throws(ScenarioError) -> ScenarioEvent {
    let fields = try mapping(node, "a timeline event")
    let atNode = try required(fields, "at", node)
    let time = try number(atNode, "at")
    guard (0...duration).contains(time) else { throw fail(atNode, "at \(time) lies outside 0...\(duration)") }
    let line = node.mark?.line ?? 0
    let verbs = ["set", "ramp", "actuate", "fault", "clear"].filter { fields[$0] != nil }
    guard verbs.count == 1, let verb = verbs.first else {
      throw fail(node, "an event needs exactly one of set, ramp, actuate, fault, clear")
    }
    switch verb {
    case "set", "actuate":
      try checkKeys(fields, allowed: ["at", verb, "value"], in: "a \(verb) event")
      let pathNode = try required(fields, verb, node)
      let definition = try definition(try string(pathNode, "signal path"), pathNode)
      if verb == "actuate", definition.kind != .actuator {
        throw fail(
          pathNode, "\(definition.path): is a \(definition.kind.rawValue), only actuators accept actuate")
      }
      let value = try signalValue(try required(fields, "value", node), for: definition)
      let action: ScenarioAction =
        verb == "set"
        ? .set(path: definition.path, value: value) : .actuate(path: definition.path, value: value)
      return ScenarioEvent(time: time, action: action, line: line)
    case "ramp":
      try checkKeys(fields, allowed: ["at", "ramp", "to", "over"], in: "a ramp event")
      let pathNode = try required(fields, "ramp", node)
      let definition = try definition(try string(pathNode, "signal path"), pathNode)
      guard definition.dataType.isNumeric else {
        throw fail(
          pathNode, "\(definition.path): only numeric signals can ramp, this is \(definition.dataType)")
      }
      let toNode = try required(fields, "to", node)
      let target = try signalValue(toNode, for: definition)
      let over = try number(try required(fields, "over", node), "over", positive: true)
      return ScenarioEvent(
        time: time, action: .ramp(path: definition.path, to: target.numericValue ?? 0, over: over), line: line
      )
    case "clear":
      try checkKeys(fields, allowed: ["at", "clear"], in: "a clear event")
      let target = try string(try required(fields, "clear", node), "clear")
      if target == "all" { return ScenarioEvent(time: time, action: .clearFaults(path: nil), line: line) }
      let definition = try definition(target, fields["clear"] ?? node)
      return ScenarioEvent(time: time, action: .clearFaults(path: definition.path), line: line)
    default:
      return ScenarioEvent(time: time, action: .fault(try fault(fields, node)), line: line)
    }
  }

  private func fault(_ fields: Fields, _ node: Node) throws(ScenarioError) -> Fault {
    try checkKeys(
      fields, allowed: ["at", "fault", "path", "duration", "amount", "value"], in: "a fault event")
    let kindNode = try required(fields, "fault", node)
    let kindName = try string(kindNode, "fault")
    let duration = try fields["duration"].map { (value) throws(ScenarioError) in
      try number(value, "duration", positive: true)
    }
    if kindName == "provider-loss" {
      guard fields["path"] == nil else {
        throw fail(fields["path"], "provider-loss affects every signal, drop path")
      }
      return Fault(kind: .providerLoss, path: nil, duration: duration)
    }
    let pathNode = try required(fields, "path", node)
    let definition = try definition(try string(pathNode, "signal path"), pathNode)
    func amount() throws(ScenarioError) -> Double {
      guard definition.dataType.isNumeric else {
        throw fail(
          pathNode, "\(definition.path): \(kindName) needs a numeric signal, this is \(definition.dataType)")
      }
      return try number(try required(fields, "amount", node), "amount")
    }
    let kind: FaultKind
    switch kindName {
    case "dropout": kind = .dropout
    case "stuck": kind = .stuck
    case "noise": kind = .noise(standardDeviation: abs(try amount()))
    case "bias": kind = .bias(offset: try amount())
    case "stale": kind = .staleTimestamps(lag: abs(try amount()))
    case "out-of-range":
      guard definition.dataType.isNumeric else {
        throw fail(pathNode, "\(definition.path): out-of-range needs a numeric signal")
      }
      let value = try fields["value"].map { (value) throws(ScenarioError) in try number(value, "value") }
      guard value != nil || FaultKind.valueOutsideRange(of: definition) != nil else {
        throw fail(pathNode, "\(definition.path): has no range to leave; give the value to report")
      }
      kind = .outOfRange(value: value)
    default:
      throw fail(
        kindNode,
        "unknown fault \"\(kindName)\"; known: dropout, stuck, noise, bias, out-of-range, stale, provider-loss"
      )
    }
    return Fault(kind: kind, path: definition.path, duration: duration)
  }
}
