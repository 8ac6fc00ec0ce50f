import Foundation
import VehicleSignals

/// Signal paths the behaviours read and write (VSS 6.0 names, overlay names under Vehicle.OrgCabin).
enum VSS {
  static let speed = "Vehicle.Speed"
  static let isMoving = "Vehicle.IsMoving"
  static let lowVoltage = "Vehicle.LowVoltageSystemState"
  static let odometer = "Vehicle.TraveledDistance"
  static let sinceStart = "Vehicle.TraveledDistanceSinceStart"
  static let tripMeter = "Vehicle.TripMeterReading"
  static let tripDuration = "Vehicle.TripDuration"
  static let longitudinal = "Vehicle.Acceleration.Longitudinal"
  static let lateral = "Vehicle.Acceleration.Lateral"
  static let selectedGear = "Vehicle.Powertrain.Transmission.SelectedGear"
  static let currentGear = "Vehicle.Powertrain.Transmission.CurrentGear"
  static let accelerator = "Vehicle.Chassis.Accelerator.PedalPosition"
  static let brake = "Vehicle.Chassis.Brake.PedalPosition"
  static let steering = "Vehicle.Chassis.SteeringWheel.Angle"
  static let latitude = "Vehicle.CurrentLocation.Latitude"
  static let longitude = "Vehicle.CurrentLocation.Longitude"
  static let heading = "Vehicle.CurrentLocation.Heading"
  static let powertrainRange = "Vehicle.Powertrain.Range"
  static let battery = "Vehicle.Powertrain.TractionBattery"
  static let fuel = "Vehicle.Powertrain.FuelSystem"
  static let charging = "Vehicle.Powertrain.TractionBattery.Charging"
  static let outside = "Vehicle.Exterior.AirTemperature"
  static let lightIntensity = "Vehicle.Exterior.LightIntensity"
  static let hvac = "Vehicle.Cabin.HVAC"
  static let lights = "Vehicle.Body.Lights"
  static let rain = "Vehicle.Body.Raindetection.Intensity"
  static let wiping = "Vehicle.Body.Windshield.Front.Wiping"
  static let sunroof = "Vehicle.Cabin.Sunroof"
  static let zones = [
    ("Row1", "Driver", "DriverSide"), ("Row1", "Passenger", "PassengerSide"),
    ("Row2", "Driver", "DriverSide"), ("Row2", "Passenger", "PassengerSide"),
  ]
}

/// Travel rates in units per second for actuators that take time to reach their target.
private let actuatorRates: [(suffix: String, rate: Double)] = [
  (".Window.Position", 25), (".FanSpeed", 20), ("Sunroof.Position", 10), ("Sunroof.Shade.Position", 20),
]

/// VSS gear numbers for park and drive.
private let gearPark = 126.0
private let gearDrive = 127.0

extension SimulationEngine {
  func isRateLimited(_ path: String) -> Bool { actuatorRates.contains { path.hasSuffix($0.suffix) } }

  func setUpBehaviours() {
    previousSpeed = number(VSS.speed) ?? 0
    previousHeading = number(VSS.heading)
    odometerStart = number(VSS.odometer) ?? 0
    tripStart = number(VSS.tripMeter) ?? 0
    let vehicle = scenario.vehicle
    if vehicle.powertrain == .electric {
      energy = (number(VSS.battery + ".StateOfCharge.Current") ?? 80) / 100 * vehicle.batteryCapacity
    } else {
      energy = (number(VSS.fuel + ".RelativeLevel") ?? 70) / 100 * vehicle.tankCapacity
    }
    if scenario.behaviours.contains(.motion) {
      for path in [VSS.speed, VSS.sinceStart, VSS.tripDuration] where truth[path] == nil {
        setNumber(path, 0)
      }
      if truth[VSS.odometer] == nil { setNumber(VSS.odometer, 0) }
      if truth[VSS.isMoving] == nil { setBool(VSS.isMoving, previousSpeed > 0.1) }
    }
    if scenario.behaviours.contains(.energy) { updateEnergySignals(speed: previousSpeed, charging: false) }
    if scenario.behaviours.contains(.climate) {
      let outside = number(VSS.outside) ?? 15
      for (row, station, _) in VSS.zones {
        let path = "\(SignalCatalog.projectBranch).Climate.\(row).\(station).MeasuredTemperature"
        if truth[path] == nil { setNumber(path, outside) }
      }
    }
  }

