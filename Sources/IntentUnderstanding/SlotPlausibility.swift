/// The slot values a driver asks for in a car, to tell a spoken command from a recogniser's guess.
///
/// A command grammar search finds some path through the grammar for any speech, and where the
/// speech is not a command its numbers come out as whatever the acoustics come closest to: "put
/// the kids at four hundred forty", "sixty and a half degrees colder", "tune to six two am". No
/// one sets a cabin to 440 degrees, so such a path is better heard again by the general language
/// model. Text is understood as it is written; only the speech path asks this.
///
/// The bounds are those of any climate system and radio band a head unit meets, not of one car,
/// which the vehicle checks when the request is carried out:
/// - `highestSetting`: the temperature of `climate.set_temperature` (at most 100). Cabins are set
///   between about 16 and 30 °C or 60 and 86 °F, but without the dialogue "set it to five" reads
///   as a temperature of 5 °C where it follows a fan request, and a percentage or level goes to 100.
/// - `largestTemperatureStep`: the change of `climate.adjust_temperature` (at most 45 degrees, the
///   span from 50 to 95 °F; no change is wider than the whole range).
/// - `frequencyMegahertz`: an FM frequency (76 to 108 MHz, Japan's band included).
/// - `frequencyKilohertz`: an AM frequency (148.5 to 1,710 kHz, long wave included).
public struct SlotPlausibility: Sendable, Equatable {
  /// The highest temperature to set (either unit).
  public var highestSetting: Double
  /// The largest change of temperature asked for at once (either unit).
  public var largestTemperatureStep: Double
  /// FM frequencies, in MHz.
  public var frequencyMegahertz: ClosedRange<Double>
  /// AM frequencies, in kHz.
  public var frequencyKilohertz: ClosedRange<Double>

  /// Creates a plausibility check; every parameter has the documented default.
  public init(
    highestSetting: Double = 100, largestTemperatureStep: Double = 45,
    frequencyMegahertz: ClosedRange<Double> = 76...108, frequencyKilohertz: ClosedRange<Double> = 148.5...1710
  ) {
    self.highestSetting = highestSetting
    self.largestTemperatureStep = largestTemperatureStep
    self.frequencyMegahertz = frequencyMegahertz
    self.frequencyKilohertz = frequencyKilohertz
  }

  /// The documented defaults.
  public static let standard = SlotPlausibility()

  /// The names of `intent`'s slots whose values no driver asks for, sorted; empty when every slot
  /// is plausible.
  public func implausibleSlots(of intent: UnderstoodIntent) -> [String] {
    intent.slots.filter { !accepts($0.value, in: intent.name) }.map(\.key).sorted()
  }

  /// Whether every slot of every intent in `understanding` holds a value a driver asks for.
  public func accepts(_ understanding: Understanding) -> Bool {
    understanding.intents.allSatisfy { implausibleSlots(of: $0).isEmpty }
  }

  private func accepts(_ value: SlotValue, in intent: String) -> Bool {
    switch value {
    case .temperature(let degrees, _):
      switch intent {
      case "climate.set_temperature": return degrees <= highestSetting
      case "climate.adjust_temperature": return degrees <= largestTemperatureStep
      // A follow-up's value is a temperature only after a climate request.
      default: return true
      }
    case .frequency(let frequency, let band):
      return (band == .fm ? frequencyMegahertz : frequencyKilohertz).contains(frequency)
    case .number, .percent, .level, .zone, .duration, .text, .contact, .choice, .clock:
      return true
    }
  }
}

extension IntentUnderstander {
  /// Whether `text` is understood with plausible slots only (`SlotPlausibility.standard`); text
  /// the understander cannot read counts as plausible, since it holds no value to doubt.
  public func hasPlausibleSlots(_ text: String) -> Bool {
    guard let understanding = try? understand(text) else { return true }
    return SlotPlausibility.standard.accepts(understanding)
  }
}
