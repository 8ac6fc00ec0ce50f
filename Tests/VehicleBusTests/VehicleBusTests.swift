import CabinDBus
import CabinTestKit
import Foundation
import Testing
import VehicleBus
import VehicleSignals

@Suite("org.cabin.Vehicle1 on a private bus", .serialized, .timeLimit(.minutes(1)))
struct VehicleBusTests {
  @Test("busctl shows the VSS tree, and a branch's leaves as typed properties")
  func treeAndIntrospection() async throws {
    try await withVehicle { fixture in
      let tree = try await ExternalTool.run(
        "/usr/bin/busctl", ["--address", fixture.bus.address, "tree", "org.cabin.Vehicle1"])
      #expect(tree.status == 0, "\(tree.error)")
      #expect(tree.output.contains("/org/cabin/Vehicle/Cabin/HVAC/Station/Row1/Driver"))
      #expect(tree.output.contains("/org/cabin/Simulator"))
      let object = try await ExternalTool.run(
        "/usr/bin/busctl",
        [
          "--address", fixture.bus.address, "introspect", "org.cabin.Vehicle1",
          "/org/cabin/Vehicle/Cabin/HVAC/Station/Row1/Driver",
        ])
      #expect(object.status == 0, "\(object.error)")
      let temperature = object.output.split(separator: "\n").first { $0.hasPrefix(".Temperature") }
      #expect(temperature?.contains("property") == true)
      #expect(temperature?.contains(" d ") == true)
      #expect(temperature?.contains("writable") == true)
      #expect(object.output.contains("org.cabin.Vehicle1.Cabin.HVAC.Station.Row1.Driver"))
      let root = try await ExternalTool.run(
        "/usr/bin/busctl",
        ["--address", fixture.bus.address, "introspect", "org.cabin.Vehicle1", "/org/cabin/Vehicle"])
      #expect(root.output.contains("org.freedesktop.DBus.ObjectManager"))
      #expect(root.output.contains(".SignalsChanged"))
      let speed = root.output.split(separator: "\n").first { $0.hasPrefix(".Speed") }
      #expect(speed?.contains("writable") == false)
    }
  }