  /// An actuation request from a client: rate-limited actuators get a target, switches steer the
  /// positions they control, everything else takes the value at once.
  func actuate(_ path: String, _ value: SignalValue) {
    if let number = value.numericValue, isRateLimited(path) {
      targets[path] = number
      return
    }
    truth[path] = value
    ramps[path] = nil
    guard let command = value.stringValue, path.hasSuffix(".Switch") else { return }
    let position = SignalPath.parent(of: path) + ".Position"
    let current = number(position) ?? 0
    let target: Double? =
      switch command {
      case "OPEN", "ONE_SHOT_OPEN": 100
      case "CLOSE", "ONE_SHOT_CLOSE", "TILT_DOWN": 0
      case "TILT_UP": -100
      case "INACTIVE": current
      default: nil
      }
    if let target, has(position) { targets[position] = target }
  }

  func runBehaviours(t: Double, dt: Double) {
    let behaviours = scenario.behaviours
    let speed = currentSpeed(t: t)
    if behaviours.contains(.motion) { runMotion(speed: speed, dt: dt) }
    if behaviours.contains(.energy) { runEnergy(speed: speed, dt: dt) }
    if behaviours.contains(.actuators) { runActuators(dt: dt) }
    if behaviours.contains(.climate) { runClimate(dt: dt) }
    if behaviours.contains(.lights) { runLights() }
    if behaviours.contains(.wipers) { runWipers() }
    previousSpeed = speed
  }

  private func currentSpeed(t: Double) -> Double {
    if case .drive(let trace) = scenario.trace {
      let speed = trace.speed(at: t) * 3.6
      setNumber(VSS.speed, speed)
      return speed
    }
    return max(0, number(VSS.speed) ?? 0)
  }

  // MARK: - Motion

  private func runMotion(speed: Double, dt: Double) {
    let step = (previousSpeed + speed) / 2 / 3.6 * dt
    distance += step
    let acceleration = (speed - previousSpeed) / 3.6 / dt
    setNumber(VSS.odometer, odometerStart + distance)
    setNumber(VSS.sinceStart, distance)
    if truth[VSS.tripMeter] != nil { setNumber(VSS.tripMeter, (number(VSS.tripMeter) ?? 0) + step) }
    setNumber(VSS.tripDuration, (number(VSS.tripDuration) ?? 0) + dt)
    setBool(VSS.isMoving, speed > 0.1)
    setNumber(VSS.longitudinal, acceleration)
    setNumber(VSS.accelerator, acceleration > 0.05 ? min(100, 15 + acceleration * 30) : (speed > 1 ? 12 : 0))
    setNumber(VSS.brake, acceleration < -0.3 ? min(100, -acceleration * 30) : (speed <= 0.1 ? 15 : 0))
    let selected = number(VSS.selectedGear) ?? gearDrive
    if truth[VSS.selectedGear] == nil { setNumber(VSS.selectedGear, selected) }
    setNumber(VSS.currentGear, gear(speed: speed, selected: selected))
    guard let heading = number(VSS.heading) else { return }
    let turn = remainder(heading - (previousHeading ?? heading), 360)
    previousHeading = heading
    let metresPerSecond = speed / 3.6
    let yawRate = turn / dt * .pi / 180
    setNumber(VSS.lateral, metresPerSecond * yawRate)
    let wheelAngle = metresPerSecond > 1 ? atan(2.8 * yawRate / metresPerSecond) * 180 / .pi : 0
    setNumber(VSS.steering, max(-540, min(540, wheelAngle * 15)))
    guard let latitude = number(VSS.latitude), let longitude = number(VSS.longitude) else { return }
    let radians = heading * .pi / 180
    let north = cos(radians) * step
    let east = sin(radians) * step
    setNumber(VSS.latitude, latitude + north / 111_320)
    setNumber(VSS.longitude, longitude + east / (111_320 * max(0.01, cos(latitude * .pi / 180))))
  }

