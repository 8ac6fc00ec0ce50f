import Testing
import VehicleSignals

@Suite("D-Bus mapping")
struct DBusMappingTests {
  @Test("branches map to object paths and back")
  func objectPaths() {
    #expect(DBusMapping.objectPath(forBranch: "Vehicle.Cabin.HVAC") == "/org/cabin/Vehicle/Cabin/HVAC")
    #expect(DBusMapping.objectPath(forBranch: "Vehicle") == "/org/cabin/Vehicle")
    #expect(DBusMapping.branch(forObjectPath: "/org/cabin/Vehicle/Cabin/HVAC") == "Vehicle.Cabin.HVAC")
    #expect(DBusMapping.branch(forObjectPath: "/org/other/Vehicle") == nil)
    #expect(DBusMapping.branch(forObjectPath: "/org/cabin/Vehicle//HVAC") == nil)
    #expect(
      DBusMapping.propertyName(forSignal: "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature")
        == "Temperature")
    #expect(
      DBusMapping.signalPath(branch: "Vehicle.Cabin.HVAC", property: "IsAirConditioningActive")
        == "Vehicle.Cabin.HVAC.IsAirConditioningActive")
  }

  @Test(
    "VSS datatypes map to D-Bus signatures",
    arguments: [
      ("boolean", "b"), ("string", "s"), ("uint8", "y"), ("int8", "n"), ("uint16", "q"), ("int16", "n"),
      ("uint32", "u"), ("int32", "i"), ("uint64", "t"), ("int64", "x"), ("float", "d"), ("double", "d"),
      ("string[]", "as"), ("uint8[]", "ay"), ("float[]", "ad"),
    ])
  func signatures(_ vss: String, _ signature: String) throws {
    let type = try #require(SignalDataType(vssName: vss))
    #expect(type.dbusSignature == signature)
    #expect(type.description == vss)
  }

  @Test("unknown and nested array datatypes are rejected")
  func unknownTypes() {
    #expect(SignalDataType(vssName: "float32") == nil)
    #expect(SignalDataType(vssName: "uint8[][]") == nil)
  }

  @Test("every branch of the full export has a valid object path")
  func allBranchesMap() throws {
    let catalog = try SignalCatalog(contentsOf: Fixtures.fullVSS)
    for branch in catalog.branchPaths {
      #expect(DBusMapping.branch(forObjectPath: DBusMapping.objectPath(forBranch: branch)) == branch)
    }
  }
}