  @Test("gdbus reads a property and sees it change")
  func gdbusReadsAndWatches() async throws {
    try await withVehicle(rate: 10) { fixture in
      let read = try await ExternalTool.run(
        "/usr/bin/gdbus",
        [
          "call", "--address", fixture.bus.address, "-d", "org.cabin.Vehicle1", "-o", "/org/cabin/Vehicle",
          "-m", "org.freedesktop.DBus.Properties.Get", "org.cabin.Vehicle1.Vehicle", "Speed",
        ])
      #expect(read.status == 0, "\(read.error)")
      let expected = try await fixture.client.get("Vehicle.Speed")
      #expect(expected.status == .available)
      #expect(read.output.hasPrefix("(<"))
      let monitor = try await ExternalTool.run(
        "/usr/bin/timeout",
        [
          "-s", "KILL", "2", "/usr/bin/gdbus", "monitor", "--address", fixture.bus.address, "--dest",
          "org.cabin.Vehicle1",
        ])
      #expect(
        monitor.output.contains(
          "org.freedesktop.DBus.Properties.PropertiesChanged ('org.cabin.Vehicle1.Vehicle'"))
      #expect(monitor.output.contains("org.cabin.Vehicle1.SignalsChanged"))
    }
  }

  @Test("Actuate accepts a valid request, the actuator moves, and each broken rule has its error name")
  func actuation() async throws {
    try await withVehicle(rate: 10) { fixture in
      let client = fixture.client
      let dome = "Vehicle.Cabin.Light.IsDomeOn"
      let current = try await client.get(dome).value?.boolValue ?? false
      let moved = Task { try await firstChange(client, dome) { $0.value == .bool(!current) } }
      try await Task.sleep(for: .milliseconds(100))
      try await client.actuate(dome, to: .bool(!current))
      #expect(try await moved.value?.status == .available)

      let cases: [(String, SignalValue, ErrorName)] = [
        ("Vehicle.Cabin.Nothing", .bool(true), VehicleErrorName.unknownSignal),
        ("Vehicle.Speed", .double(10), VehicleErrorName.notActuator),
        ("Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed", .string("fast"), VehicleErrorName.wrongType),
        ("Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed", .uint(150), VehicleErrorName.outOfRange),
        (
          "Vehicle.Cabin.HVAC.Station.Row1.Driver.AirDistribution", .string("SIDEWAYS"),
          VehicleErrorName.notAllowed
        ),
      ]
      for (path, value, name) in cases {
        do {
          try await client.actuate(path, to: value)
          Issue.record("\(path) = \(value) was accepted")
        } catch let error as DBusError {
          #expect(error.name == name)
          #expect(error.message.contains(path))
        }
      }
      let fanSpeed = try await client.metadata("Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed")
      #expect(fanSpeed.kind == "actuator")
      #expect(fanSpeed.max == 100)
      #expect(fanSpeed.signature == "y")
    }
  }

  @Test("every fault kind reaches a subscriber through the bus")
  func faults() async throws {
    try await withVehicle(rate: 10) { fixture in
      let client = fixture.client
      let temperature = "Vehicle.Exterior.Humidity"
      func inject(_ kind: String, _ path: String = temperature) async throws {
        try await fixture.control("ClearFaults", [.string("")])
        try await fixture.control("Set", [.string(temperature), .variant(.double(10))])
        try await fixture.control("InjectFault", [.string(kind), .string(path), .double(0)])
      }
      func expectChange(_ kind: String, _ condition: @escaping @Sendable (SignalReading) -> Bool) async throws
      {
        let seen = Task { try await firstChange(client, temperature, where: condition) }
        try await Task.sleep(for: .milliseconds(100))
        try await inject(kind)
        #expect(try await seen.value != nil, "fault \(kind) not seen")
      }
      try await expectChange("dropout") { $0.status == .unavailable && $0.value == nil }
      try await expectChange("bias=5") { $0.status == .available && $0.value?.numericValue == 15 }
      try await expectChange("noise=2") { $0.status == .available && $0.value?.numericValue != 10 }
      try await expectChange("out-of-range=500") { $0.status == .error && $0.value?.numericValue == 500 }
      try await expectChange("stale=100") { $0.status == .stale }

      let settled = Task { try await firstChange(client, temperature) { $0.value?.numericValue == 12 } }
      try await Task.sleep(for: .milliseconds(100))
      try await fixture.control("ClearFaults", [.string("")])
      try await fixture.control("Set", [.string(temperature), .variant(.double(12))])
      #expect(try await settled.value != nil)
      try await fixture.control("InjectFault", [.string("stuck"), .string(temperature), .double(0)])
      try await Task.sleep(for: .milliseconds(300))
      let frozen = Task {
        try await firstChange(client, temperature, within: 1) { $0.value?.numericValue == 30 }
      }
      try await fixture.control("Set", [.string(temperature), .variant(.double(30))])
      #expect(try await frozen.value == nil, "a stuck signal moved")
      #expect(try await client.get(temperature).value?.numericValue == 12)

      let owners = try await fixture.connection.signals(
        matching: DBusMatchRule(
          sender: .bus, path: "/org/freedesktop/DBus", interface: .bus, member: "NameOwnerChanged",
          arg0: VehicleObjects.busName.rawValue))
      try await fixture.control("InjectFault", [.string("provider-loss"), .string(""), .double(5)])
      var newOwners: [String] = []
      for await message in owners {
        newOwners.append(message.body.last?.string ?? "?")
        if newOwners.count == 2 { break }
      }
      #expect(newOwners.first == "")
      #expect(newOwners.last?.hasPrefix(":") == true)
      #expect(try await fixture.connection.nameOwner(SimulatorObject.busName) != nil)
    }
  }

  @Test("a signal changed at 1 kHz arrives at most at its rate, and its last value is delivered")
  func throttling() async throws {
    try await withVehicle(autoplay: false) { fixture in
      let store = fixture.service.simulator.store
      let path = "Vehicle.Exterior.AirTemperature"
      let changes = try await fixture.client.changes(under: path)
      let received = Task {
        var times: [(ContinuousClock.Instant, Double)] = []
        for await batch in changes {
          for change in batch.changes where change.path == path {
            times.append((.now, change.reading.value?.numericValue ?? .nan))
          }
          if times.last?.1 == 99.9 { break }
        }
        return times
      }
      try await Task.sleep(for: .milliseconds(100))
      for step in 0..<1000 {
        try store.publish(
          [SignalUpdate(path: path, value: .double(Double(step) / 10), timestamp: Date())], source: "test",
          now: Date())
        try await Task.sleep(for: .microseconds(1000))
      }
      let times = try await withThrowingTaskGroup(of: [(ContinuousClock.Instant, Double)].self) { group in
        group.addTask { await received.value }
        group.addTask {
          try await Task.sleep(for: .seconds(5))
          received.cancel()
          return []
        }
        let first = try await group.next() ?? []
        group.cancelAll()
        return first
      }
      #expect(times.last?.1 == 99.9, "the latest value never arrived")
      let span = (times.last?.0 ?? .now) - (times.first?.0 ?? .now)
      // 10 Hz: at most one change per 100 ms, plus the first one.
      #expect(Double(times.count) <= span / .milliseconds(100) + 2, "\(times.count) changes in \(span)")
      #expect(times.count < 100)
    }
  }
}
