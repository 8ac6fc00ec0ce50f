import CabinDBus
import CabinTestKit
import Foundation
import Testing

@Suite("Method calls on a private bus", .timeLimit(.minutes(1)))
struct CallTests {
  @Test func asyncEchoRoundTripsEveryBasicType() async throws {
    let fixture = try await BusFixture()
    let values: [DBusValue] = [
      .byte(200), .boolean(true), .int16(-300), .uint16(60000), .int32(-70000), .uint32(4_000_000_000),
      .int64(.min), .uint64(.max), .double(-0.125), .string("grüße ✓"), .objectPath("/a/b_c"),
      .signature("a{sv}(iu)"),
    ]
    for value in values {
      let reply = try await fixture.call("Echo", [.variant(value)])
      #expect(reply == [.variant(value)])
    }
  }

  @Test func containersRoundTrip() async throws {
    let fixture = try await BusFixture()
    let nested: DBusValue = .dictionary(
      key: .string, value: .variant,
      [
        DBusDictEntry(.string("list"), .variant(.array(.int32, [.int32(1), .int32(2)]))),
        DBusDictEntry(.string("empty"), .variant(.array(.string, []))),
        DBusDictEntry(.string("bytes"), .variant(.array(.byte, (0..<300).map { .byte(UInt8($0 % 256)) }))),
        DBusDictEntry(
          .string("struct"), .variant(.structure([.string("x"), .double(1.5), .boolean(false)]))),
        DBusDictEntry(.string("deep"), .variant(.variant(.variant(.uint16(7))))),
      ])
    let reply = try await fixture.call("Echo", [.variant(nested)])
    #expect(reply == [.variant(nested)])
  }

  @Test func blockingCallFromAThread() async throws {
    let fixture = try await BusFixture()
    let client = fixture.client
    let sum = try await withCheckedThrowingContinuation {
      (continuation: CheckedContinuation<[DBusValue], any Error>) in
      Thread.detachNewThread {
        continuation.resume(
          with: Result {
            try client.callBlocking(
              destination: TestObject.name, path: TestObject.path, interface: TestObject.interfaceName,
              member: "Add", [.int32(40), .int32(2)])
          })
      }
    }
    #expect(sum == [.int32(42)])
  }

  @Test func manyConcurrentCallersAllGetTheirOwnAnswer() async throws {
    let fixture = try await BusFixture()
    try await withThrowingTaskGroup(of: Void.self) { group in
      for i in 0..<64 {
        group.addTask {
          let reply = try await fixture.call("Add", [.int32(Int32(i)), .int32(1000)])
          #expect(reply == [.int32(Int32(i) + 1000)])
        }
      }
      try await group.waitForAll()
    }
  }

  @Test func typedDecodingRejectsAWrongSignatureWithInvalidArgs() async throws {
    let fixture = try await BusFixture()
    await #expect(throws: DBusError.self) { _ = try await fixture.call("Add", [.string("1"), .string("2")]) }
    do {
      _ = try await fixture.call("Add", [.string("1"), .string("2")])
    } catch DBusError.Name.invalidArgs {
      // expected
    }
  }

  @Test func aLargeBodyWithTheWrongSignatureIsRefusedBeforeDecoding() async throws {
    // Regression: the dispatcher used to decode every body before checking its signature.
    let fixture = try await BusFixture()
    let large = DBusValue.array(.int32, (0..<1_000_000).map { .int32(Int32($0)) })
    do {
      _ = try await fixture.call("Add", [large])
      Issue.record("expected InvalidArgs")
    } catch DBusError.Name.invalidArgs {}
    #expect(try await fixture.call("Add", [.int32(1), .int32(2)]) == [.int32(3)])
  }

