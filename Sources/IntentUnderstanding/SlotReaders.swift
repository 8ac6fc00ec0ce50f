/// What a slot read from the words stands for, before the speaker's seat is known.
enum SpanValue: Equatable {
  case value(SlotValue)
  case speakerZone
}

/// One way a slot can cover the tokens from a start index.
struct SlotSpan {
  var end: Int
  var value: SpanValue
  var cost: Double
  /// Free text is not a word the grammar knows; every other slot is.
  var isOpen = false
}

/// Readers for the built-in slot kinds; each returns every span a slot may cover from `start`.
struct SlotReaders {
  private static let speakerPronouns: Set<String> = ["me", "us"]
  let defaultUnit: TemperatureUnit
  /// Contact phrases (lower-case tokens) with the contact name they stand for.
  let contactPhrases: [String: [(words: [String], name: String)]]

  init(defaultUnit: TemperatureUnit, contacts: [Contact]) {
    self.defaultUnit = defaultUnit
    var phrases: [String: [(words: [String], name: String)]] = [:]
    var firstNames: [String: Set<String>] = [:]
    for contact in contacts {
      for spoken in [contact.name] + contact.aliases {
        let words = Normalizer.tokens(spoken)
        guard let first = words.first else { continue }
        phrases[first, default: []].append((words, contact.name))
        if words.count > 1 { firstNames[first, default: []].insert(contact.name) }
      }
    }
    for (first, names) in firstNames where names.count == 1 {
      if let name = names.first, phrases[first]?.contains(where: { $0.words == [first] }) != true {
        phrases[first, default: []].append(([first], name))
      }
    }
    contactPhrases = phrases
  }

  func spans(_ kind: BuiltinSlotKind, _ tokens: [String], from start: Int) -> [SlotSpan] {
    guard start < tokens.count else { return [] }
    switch kind {
    case .number:
      return NumberWords.readings(tokens, from: start).map {
        SlotSpan(end: $0.end, value: .value(.number($0.value)), cost: 0)
      }
    case .temperature: return temperatures(tokens, from: start)
    case .percent: return percents(tokens, from: start)
    case .level: return levels(tokens, from: start)
    case .duration: return durations(tokens, from: start)
    case .frequency: return frequencies(tokens, from: start)
    case .contact:
      return (contactPhrases[tokens[start]] ?? []).compactMap { phrase in
        guard start + phrase.words.count <= tokens.count,
          Array(tokens[start..<start + phrase.words.count]) == phrase.words
        else { return nil }
        return SlotSpan(end: start + phrase.words.count, value: .value(.contact(phrase.name)), cost: 0)
      }
    case .phone:
      guard let run = NumberWords.digitRun(tokens, from: start), run.digits.count >= 3 else { return [] }
      return [SlotSpan(end: run.end, value: .value(.text(run.digits)), cost: 0)]
    case .clock: return clockTimes(tokens, from: start)
    case .callSign: return callSigns(tokens, from: start)
    case .stationName: return stationNames(tokens, from: start)
    case .text:
      // "show us where we are" names no contact: "me" or "us" alone is never free text.
      return (start + 1...tokens.count).compactMap { end in
        guard end - start > 1 || !Self.speakerPronouns.contains(tokens[start]) else { return nil }
        return SlotSpan(
          end: end, value: .value(.text(tokens[start..<end].joined(separator: " "))),
          cost: 0.02 + 0.08 * Double(end - start), isOpen: true)
      }
    }
  }

  private func unitWord(_ word: String) -> TemperatureUnit? {
    switch word {
    case "celsius", "centigrade", "c": .celsius
    case "fahrenheit", "f": .fahrenheit
    default: nil
    }
  }

