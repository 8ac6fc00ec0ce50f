/// A seat zone in the cabin, as named in the intent catalog.
public enum Zone: String, Sendable, Codable, Equatable, Hashable, CaseIterable {
  /// The driver's seat.
  case driver
  /// The front passenger seat.
  case passenger
  /// The rear left seat.
  case rearLeft = "rear_left"
  /// The rear right seat.
  case rearRight = "rear_right"
  /// The whole rear row.
  case rear
  /// Every seat.
  case all
}

/// The unit of a temperature slot.
public enum TemperatureUnit: String, Sendable, Codable, Equatable, Hashable {
  /// Degrees Celsius.
  case celsius
  /// Degrees Fahrenheit.
  case fahrenheit
}

/// The band of a radio frequency.
public enum RadioBand: String, Sendable, Codable, Equatable, Hashable {
  /// Frequency modulation; values in MHz.
  case fm
  /// Amplitude modulation; values in kHz.
  case am
}

/// A person the driver can call or message, as given to the understander.
public struct Contact: Sendable, Codable, Equatable, Hashable {
  /// The name as it appears in the contact list.
  public var name: String
  /// Other ways the driver may say the name ("mum" for "Mom").
  public var aliases: [String]

  /// Creates a contact with a display name and optional spoken aliases.
  public init(name: String, aliases: [String] = []) {
    self.name = name
    self.aliases = aliases
  }
}

/// A typed slot value.
///
/// Encoded as a JSON object with a `type` key and the fields of the case, for example
/// `{"type":"temperature","value":21.5,"unit":"celsius"}`.
public enum SlotValue: Sendable, Equatable, Hashable {
  /// A plain number ("three", "42").
  case number(Double)
  /// An absolute temperature or a temperature difference.
  case temperature(value: Double, unit: TemperatureUnit)
  /// A percentage from 0 to 100.
  case percent(Double)
  /// A discrete level (fan speed, seat heating step, volume step).
  case level(Int)
  /// A seat zone.
  case zone(Zone)
  /// A length of time in seconds.
  case duration(seconds: Double)
  /// A radio frequency with its band.
  case frequency(value: Double, band: RadioBand)
  /// Free text taken from the utterance (destinations, media queries, message bodies).
  case text(String)
  /// The name of a contact from the contact list given to the understander.
  case contact(String)
  /// One value out of a closed set named by the catalog ("warmer", "on", "gas", "fm").
  case choice(String)
  /// A time of day on a 24-hour clock ("half past three pm" is 15:30).
  case clock(hour: Int, minute: Int)
}

extension SlotValue: Codable {
  private enum CodingKeys: String, CodingKey {
    case type
    case value
    case unit
    case band
    case hour
    case minute
  }

  private enum Kind: String, Codable {
    case number
    case temperature
    case percent
    case level
    case zone
    case duration
    case frequency
    case text
    case contact
    case choice
    case clock
  }

  /// Decodes the `type`-tagged JSON shape written by `encode(to:)`.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    switch try container.decode(Kind.self, forKey: .type) {
    case .number: self = .number(try container.decode(Double.self, forKey: .value))
    case .temperature:
      self = .temperature(
        value: try container.decode(Double.self, forKey: .value),
        unit: try container.decode(TemperatureUnit.self, forKey: .unit))
    case .percent: self = .percent(try container.decode(Double.self, forKey: .value))
    case .level: self = .level(try container.decode(Int.self, forKey: .value))
    case .zone: self = .zone(try container.decode(Zone.self, forKey: .value))
    case .duration: self = .duration(seconds: try container.decode(Double.self, forKey: .value))
    case .frequency:
      self = .frequency(
        value: try container.decode(Double.self, forKey: .value),
        band: try container.decode(RadioBand.self, forKey: .band))
    case .text: self = .text(try container.decode(String.self, forKey: .value))
    case .contact: self = .contact(try container.decode(String.self, forKey: .value))
    case .choice: self = .choice(try container.decode(String.self, forKey: .value))
    case .clock:
      self = .clock(
        hour: try container.decode(Int.self, forKey: .hour),
        minute: try container.decode(Int.self, forKey: .minute))
    }
  }

  /// Encodes the value as an object with a `type` key and the case's fields.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    switch self {
    case .number(let value):
      try container.encode(Kind.number, forKey: .type)
      try container.encode(value, forKey: .value)
    case .temperature(let value, let unit):
      try container.encode(Kind.temperature, forKey: .type)
      try container.encode(value, forKey: .value)
      try container.encode(unit, forKey: .unit)
    case .percent(let value):
      try container.encode(Kind.percent, forKey: .type)
      try container.encode(value, forKey: .value)
    case .level(let value):
      try container.encode(Kind.level, forKey: .type)
      try container.encode(value, forKey: .value)
    case .zone(let value):
      try container.encode(Kind.zone, forKey: .type)
      try container.encode(value, forKey: .value)
    case .duration(let seconds):
      try container.encode(Kind.duration, forKey: .type)
      try container.encode(seconds, forKey: .value)
    case .frequency(let value, let band):
      try container.encode(Kind.frequency, forKey: .type)
      try container.encode(value, forKey: .value)
      try container.encode(band, forKey: .band)
    case .text(let value):
      try container.encode(Kind.text, forKey: .type)
      try container.encode(value, forKey: .value)
    case .contact(let value):
      try container.encode(Kind.contact, forKey: .type)
      try container.encode(value, forKey: .value)
    case .choice(let value):
      try container.encode(Kind.choice, forKey: .type)
      try container.encode(value, forKey: .value)
    case .clock(let hour, let minute):
      try container.encode(Kind.clock, forKey: .type)
      try container.encode(hour, forKey: .hour)
      try container.encode(minute, forKey: .minute)
    }
  }
}
