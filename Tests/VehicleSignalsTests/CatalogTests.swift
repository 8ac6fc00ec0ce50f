import Foundation
import Testing
import VehicleSignals

@Suite("Catalog loading")
struct CatalogTests {
  @Test("the full VSS 6.0 export loads with all 1,607 nodes")
  func fullExport() throws {
    let catalog = try SignalCatalog(contentsOf: Fixtures.fullVSS)
    #expect(catalog.nodeCount == 1607)
    #expect(catalog.signals.count == 1267)
    let speed = try #require(catalog["Vehicle.Speed"])
    #expect(speed.kind == .sensor)
    #expect(speed.dataType == .float)
    #expect(speed.unit == "km/h")
    let sunroof = try #require(catalog["Vehicle.Cabin.Sunroof.Position"])
    #expect(sunroof.dataType == .int8 && sunroof.min == -100 && sunroof.max == 100)
    #expect(catalog["Vehicle.Cabin.DoorCount"]?.defaultValue == .uint(4))
    #expect(catalog.branches["Vehicle.Cabin.Seat.Row1.DriverSide"] != nil)
  }

  @Test("every project signal outside the overlay matches VSS 6.0 exactly")
  func projectCatalogMatchesVSS() throws {
    let project = try Fixtures.projectCatalog()
    let vss = try SignalCatalog(contentsOf: Fixtures.fullVSS)
    let vssSignals = project.signals.values.filter {
      !SignalPath.isPath($0.path, within: SignalCatalog.projectBranch)
    }
    #expect(vssSignals.count >= 120)
    for signal in vssSignals {
      let reference = try #require(vss[signal.path], "\(signal.path) is not a VSS 6.0 signal")
      #expect(signal.kind == reference.kind, "\(signal.path)")
      #expect(signal.dataType == reference.dataType, "\(signal.path)")
      #expect(signal.unit == reference.unit, "\(signal.path)")
      #expect(signal.min == reference.min && signal.max == reference.max, "\(signal.path)")
      #expect(signal.allowed == reference.allowed, "\(signal.path)")
    }
  }

  @Test("the project catalog covers what a cockpit needs, overlay under the project branch")
  func projectCoverage() throws {
    let catalog = try Fixtures.projectCatalog()
    let needed = [
      "Vehicle.Speed", "Vehicle.IsMoving", "Vehicle.Powertrain.Transmission.CurrentGear",
      "Vehicle.LowVoltageSystemState", "Vehicle.Chassis.Accelerator.PedalPosition",
      "Vehicle.Chassis.Brake.PedalPosition", "Vehicle.Chassis.SteeringWheel.Angle",
      "Vehicle.TraveledDistance",
      "Vehicle.TripMeterReading", "Vehicle.Powertrain.FuelSystem.RelativeLevel",
      "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current", "Vehicle.Powertrain.Range",
      "Vehicle.Powertrain.TractionBattery.Charging.IsCharging",
      "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature",
      "Vehicle.Cabin.HVAC.Station.Row2.Passenger.FanSpeed",
      "Vehicle.Cabin.HVAC.Station.Row1.Driver.AirDistribution", "Vehicle.Cabin.HVAC.IsAirConditioningActive",
      "Vehicle.Cabin.HVAC.IsRecirculationActive", "Vehicle.Cabin.HVAC.IsFrontDefrosterActive",
      "Vehicle.Cabin.HVAC.AmbientAirTemperature", "Vehicle.Exterior.AirTemperature",
      "Vehicle.Cabin.Seat.Row1.DriverSide.HeatingCooling", "Vehicle.Chassis.SteeringWheel.HeatingCooling",
      "Vehicle.Cabin.Door.Row2.PassengerSide.IsOpen", "Vehicle.Cabin.Door.Row1.DriverSide.IsLocked",
      "Vehicle.Cabin.Door.Row1.DriverSide.Window.Position", "Vehicle.Cabin.Sunroof.Position",
      "Vehicle.Body.Lights.Beam.Low.IsOn", "Vehicle.Cabin.Light.IsDomeOn",
      "Vehicle.Body.Windshield.Front.Wiping.Mode", "Vehicle.Body.Raindetection.Intensity",
      "Vehicle.CurrentLocation.Latitude", "Vehicle.CurrentLocation.Heading",
      "Vehicle.Cabin.Seat.Row1.PassengerSide.OccupancyStatus", "Vehicle.Driver.AttentiveProbability",
      "Vehicle.Chassis.Axle.Row2.Wheel.Left.Tire.Pressure", "Vehicle.OrgCabin.Speech.ActiveTalkerSeat",
      "Vehicle.OrgCabin.Climate.Row1.Driver.MeasuredTemperature",
    ]
    for path in needed { #expect(catalog[path] != nil, "missing \(path)") }
    #expect(catalog.branches[SignalCatalog.projectBranch] != nil)
    #expect(
      catalog["Vehicle.OrgCabin.Speech.ActiveTalkerSeat"]?.allowed?.contains(.string("ROW1_DRIVERSIDE"))
        == true)
  }