  private func temperatures(_ tokens: [String], from start: Int) -> [SlotSpan] {
    var result: [SlotSpan] = []
    for reading in NumberWords.readings(tokens, from: start) {
      var end = reading.end
      if end < tokens.count, tokens[end] == "degrees" || tokens[end] == "degree" { end += 1 }
      if end < tokens.count, let unit = unitWord(tokens[end]) {
        result.append(
          SlotSpan(end: end + 1, value: .value(.temperature(value: reading.value, unit: unit)), cost: 0))
      }
      let inferred: TemperatureUnit = reading.value >= 45 ? .fahrenheit : defaultUnit
      result.append(
        SlotSpan(end: end, value: .value(.temperature(value: reading.value, unit: inferred)), cost: 0))
    }
    return result
  }

  private func percents(_ tokens: [String], from start: Int) -> [SlotSpan] {
    let word = tokens[start]
    let next = start + 1 < tokens.count ? tokens[start + 1] : ""
    if word == "half" || word == "halfway" {
      return [SlotSpan(end: start + 1, value: .value(.percent(50)), cost: 0)]
    }
    if word == "a" && next == "quarter" || word == "quarter" {
      return [SlotSpan(end: start + (word == "a" ? 2 : 1), value: .value(.percent(25)), cost: 0)]
    }
    if word == "three" && (next == "quarters" || next == "quarter") {
      return [SlotSpan(end: start + 2, value: .value(.percent(75)), cost: 0)]
    }
    var result: [SlotSpan] = []
    for reading in NumberWords.readings(tokens, from: start) where (0...100).contains(reading.value) {
      if reading.end < tokens.count, tokens[reading.end] == "percent" {
        result.append(SlotSpan(end: reading.end + 1, value: .value(.percent(reading.value)), cost: 0))
      } else if reading.end + 1 < tokens.count, tokens[reading.end] == "per",
        tokens[reading.end + 1] == "cent"
      {
        result.append(SlotSpan(end: reading.end + 2, value: .value(.percent(reading.value)), cost: 0))
      }
      result.append(SlotSpan(end: reading.end, value: .value(.percent(reading.value)), cost: 0.2))
    }
    return result
  }

  private static let namedLevels: [String: SlotValue] = [
    "low": .level(1), "medium": .level(2), "high": .level(3), "max": .choice("max"),
    "maximum": .choice("max"), "highest": .choice("max"), "full": .choice("max"),
    "min": .choice("min"), "minimum": .choice("min"), "lowest": .choice("min"),
  ]

  private func levels(_ tokens: [String], from start: Int) -> [SlotSpan] {
    if let named = Self.namedLevels[tokens[start]] {
      return [SlotSpan(end: start + 1, value: .value(named), cost: 0)]
    }
    return NumberWords.readings(tokens, from: start).compactMap { reading in
      guard reading.value == reading.value.rounded(), (0...100).contains(reading.value) else { return nil }
      return SlotSpan(end: reading.end, value: .value(.level(Int(reading.value))), cost: 0)
    }
  }

  private static let timeUnits: [String: Double] = [
    "second": 1, "seconds": 1, "sec": 1, "secs": 1, "minute": 60, "minutes": 60, "min": 60, "mins": 60,
    "hour": 3600, "hours": 3600, "hr": 3600, "hrs": 3600,
  ]

  private func durations(_ tokens: [String], from start: Int) -> [SlotSpan] {
    func word(_ index: Int) -> String { index < tokens.count ? tokens[index] : "" }
    if word(start) == "half", word(start + 1) == "an" || word(start + 1) == "a",
      let unit = Self.timeUnits[word(start + 2)]
    {
      return [SlotSpan(end: start + 3, value: .value(.duration(seconds: unit / 2)), cost: 0)]
    }
    if word(start) == "a" || word(start) == "an", let unit = Self.timeUnits[word(start + 1)] {
      var seconds = unit
      var end = start + 2
      if word(end) == "and", word(end + 1) == "a", word(end + 2) == "half" {
        seconds += unit / 2
        end += 3
      }
      return [SlotSpan(end: end, value: .value(.duration(seconds: seconds)), cost: 0)]
    }
    var result: [SlotSpan] = []
    for reading in NumberWords.readings(tokens, from: start) {
      guard let unit = Self.timeUnits[word(reading.end)] else { continue }
      var seconds = reading.value * unit
      var end = reading.end + 1
      if word(end) == "and", word(end + 1) == "a", word(end + 2) == "half" {
        seconds += unit / 2
        end += 3
      }
      result.append(SlotSpan(end: end, value: .value(.duration(seconds: seconds)), cost: 0))
    }
    return result
  }

