import CabinDBus
import CabinTestKit
import Foundation
import Testing

/// Abuse from foreign clients: every bad call gets an error reply (or the bus drops the sender),
/// the service answers `Ping` after each, and floods leave memory bounded. Serialized, so the
/// memory comparison is not disturbed by this suite's own huge messages.
@Suite("Hostile input from foreign clients", .serialized, .timeLimit(.minutes(2)))
struct HostileInputTests {
  private func ping(_ fixture: BusFixture) async throws {
    _ = try await fixture.client.call(
      destination: TestObject.name, path: TestObject.path, interface: .peer, member: "Ping")
  }

  @Test func malformedDeepAndHugeCallsGetAnswersAndTheServiceKeepsAnswering() async throws {
    let fixture = try await BusFixture()
    let lines = try await Peers.client(fixture.bus.address, TestObject.name, TestObject.path, "hostile")
    var outcomes: [String: String] = [:]
    for line in lines {
      let columns = line.split(separator: "\t").map(String.init)
      try #require(columns.count == 3, "malformed line: \(line)")
      outcomes[columns[0]] = columns[1]
      #expect(columns[2] == "ping=ok", "the service did not answer Ping after \(columns[0])")
    }
    let error = "org.freedesktop.DBus.Error."
    #expect(outcomes["wrong-signature"] == error + "InvalidArgs")
    #expect(outcomes["missing-args"] == error + "InvalidArgs")
    #expect(outcomes["extra-args"] == error + "InvalidArgs")
    #expect(outcomes["unknown-member"] == error + "UnknownMethod")
    #expect(outcomes["unknown-interface"] == error + "UnknownInterface")
    #expect(outcomes["unknown-path"] == error + "UnknownObject")
    #expect(outcomes["properties-wrong-signature"] == error + "InvalidArgs")
    #expect(outcomes["properties-bad-interface-name"] == error + "UnknownInterface")
    #expect(outcomes["set-wrong-type"] == error + "InvalidArgs")
    // Within the specification's limits the values come back; past them the bus itself drops
    // the sender, and the service never sees the message.
    #expect(outcomes["variants-63-deep"] == "ok")
    #expect(outcomes["variants-70-deep"] == error + "Disconnected")
    #expect(outcomes["arrays-32-deep"] == "ok")
    #expect(outcomes["ints-1M"] == "ok")
    #expect(outcomes["bytes-30MiB"] == "ok")
    #expect(["NoReply", "Disconnected"].map { error + $0 }.contains(outcomes["bytes-over-max"] ?? ""))
    #expect(outcomes.count == 15)
    try await ping(fixture)
  }

  @Test func invalidUTF8IsDroppedByTheBusBeforeItReachesTheService() async throws {
    let fixture = try await BusFixture()
    let result = try await ExternalTool.run(
      Peers.python,
      [
        Peers.directory.appendingPathComponent("raw_client.py").path, fixture.bus.address,
        TestObject.name.rawValue,
        TestObject.path.rawValue, TestObject.interfaceName.rawValue,
      ])
    #expect(result.status == 0, "\(result.error)")
    #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines) == "dropped")
    try await ping(fixture)
  }

  @Test func floodsFromAForeignClientAreAllAnsweredAndMemoryStaysBounded() async throws {
    let fixture = try await BusFixture()
    func flood() async throws -> (replies: Int, errors: Int) {
      let lines = try await Peers.client(
        fixture.bus.address, TestObject.name, TestObject.path, "flood", "20000")
      let words = try #require(lines.last?.split(separator: " "))
      return (Int(words[1]) ?? -1, Int(words[3]) ?? -1)
    }
    let warmUp = try await flood()
    #expect(warmUp.replies + warmUp.errors == 20000)
    let before = try Peers.residentKiB()
    let second = try await flood()
    let after = try Peers.residentKiB()
    #expect(second.replies + second.errors == 20000)
    // Every call that the bus let through was answered with a sum.
    #expect(second.replies > 0)
    #expect(after - before < 48 * 1024, "resident memory grew from \(before) KiB to \(after) KiB")
    try await ping(fixture)
  }

  @Test func inFlightAsyncHandlersAreCappedWithLimitsExceeded() async throws {
    let fixture = try await BusFixture()
    let (answered, refused) = try await withThrowingTaskGroup(of: Bool.self) { group in
      for _ in 0..<2000 {
        group.addTask {
          do {
            _ = try await fixture.call("Sleep", [.uint32(3000)])
            return true
          } catch DBusError.Name.limitsExceeded {
            return false
          }
        }
      }
      var answered = 0
      var refused = 0
      for try await ok in group {
        if ok { answered += 1 } else { refused += 1 }
      }
      return (answered, refused)
    }
    #expect(answered + refused == 2000)
    #expect(answered >= 1024)
    #expect(refused > 0)
    try await ping(fixture)
    #expect(try await fixture.call("Add", [.int32(1), .int32(2)]) == [.int32(3)])
  }
}
