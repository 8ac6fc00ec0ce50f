import Testing
import VehicleSignals

@Suite("Write validation")
struct ValidationTests {
  let catalog: SignalCatalog

  init() throws { catalog = try Fixtures.projectCatalog() }

  func actuationError(_ path: String, _ value: SignalValue) -> SignalValidationError? {
    do {
      _ = try catalog.definition(path).validateActuation(value)
      return nil
    } catch {
      return error
    }
  }

  @Test("a value of the wrong type names the signal and the expected type")
  func wrongType() throws {
    let error = try #require(actuationError("Vehicle.Cabin.HVAC.IsAirConditioningActive", .string("yes")))
    #expect(error.rule == .wrongType)
    #expect(
      error.description == "Vehicle.Cabin.HVAC.IsAirConditioningActive: expects boolean, got string \"yes\"")
    #expect(
      actuationError("Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed", .double(40.5))?.rule == .wrongType)
    #expect(
      actuationError("Vehicle.Cabin.HVAC.Station.Row1.Driver.AirDistribution", .int(1))?.rule == .wrongType)
  }

  @Test("a value outside min/max or the datatype's range is out of range")
  func outOfRange() throws {
    let aboveMax = try #require(actuationError("Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed", .uint(101)))
    #expect(aboveMax.rule == .outOfRange)
    #expect(aboveMax.description.contains("above max 100"))
    let belowMin = try #require(
      actuationError("Vehicle.Cabin.Seat.Row1.DriverSide.HeatingCooling", .int(-101)))
    #expect(belowMin.rule == .outOfRange && belowMin.description.contains("below min -100"))
    let typeRange = try #require(actuationError("Vehicle.Powertrain.Transmission.SelectedGear", .int(200)))
    #expect(typeRange.rule == .outOfRange && typeRange.description.contains("int8"))
  }

  @Test("a value missing from the allowed list lists the allowed values")
  func notAllowed() throws {
    let error = try #require(actuationError("Vehicle.Body.Windshield.Front.Wiping.Mode", .string("TURBO")))
    #expect(error.rule == .notAllowed)
    #expect(error.description.contains("\"RAIN_SENSOR\""))
  }

  @Test("a sensor or attribute written as if it were an actuator is refused")
  func notWritable() throws {
    let sensor = try #require(actuationError("Vehicle.Speed", .double(50)))
    #expect(sensor.rule == .notWritable)
    #expect(sensor.description == "Vehicle.Speed: is a sensor, only actuators accept writes")
    #expect(actuationError("Vehicle.Powertrain.Type", .string("ELECTRIC"))?.rule == .notWritable)
  }

  @Test("an unknown path is reported as such")
  func unknownSignal() {
    #expect(throws: SignalValidationError.self) { try catalog.definition("Vehicle.Warp.Factor") }
    #expect((try? catalog.definition("Vehicle.Warp.Factor")) == nil)
  }

  @Test("valid values come back in the canonical case for the datatype")
  func normalization() throws {
    #expect(
      try catalog.definition("Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature").validate(.int(21))
        == .double(21))
    #expect(
      try catalog.definition("Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed").validate(.int(40))
        == .uint(40))
    #expect(
      try catalog.definition("Vehicle.Cabin.Seat.Row1.DriverSide.HeatingCooling").validate(.uint(30))
        == .int(30))
    #expect(
      try catalog.definition("Vehicle.Body.Windshield.Front.Wiping.Mode").validateActuation(
        .string("RAIN_SENSOR"))
        == .string("RAIN_SENSOR"))
  }

  @Test("array values are checked element by element, allowed list included")
  func arrays() throws {
    let vss = try SignalCatalog(contentsOf: Fixtures.fullVSS)
    let definition = try vss.definition(
      "Vehicle.Powertrain.TractionBattery.Charging.ChargingPort.AnyPosition.SupportedInletTypes")
    #expect(definition.dataType == .array(.string))
    let inlets: SignalValue = .array([.string("IEC_TYPE_2_AC"), .string("IEC_TYPE_2_CCS_DC")])
    #expect(try definition.validate(inlets) == inlets)
    #expect {
      try definition.validate(.array([.string("IEC_TYPE_2_AC"), .string("GARDEN_HOSE")]))
    } throws: { ($0 as? SignalValidationError)?.rule == .notAllowed }
    #expect {
      try definition.validate(.array([.string("IEC_TYPE_2_AC"), .int(2)]))
    } throws: { ($0 as? SignalValidationError)?.rule == .wrongType }
    #expect {
      try definition.validate(.string("IEC_TYPE_2_AC"))
    } throws: { ($0 as? SignalValidationError)?.rule == .wrongType }
  }

}
