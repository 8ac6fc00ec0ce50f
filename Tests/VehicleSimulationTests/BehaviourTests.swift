import Foundation
import Testing
import VehicleSignals
import VehicleSimulation

@Suite("Behaviours")
struct BehaviourTests {
  let catalog: SignalCatalog
  let store: SignalStore

  init() throws {
    catalog = try Fixtures.catalog()
    store = SignalStore(catalog: catalog)
  }

  func value(_ path: String) throws -> Double {
    try #require(try store.read(path).value?.numericValue, "\(path) has no number")
  }

  func shipped(_ file: String) throws -> SimulationEngine {
    let scenario = try Scenario.load(
      contentsOf: Fixtures.scenarios.appendingPathComponent(file), catalog: catalog)
    return try SimulationEngine(scenario: scenario, store: store)
  }

  @Test("a window travels to its target at about 25% per second")
  func windowTravel() throws {
    var scenario = Scenario(name: "window", duration: 10)
    scenario.initial = ["Vehicle.Cabin.Door.Row1.DriverSide.Window.Position": .uint(0)]
    let engine = try SimulationEngine(scenario: scenario, store: store)
    try store.requestActuation(
      "Vehicle.Cabin.Door.Row1.DriverSide.Window.Position", to: .uint(100), source: "test")
    try engine.run(until: 2)
    let halfway = try value("Vehicle.Cabin.Door.Row1.DriverSide.Window.Position")
    #expect((45...55).contains(halfway))
    try engine.run(until: 6)
    #expect(try value("Vehicle.Cabin.Door.Row1.DriverSide.Window.Position") == 100)
  }

  @Test("the sunroof switch opens the sunroof gradually; a switch on a sensor position is the only way")
  func sunroof() throws {
    var scenario = Scenario(name: "sunroof", duration: 20)
    scenario.initial = ["Vehicle.Cabin.Sunroof.Position": .int(0)]
    let engine = try SimulationEngine(scenario: scenario, store: store)
    #expect(throws: SignalValidationError.self) {
      try store.requestActuation("Vehicle.Cabin.Sunroof.Position", to: .int(50), source: "test")
    }
    try store.requestActuation("Vehicle.Cabin.Sunroof.Switch", to: .string("OPEN"), source: "test")
    try engine.run(until: 5)
    #expect((45...55).contains(try value("Vehicle.Cabin.Sunroof.Position")))
    try engine.runToEnd()
    #expect(try value("Vehicle.Cabin.Sunroof.Position") == 100)
  }

  @Test("the cold morning cabin warms towards the set point while the outside stays cold")
  func coldMorning() throws {
    let engine = try shipped("cold-morning.yaml")
    try engine.run(until: 600)
    let driverZone = try value("Vehicle.OrgCabin.Climate.Row1.Driver.MeasuredTemperature")
    let rearZone = try value("Vehicle.OrgCabin.Climate.Row2.Driver.MeasuredTemperature")
    #expect(driverZone > 12 && driverZone < 22)
    #expect(rearZone < driverZone)
    #expect(try value("Vehicle.Exterior.AirTemperature") == -8)
    #expect(try store.read("Vehicle.Body.Lights.Beam.Low.IsOn").value == .bool(true))
    #expect(try value("Vehicle.Cabin.Seat.Row1.DriverSide.HeatingCooling") == 100)
    #expect(try value("Vehicle.Powertrain.Transmission.CurrentGear") == 1)
  }

  @Test("at night on AUTO the low beams are on; the highway drive burns fuel and covers distance")
  func highwayNight() throws {
    let engine = try shipped("highway-night.yaml")
    let startFuel = try value("Vehicle.Powertrain.FuelSystem.AbsoluteLevel")
    try engine.run(until: 300)
    #expect(try store.read("Vehicle.Body.Lights.Beam.Low.IsOn").value == .bool(true))
    #expect(try value("Vehicle.Speed") == 120)
    #expect(try value("Vehicle.Powertrain.Transmission.CurrentGear") == 6)
    #expect(try store.read("Vehicle.IsMoving").value == .bool(true))
    try engine.runToEnd()
    let kilometres = try value("Vehicle.TraveledDistanceSinceStart") / 1000
    #expect(kilometres > 70 && kilometres < 80)
    let used = startFuel - (try value("Vehicle.Powertrain.FuelSystem.AbsoluteLevel"))
    #expect(used / kilometres * 100 > 5 && used / kilometres * 100 < 15)
    #expect(try value("Vehicle.Speed") == 0)
  }

  @Test("in the city shower the rain-sensing wipers start and stop with the rain")
  func cityRain() throws {
    let engine = try shipped("city-rain.yaml")
    try engine.run(until: 200)
    #expect(try store.read("Vehicle.Body.Windshield.Front.Wiping.System.IsWiping").value == .bool(false))
    try engine.run(until: 420)
    #expect(try value("Vehicle.Body.Windshield.Front.Wiping.System.Frequency") >= 40)
    #expect(try store.read("Vehicle.Body.Windshield.Front.Wiping.System.IsWiping").value == .bool(true))
    try engine.runToEnd()
    #expect(try store.read("Vehicle.Body.Windshield.Front.Wiping.System.IsWiping").value == .bool(false))
    #expect(try value("Vehicle.TripMeterReading") > 5000)
    #expect(try value("Vehicle.CurrentLocation.Heading") == 180)
    #expect(try value("Vehicle.CurrentLocation.Latitude") < 48.1372)
  }

  @Test("parked at the wallbox the battery charges and the range grows")
  func charging() throws {
    let engine = try shipped("parked-charging.yaml")
    try engine.run(until: 60)
    #expect(try store.read("Vehicle.Powertrain.TractionBattery.Charging.IsCharging").value == .bool(true))
    let range = try value("Vehicle.Powertrain.TractionBattery.Range")
    let timeToComplete = try value("Vehicle.Powertrain.TractionBattery.Charging.TimeToComplete")
    #expect(timeToComplete > 3 * 3600 && timeToComplete < 4 * 3600)
    try engine.runToEnd()
    let soc = try value("Vehicle.Powertrain.TractionBattery.StateOfCharge.Current")
    #expect(soc > 45 && soc < 50)
    #expect(try value("Vehicle.Powertrain.TractionBattery.Range") > range)
    #expect(try value("Vehicle.OrgCabin.Climate.Row1.Driver.MeasuredTemperature") < 29)
  }

  @Test("charging stops at the charge limit")
  func chargeLimit() throws {
    var scenario = Scenario(name: "limit", duration: 600)
    scenario.behaviours = [.energy]
    scenario.vehicle.batteryCapacity = 10
    scenario.vehicle.chargePower = 50
    scenario.initial = [
      "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current": .double(70),
      "Vehicle.Powertrain.TractionBattery.Charging.ChargeLimit": .uint(80),
      "Vehicle.Powertrain.TractionBattery.Charging.ChargingPort.AnyPosition.IsChargingCableConnected": .bool(
        true),
    ]
    let engine = try SimulationEngine(scenario: scenario, store: store)
    try engine.runToEnd()
    #expect(abs(try value("Vehicle.Powertrain.TractionBattery.StateOfCharge.Current") - 80) < 0.01)
    #expect(try store.read("Vehicle.Powertrain.TractionBattery.Charging.IsCharging").value == .bool(false))
  }
}
