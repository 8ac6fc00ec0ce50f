import CabinTestKit
import Foundation
import Testing
import VehicleBus

/// The committed system-bus policy for `org.cabin.Vehicle1` and `org.cabin.Simulator1`, exercised
/// by a client running as another user (`nobody`, through `setpriv`).
@Suite("Vehicle service under the system-bus policy", .timeLimit(.minutes(1)))
struct VehiclePolicyTests {
  private static let script =
    ExternalTool.busProbe + """
      vehicle = dbus.Interface(bus.get_object("org.cabin.Vehicle1", "/org/cabin/Vehicle"), "org.cabin.Vehicle1")
      simulator = dbus.Interface(
          bus.get_object("org.cabin.Simulator1", "/org/cabin/Simulator"), "org.cabin.Simulator1")
      attempt("Get", lambda: vehicle.Get(["Vehicle.Speed"]))
      attempt("Metadata", lambda: vehicle.Metadata("Vehicle.Speed"))
      attempt("Actuate", lambda: vehicle.Actuate("Vehicle.Cabin.Sunroof.Switch", dbus.String("OPEN", variant_level=1)))
      attempt("Pause", lambda: simulator.Pause())
      """

  @Test func anotherUserMayReadSignalsButNeitherActuateNorDriveTheSimulator() async throws {
    let bus = try PrivateBus(systemPolicies: PrivateBus.committedSystemPolicies)
    let outputs = try await withVehicle(autoplay: false, bus: bus) { fixture in
      (
        try await ExternalTool.python(Self.script, [fixture.bus.address], asNobody: true),
        try await ExternalTool.python(Self.script, [fixture.bus.address])
      )
    }
    #expect(outputs.0.status == 0, "\(outputs.0.error)")
    #expect(
      outputs.0.output.split(separator: "\n") == [
        "Get ok", "Metadata ok", "Actuate org.freedesktop.DBus.Error.AccessDenied",
        "Pause org.freedesktop.DBus.Error.AccessDenied",
      ])
    // The service's own user may do everything.
    #expect(outputs.1.output.split(separator: "\n") == ["Get ok", "Metadata ok", "Actuate ok", "Pause ok"])
  }
}