  private func gear(speed: Double, selected: Double) -> Double {
    guard selected == gearDrive else { return selected == gearPark ? 0 : selected }
    if scenario.vehicle.powertrain == .electric || speed <= 0.1 { return 1 }
    let limits: [Double] = [15, 30, 50, 70, 95]
    return Double((limits.firstIndex { speed < $0 } ?? limits.count) + 1)
  }

  // MARK: - Energy

  private func runEnergy(speed: Double, dt: Double) {
    let vehicle = scenario.vehicle
    let kilometres = (previousSpeed + speed) / 2 / 3.6 * dt / 1000
    let speedFactor = 0.8 + 0.2 * pow(speed / 50, 2)
    var used = kilometres * vehicle.consumption / 100 * speedFactor
    let acceleration = (speed - previousSpeed) / 3.6 / dt
    let kineticKWh = 1800 * acceleration * (speed / 3.6) * dt / 3_600_000
    if vehicle.powertrain == .electric {
      used += kineticKWh > 0 ? kineticKWh / 0.9 : kineticKWh * 0.6
      used += hvacPower() * dt / 3600
    } else {
      used += max(0, kineticKWh) / 2.5
    }
    energy = max(0, energy - used)
    var charging = false
    let plugged =
      truth[VSS.charging + ".ChargingPort.AnyPosition.IsChargingCableConnected"]?.boolValue == true
    if vehicle.powertrain == .electric, plugged, string(VSS.charging + ".StartStopCharging") != "STOP",
      speed <= 0.1
    {
      let limit = (number(VSS.charging + ".ChargeLimit") ?? 100) / 100 * vehicle.batteryCapacity
      if energy < limit {
        charging = true
        energy = min(limit, energy + vehicle.chargePower * 0.92 * dt / 3600)
      }
    }
    updateEnergySignals(speed: speed, charging: charging)
  }

  private func hvacPower() -> Double {
    guard scenario.behaviours.contains(.climate) else { return 0 }
    let outside = number(VSS.outside) ?? 15
    return VSS.zones.reduce(0) { total, zone in
      let station = "\(VSS.hvac).Station.\(zone.0).\(zone.1)"
      let fan = (number(station + ".FanSpeed") ?? 0) / 100
      let setPoint = number(station + ".Temperature") ?? 21
      return total + fan * (0.15 + abs(setPoint - outside) * 0.04)
    }
  }

  func updateEnergySignals(speed: Double, charging: Bool) {
    let vehicle = scenario.vehicle
    let perKilometre = vehicle.consumption / 100
    let range = energy / perKilometre * 1000
    setNumber(VSS.powertrainRange, range)
    if vehicle.powertrain == .electric {
      let soc = energy / vehicle.batteryCapacity * 100
      setNumber(VSS.battery + ".StateOfCharge.Current", soc)
      setNumber(VSS.battery + ".StateOfCharge.Displayed", soc)
      setNumber(VSS.battery + ".StateOfCharge.CurrentEnergy", energy)
      setNumber(VSS.battery + ".Range", range)
      setBool(VSS.charging + ".IsCharging", charging)
      let power = charging ? vehicle.chargePower : 0
      setNumber(VSS.charging + ".ChargeRate", power / perKilometre)
      setNumber(VSS.charging + ".ChargeVoltage.DC", charging ? 400 : 0)
      setNumber(VSS.charging + ".ChargeCurrent.DC", power * 1000 / 400)
      let limit = (number(VSS.charging + ".ChargeLimit") ?? 100) / 100 * vehicle.batteryCapacity
      setNumber(
        VSS.charging + ".TimeToComplete", charging ? max(0, limit - energy) / (power * 0.92) * 3600 : 0)
    } else {
      setNumber(VSS.fuel + ".AbsoluteLevel", energy)
      setNumber(VSS.fuel + ".RelativeLevel", energy / vehicle.tankCapacity * 100)
      setNumber(VSS.fuel + ".Range", range)
    }
  }