  @Test("branches enumerate their leaves and child branches")
  func enumeration() throws {
    let catalog = try Fixtures.projectCatalog()
    let hvac = catalog.signals(in: "Vehicle.Cabin.HVAC").map(\.name)
    #expect(hvac.contains("IsAirConditioningActive"))
    #expect(!hvac.contains("Temperature"))
    #expect(catalog.childBranches(of: "Vehicle.Cabin.HVAC").map(\.path) == ["Vehicle.Cabin.HVAC.Station"])
    #expect(catalog.signals(under: "Vehicle.Cabin.HVAC.Station.Row1").count == 6)
  }

  struct BrokenCase: Sendable, CustomTestStringConvertible {
    let json: String
    let node: String?
    let rule: CatalogError.Rule
    let mentions: String
    var testDescription: String { rule.rawValue + (node.map { " at \($0)" } ?? "") }
  }

  static let brokenCases: [BrokenCase] = [
    .init(
      json: #"{"Vehicle": {"type": "branch", "children": {"#, node: nil, rule: .malformedJSON,
      mentions: "JSON"),
    .init(json: #"[1, 2]"#, node: nil, rule: .badShape, mentions: "top level"),
    .init(json: #"{"Vehicle": {"children": {}}}"#, node: "Vehicle", rule: .missingField, mentions: "type"),
    .init(
      json: #"{"Vehicle": {"type": "branch"}}"#, node: "Vehicle", rule: .missingField, mentions: "children"),
    .init(
      json: #"{"Vehicle": {"type": "branch", "children": {"Speed": {"type": "sensor"}}}}"#,
      node: "Vehicle.Speed",
      rule: .missingField, mentions: "datatype"),
    .init(
      json:
        #"{"Vehicle": {"type": "branch", "children": {"Speed": {"type": "sensor", "datatype": "float32"}}}}"#,
      node: "Vehicle.Speed", rule: .unknownDatatype, mentions: "float32"),
    .init(
      json:
        #"{"Vehicle": {"type": "branch", "children": {"Speed": {"type": "signal", "datatype": "float"}}}}"#,
      node: "Vehicle.Speed", rule: .unknownNodeType, mentions: "signal"),
    .init(
      json:
        #"{"Vehicle": {"type": "branch", "children": {"Top Speed": {"type": "sensor", "datatype": "float"}}}}"#,
      node: "Vehicle.Top Speed", rule: .invalidName, mentions: "Top Speed"),
    .init(
      json:
        #"{"Vehicle": {"type": "branch", "children": {"Fan": {"type": "actuator", "datatype": "uint8", "min": 90, "max": 10}}}}"#,
      node: "Vehicle.Fan", rule: .inconsistentLimits, mentions: "greater than max"),
    .init(
      json:
        #"{"Vehicle": {"type": "branch", "children": {"Fan": {"type": "actuator", "datatype": "uint8", "max": 300}}}}"#,
      node: "Vehicle.Fan", rule: .inconsistentLimits, mentions: "uint8"),
    .init(
      json:
        #"{"Vehicle": {"type": "branch", "children": {"Mode": {"type": "actuator", "datatype": "string", "allowed": ["A", 2]}}}}"#,
      node: "Vehicle.Mode", rule: .inconsistentLimits, mentions: "allowed"),
    .init(
      json:
        #"{"Vehicle": {"type": "branch", "children": {"Mode": {"type": "actuator", "datatype": "string", "min": 1}}}}"#,
      node: "Vehicle.Mode", rule: .inconsistentLimits, mentions: "min"),
    .init(
      json:
        #"{"Vehicle": {"type": "branch", "children": {"Doors": {"type": "attribute", "datatype": "uint8", "default": "four"}}}}"#,
      node: "Vehicle.Doors", rule: .inconsistentLimits, mentions: "default"),
    .init(
      json: #"{"Vehicle": {"type": "branch", "children": {"Speed": "fast"}}}"#, node: "Vehicle.Speed",
      rule: .badShape,
      mentions: "object"),
  ]

  @Test("a broken catalog names the file, the node and the rule", arguments: brokenCases)
  func brokenFile(_ broken: BrokenCase) {
    #expect {
      try Fixtures.catalog(broken.json, source: "broken.json")
    } throws: { error in
      guard let error = error as? CatalogError else { return false }
      let text = error.description
      return error.rule == broken.rule && error.node == broken.node && error.file == "broken.json"
        && text.hasPrefix("broken.json") && text.contains(broken.mentions)
    }
  }

  @Test("a missing file is an unreadable-file error naming the path")
  func missingFile() {
    let url = URL(fileURLWithPath: "/nonexistent/vss.json")
    #expect(throws: CatalogError.self) { try SignalCatalog(contentsOf: url) }
    do {
      _ = try SignalCatalog(contentsOf: url)
    } catch {
      #expect(error.rule == .unreadable && error.file == url.path)
    }
  }

  @Test("a truncated copy of the real export fails with a JSON error")
  func truncatedExport() throws {
    let data = try Data(contentsOf: Fixtures.fullVSS)
    #expect {
      try SignalCatalog(vssJSON: data.prefix(data.count / 2), source: "cut.json")
    } throws: { error in
      (error as? CatalogError)?.rule == .malformedJSON && (error as? CatalogError)?.file == "cut.json"
    }
  }

  @Test("overlay signals must stay under the project branch and not redefine VSS nodes")
  func overlayRules() throws {
    let base = try Fixtures.projectCatalog()
    let intruder = try Fixtures.catalog(
      #"{"Vehicle": {"type": "branch", "children": {"Cabin": {"type": "branch", "children": {"SpeakerSeat": {"type": "sensor", "datatype": "string"}}}}}}"#
    )
    #expect {
      try base.merging(overlay: intruder, source: "intruder.json")
    } throws: { ($0 as? CatalogError)?.rule == .overlayOutsideProjectBranch }
    let duplicate = try Fixtures.catalog(
      #"{"Vehicle": {"type": "branch", "children": {"OrgCabin": {"type": "branch", "children": {"Speech": {"type": "branch", "children": {"ActiveTalkerSeat": {"type": "sensor", "datatype": "string"}}}}}}}}"#
    )
    #expect {
      try base.merging(overlay: duplicate, source: "dup.json")
    } throws: { error in
      (error as? CatalogError)?.rule == .duplicateNode
        && (error as? CatalogError)?.node == "Vehicle.OrgCabin.Speech.ActiveTalkerSeat"
    }
  }

  @Test("the overlay merges onto the full VSS export too")
  func overlayOnFullExport() throws {
    let vss = try SignalCatalog(contentsOf: Fixtures.fullVSS)
    let overlayURL = Fixtures.projectCatalogDirectory.appendingPathComponent("overlay/cabin.json")
    let merged = try vss.merging(overlay: SignalCatalog(contentsOf: overlayURL), source: overlayURL.path)
    #expect(merged.signals.count == vss.signals.count + 5)
    #expect(merged["Vehicle.OrgCabin.Climate.Row2.Passenger.MeasuredTemperature"]?.unit == "Celsius")
  }
}