  private func frequencies(_ tokens: [String], from start: Int) -> [SlotSpan] {
    func band(_ index: Int) -> RadioBand? {
      guard index < tokens.count else { return nil }
      return RadioBand(rawValue: tokens[index])
    }
    var begin = start
    let leadingBand = band(start)
    if leadingBand != nil { begin += 1 }
    var readings = NumberWords.readings(tokens, from: begin)
    if let run = NumberWords.digitRun(tokens, from: begin), run.end > begin + 1,
      let whole = Double(run.digits)
    {
      readings.append((run.end, whole))
      if run.end + 1 < tokens.count, tokens[run.end] == "point",
        let tail = NumberWords.digitRun(tokens, from: run.end + 1),
        let value = Double(run.digits + "." + tail.digits)
      {
        readings.append((tail.end, value))
      }
    }
    var result: [SlotSpan] = []
    for reading in readings {
      let trailingBand = leadingBand == nil ? band(reading.end) : nil
      let end = reading.end + (trailingBand == nil ? 0 : 1)
      let inferred: RadioBand? =
        (87.5...108).contains(reading.value) ? .fm : (520...1710).contains(reading.value) ? .am : nil
      guard let chosen = leadingBand ?? trailingBand ?? inferred, inferred == nil || inferred == chosen else {
        continue
      }
      result.append(
        SlotSpan(end: end, value: .value(.frequency(value: reading.value, band: chosen)), cost: 0))
    }
    return result
  }

  private static let callSignInitials: Set<Character> = ["k", "w"]
  /// Two-letter starts of English words that begin with K or W ("know", "when", "write").
  private static let wordStarts: Set<String> = ["kn", "wh", "wr"]

  private func callSigns(_ tokens: [String], from start: Int) -> [SlotSpan] {
    func isLetters(_ word: String) -> Bool { word.allSatisfy { $0.isASCII && $0.isLetter } }
    let word = tokens[start]
    guard let initial = word.first, Self.callSignInitials.contains(initial), isLetters(word) else {
      return []
    }
    if (3...4).contains(word.count), let second = word.dropFirst().first, !"aeiouy".contains(second),
      !Self.wordStarts.contains(String(word.prefix(2)))
    {
      return [SlotSpan(end: start + 1, value: .value(.text(word)), cost: 0)]
    }
    guard word.count == 1 else { return [] }
    var end = start + 1
    while end < tokens.count, end - start < 4, tokens[end].count == 1, isLetters(tokens[end]) { end += 1 }
    guard end - start >= 3 else { return [] }
    return [SlotSpan(end: end, value: .value(.text(tokens[start..<end].joined())), cost: 0)]
  }

  private static let stationMarkers: Set<String> = ["radio", "fm"]
  /// Words that end a station's name after its marker ("bbc radio five live"); "s" is the end of
  /// "80s", which the normaliser splits from its digits.
  private static let stationSuffixes: Set<String> = [
    "live", "extra", "xtra", "gold", "hits", "plus", "s",
  ]
  /// Words that are never part of a station's name before its marker: they describe a kind of
  /// station ("local radio", "talk radio") or belong to the sentence ("some music on the radio").
  private static let nonNameWords: Set<String> = [
    "the", "a", "an", "some", "any", "my", "our", "your", "this", "that", "on", "to", "in", "of", "from",
    "for", "with", "me", "us", "it", "and", "or", "music", "song", "songs", "station", "stations",
    "channel", "please", "local", "internet", "online", "live", "news", "talk", "sports", "public",
    "satellite", "college", "digital", "dab", "am", "play", "put", "turn", "switch", "listen", "tune",
    "hear", "start", "find",
  ]