  @Test func anOversizedBodyIsRefusedBeforeSendingAndTheConnectionStays() async throws {
    // Sent, a body over the bus's message limit (32 MiB here) would make dbus-daemon drop the
    // whole connection.
    let fixture = try await BusFixture()
    let chunk = DBusValue.string(String(repeating: "x", count: 7 << 20))
    do {
      _ = try await fixture.call("Echo", [.variant(.array(.string, Array(repeating: chunk, count: 5)))])
      Issue.record("expected LimitsExceeded")
    } catch DBusError.Name.limitsExceeded {}
    #expect(fixture.client.isConnected)
    #expect(try await fixture.call("Add", [.int32(1), .int32(2)]) == [.int32(3)])

    // A handler whose answer is too large: the caller gets the error instead of a timeout.
    let big = DBusMethod.immediate("Big", out: [.init("chunks", .array(.string))]) { _ in
      [.array(.string, Array(repeating: chunk, count: 5))]
    }
    try fixture.server.export([DBusInterface("org.cabin.Big1", methods: [big])], at: "/org/cabin/Big")
    do {
      _ = try await fixture.client.call(
        destination: TestObject.name, path: "/org/cabin/Big", interface: "org.cabin.Big1", member: "Big",
        timeout: .seconds(20))
      Issue.record("expected LimitsExceeded")
    } catch DBusError.Name.limitsExceeded {}
    #expect(fixture.server.isConnected)
  }

  @Test func timeoutFires() async throws {
    let fixture = try await BusFixture()
    let started = ContinuousClock.now
    do {
      _ = try await fixture.client.call(
        destination: TestObject.name, path: TestObject.path, interface: TestObject.interfaceName,
        member: "Sleep", [.uint32(20_000)], timeout: .milliseconds(200))
      Issue.record("the call should have timed out")
    } catch DBusError.Name.noReply {
      // Without the timeout the call would succeed after 20 s; the margin allows for a loaded
      // machine delaying the test task itself.
      #expect(ContinuousClock.now - started < .seconds(15))
    }
  }

  @Test func cancellationEndsTheCallAtOnce() async throws {
    let fixture = try await BusFixture()
    let task = Task {
      try await fixture.call("Sleep", [.uint32(10_000)])
    }
    try await Task.sleep(for: .milliseconds(100))
    let started = ContinuousClock.now
    task.cancel()
    await #expect(throws: CancellationError.self) { _ = try await task.value }
    #expect(ContinuousClock.now - started < .seconds(2))
    #expect(try await fixture.call("Add", [.int32(1), .int32(1)]) == [.int32(2)])
  }

  @Test func handlerErrorsBecomeNamedErrorsAndTheServiceStaysUp() async throws {
    let fixture = try await BusFixture()
    do {
      _ = try await fixture.call("Refuse")
      Issue.record("expected an error")
    } catch let error as DBusError {
      #expect(error.name.rawValue == "org.cabin.Test1.Error.Refused")
      #expect(error.message == "refused on purpose")
    }
    await #expect(throws: DBusError(.failed, "Unmapped()")) { _ = try await fixture.call("Crash") }
    do {
      _ = try await fixture.call("WrongReply")
    } catch DBusError.Name.failed {}
    #expect(try await fixture.call("Add", [.int32(2), .int32(3)]) == [.int32(5)])
  }

  @Test func unknownObjectInterfaceAndMethodGetStandardErrors() async throws {
    let fixture = try await BusFixture()
    await #expect(throws: DBusError.self) {
      _ = try await fixture.client.call(
        destination: TestObject.name, path: "/nowhere", interface: TestObject.interfaceName, member: "Echo")
    }
    do {
      _ = try await fixture.client.call(
        destination: TestObject.name, path: "/nowhere", interface: TestObject.interfaceName, member: "Echo")
    } catch DBusError.Name.unknownObject {}
    do {
      _ = try await fixture.client.call(
        destination: TestObject.name, path: TestObject.path, interface: "org.cabin.Nothing", member: "Echo")
    } catch DBusError.Name.unknownInterface {}
    do {
      _ = try await fixture.call("Nope")
    } catch DBusError.Name.unknownMethod {}
  }

  @Test func credentialsNameTheCaller() async throws {
    let fixture = try await BusFixture()
    let reply = try await fixture.call("WhoAmI")
    #expect(reply == [.uint32(getuid()), .uint32(UInt32(getpid()))])
  }

  @Test func peerPingAndMachineID() async throws {
    let fixture = try await BusFixture()
    _ = try await fixture.client.call(
      destination: TestObject.name, path: "/", interface: .peer, member: "Ping")
    let id = try await fixture.client.call(
      destination: TestObject.name, path: "/", interface: .peer, member: "GetMachineId")
    #expect((try? String(dbusValue: id.first ?? .string("")))?.count == 32)
  }
}