  // MARK: - Actuators

  private func runActuators(dt: Double) {
    for (path, target) in targets.sorted(by: { $0.key < $1.key }) {
      guard let rate = actuatorRates.first(where: { path.hasSuffix($0.suffix) })?.rate else { continue }
      let current = number(path) ?? target
      let delta = max(-rate * dt, min(rate * dt, target - current))
      setNumber(path, current + delta)
    }
  }

  // MARK: - Climate

  private func runClimate(dt: Double) {
    let outside = number(VSS.outside) ?? 15
    let powered = (string(VSS.lowVoltage) ?? "ON") == "ON"
    let airConditioning = truth[VSS.hvac + ".IsAirConditioningActive"]?.boolValue ?? false
    let recirculation = truth[VSS.hvac + ".IsRecirculationActive"]?.boolValue ?? false
    var temperatures: [Double] = []
    for (row, station, side) in VSS.zones {
      let path = "\(SignalCatalog.projectBranch).Climate.\(row).\(station).MeasuredTemperature"
      guard let temperature = number(path) else { continue }
      let stationPath = "\(VSS.hvac).Station.\(row).\(station)"
      let fan = powered ? (number(stationPath + ".FanSpeed") ?? 0) / 100 : 0
      let setPoint = number(stationPath + ".Temperature") ?? 21
      // Without A/C the blower can only cool with outside air, so it cannot go below it.
      let supply = setPoint < temperature && !airConditioning ? max(setPoint, outside) : setPoint
      let window = (number("Vehicle.Cabin.Door.\(row).\(side).Window.Position") ?? 0) / 100
      let leak = (recirculation ? 0.0004 : 0.0006) + 0.004 * window
      let change = (0.004 * fan * (supply - temperature) + leak * (outside - temperature)) * dt
      setNumber(path, temperature + change)
      temperatures.append(temperature + change)
    }
    if !temperatures.isEmpty {
      setNumber(VSS.hvac + ".AmbientAirTemperature", temperatures.reduce(0, +) / Double(temperatures.count))
    }
  }

  // MARK: - Lights and wipers

  private func runLights() {
    let secondOfDay = now.timeIntervalSince1970.truncatingRemainder(dividingBy: 86400)
    let twilight = 1800.0
    let dawn = min(1, max(0, (secondOfDay - scenario.sunrise + twilight) / (2 * twilight)))
    let dusk = min(1, max(0, (scenario.sunset + twilight - secondOfDay) / (2 * twilight)))
    let rain = (number(VSS.rain) ?? 0) / 100
    let daylight = min(dawn, dusk) * (1 - 0.5 * rain)
    setNumber(VSS.lightIntensity, daylight * 100)
    setNumber("Vehicle.Cabin.Light.PerceivedAmbientLight", daylight * 80)
    guard let lightSwitch = string(VSS.lights + ".LightSwitch") else { return }
    switch lightSwitch {
    case "AUTO":
      if daylight < 0.3 { lowBeamOn = true } else if daylight > 0.4 { lowBeamOn = false }
    case "BEAM": lowBeamOn = true
    default: lowBeamOn = false
    }
    setBool(VSS.lights + ".Beam.Low.IsOn", lowBeamOn)
    setBool(VSS.lights + ".Parking.IsOn", lowBeamOn || lightSwitch == "POSITION")
    setBool(VSS.lights + ".Running.IsOn", !lowBeamOn && lightSwitch != "OFF")
  }

  private func runWipers() {
    guard let mode = string(VSS.wiping + ".Mode") else { return }
    let rain = number(VSS.rain) ?? 0
    let frequency: Double =
      switch mode {
      case "RAIN_SENSOR": rain < 5 ? 0 : rain < 20 ? 15 : rain < 50 ? 40 : rain < 80 ? 55 : 70
      case "INTERVAL": 15
      case "SLOW": 40
      case "MEDIUM": 55
      case "FAST": 70
      default: 0
      }
    setNumber(VSS.wiping + ".System.Frequency", frequency)
    setBool(VSS.wiping + ".System.IsWiping", frequency > 0)
  }
}