  /// Name words and a marker ("heart fm", "bbc radio four"), or "radio" and a number ("radio one"):
  /// "radio" alone is the radio, not a station.
  private func stationNames(_ tokens: [String], from start: Int) -> [SlotSpan] {
    var marker = start
    while marker < tokens.count, marker - start < 3, !Self.stationMarkers.contains(tokens[marker]),
      !Self.nonNameWords.contains(tokens[marker])
    {
      marker += 1
    }
    guard marker < tokens.count, Self.stationMarkers.contains(tokens[marker]),
      marker > start || tokens[marker] == "radio"
    else { return [] }
    var ends = marker > start ? [marker + 1] : []
    var end = marker + 1
    while end < tokens.count, end - marker <= 2,
      Self.stationSuffixes.contains(tokens[end])
        || NumberWords.readings(tokens, from: end).contains(where: { $0.end == end + 1 })
    {
      end += 1
      ends.append(end)
    }
    return ends.map {
      SlotSpan(end: $0, value: .value(.text(tokens[start..<$0].joined(separator: " "))), cost: 0)
    }
  }

  private func clockTimes(_ tokens: [String], from start: Int) -> [SlotSpan] {
    func word(_ index: Int) -> String { index < tokens.count ? tokens[index] : "" }
    func span(_ end: Int, _ hour: Int, _ minute: Int) -> SlotSpan {
      SlotSpan(end: end, value: .value(.clock(hour: hour, minute: minute)), cost: 0)
    }
    switch word(start) {
    case "noon", "midday": return [span(start + 1, 12, 0)]
    case "midnight": return [span(start + 1, 0, 0)]
    default: break
    }
    let parts = word(start).split(separator: ":")
    if parts.count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]), hour < 24, minute < 60 {
      return [afterHour(tokens, end: start + 1, hour: hour, minute: minute, span: span)]
    }
    var offset = 0
    var minute = 0
    if word(start) == "half", word(start + 1) == "past" {
      minute = 30
      offset = 2
    } else if word(start) == "quarter", word(start + 1) == "past" {
      minute = 15
      offset = 2
    }
    var result: [SlotSpan] = []
    for hourReading in NumberWords.readings(tokens, from: start + offset) {
      guard (0...23).contains(hourReading.value), hourReading.value == hourReading.value.rounded() else {
        continue
      }
      let hour = Int(hourReading.value)
      var end = hourReading.end
      var minutes = minute
      if offset == 0, let minuteReading = NumberWords.readings(tokens, from: end).last,
        minuteReading.value >= 10, minuteReading.value < 60,
        minuteReading.value == minuteReading.value.rounded()
      {
        minutes = Int(minuteReading.value)
        end = minuteReading.end
      }
      result.append(afterHour(tokens, end: end, hour: hour, minute: minutes, span: span))
    }
    return result
  }

  /// Reads "o'clock", "am", "pm", "in the morning/afternoon/evening" after the hour.
  private func afterHour(
    _ tokens: [String], end: Int, hour: Int, minute: Int, span: (Int, Int, Int) -> SlotSpan
  ) -> SlotSpan {
    func word(_ index: Int) -> String { index < tokens.count ? tokens[index] : "" }
    switch (word(end), word(end + 1), word(end + 2)) {
    case ("oclock", _, _): return span(end + 1, hour, minute)
    case ("am", _, _): return span(end + 1, hour % 12, minute)
    case ("pm", _, _): return span(end + 1, hour % 12 + 12, minute)
    case ("a", "m", _): return span(end + 2, hour % 12, minute)
    case ("p", "m", _): return span(end + 2, hour % 12 + 12, minute)
    case ("in", "the", "morning"): return span(end + 3, hour % 12, minute)
    case ("in", "the", "afternoon"), ("in", "the", "evening"): return span(end + 3, hour % 12 + 12, minute)
    default: return span(end, hour, minute)
    }
  }
}
