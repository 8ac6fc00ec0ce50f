import CabinDBus
import CabinTestKit
import Foundation
import Testing

/// `callBlocking` lets the blocked thread read its own reply (it leads the connection's I/O while
/// the loop thread stands aside); these tests cover what that must not break.
@Suite("Blocking calls that read their own replies", .timeLimit(.minutes(1)))
struct BlockingCallTests {
  /// Runs `body` on a new thread and hands back its result.
  private func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
      Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
  }

  @Test func timeoutFiresWhileTheCallerLeads() async throws {
    let fixture = try await BusFixture()
    let client = fixture.client
    let started = ContinuousClock.now
    let outcome = try await onThread { () -> String in
      do {
        _ = try client.callBlocking(
          destination: TestObject.name, path: TestObject.path, interface: TestObject.interfaceName,
          member: "Sleep", [.uint32(20_000)], timeout: .milliseconds(200))
        return "answered"
      } catch DBusError.Name.noReply {
        return "timed out"
      }
    }
    #expect(outcome == "timed out")
    #expect(ContinuousClock.now - started < .seconds(15))
    #expect(try await fixture.call("Add", [.int32(2), .int32(2)]) == [.int32(4)])
  }

  /// Regression guard for libdbus's own blocking read, which starves sends made meanwhile: here
  /// the callee calls back into the blocked caller's connection before it answers, and the
  /// caller's reply to that callback must still go out.
  @Test(arguments: [false, true])
  func calleeCanCallBackIntoTheBlockedCaller(asyncCallback: Bool) async throws {
    let fixture = try await BusFixture()
    let callbackPath: ObjectPath = "/org/cabin/Callback"
    let callbackInterface: InterfaceName = "org.cabin.Callback1"
    let doubler: DBusMethod =
      asyncCallback
      ? DBusMethod("Double", in: [.init("n", .int32)], out: [.init("twice", .int32)]) { call in
        [.int32(try Int32(dbusValue: call.arguments[0]) * 2)]
      }
      : .immediate("Double", in: [.init("n", .int32)], out: [.init("twice", .int32)]) { call in
        [.int32(try Int32(dbusValue: call.arguments[0]) * 2)]
      }
    try fixture.client.export(
      [DBusInterface(callbackInterface, methods: [doubler])], at: callbackPath)

    let bouncer = try fixture.bus.connect()
    defer { bouncer.close() }
    let bounce = DBusMethod("Bounce", in: [.init("n", .int32)], out: [.init("result", .int32)]) {
      call in
      guard let caller = call.sender else { throw DBusError(.failed, "no sender") }
      return try await bouncer.call(
        destination: caller, path: callbackPath, interface: callbackInterface, member: "Double",
        call.arguments)
    }
    try bouncer.export([DBusInterface("org.cabin.Bouncer1", methods: [bounce])], at: "/org/cabin/Bouncer")
    let bouncerName = try #require(bouncer.uniqueName)

    let client = fixture.client
    let reply = try await onThread {
      try client.callBlocking(
        destination: bouncerName, path: "/org/cabin/Bouncer", interface: "org.cabin.Bouncer1",
        member: "Bounce", [.int32(21)], timeout: .seconds(10))
    }
    #expect(reply == [.int32(42)])
  }

  @Test func blockingCallersOnManyThreadsAndAsyncCallersAllGetTheirOwnAnswers() async throws {
    let fixture = try await BusFixture()
    let client = fixture.client
    try await withThrowingTaskGroup(of: Void.self) { group in
      for thread in 0..<6 {
        group.addTask {
          let sums = try await onThread { () -> [DBusValue] in
            try (0..<50).flatMap { i in
              try client.callBlocking(
                destination: TestObject.name, path: TestObject.path, interface: TestObject.interfaceName,
                member: "Add", [.int32(Int32(thread * 1000 + i)), .int32(1)])
            }
          }
          #expect(sums == (0..<50).map { .int32(Int32(thread * 1000 + $0 + 1)) })
        }
      }
      for task in 0..<6 {
        group.addTask {
          for i in 0..<50 {
            let reply = try await fixture.call("Add", [.int32(Int32(-task * 1000 - i)), .int32(0)])
            #expect(reply == [.int32(Int32(-task * 1000 - i))])
          }
        }
      }
      try await group.waitForAll()
    }
  }

  @Test func signalsStillArriveWhileACallerLeads() async throws {
    let fixture = try await BusFixture()
    let client = fixture.client
    let signals = try await client.signals(
      matching: DBusMatchRule(sender: TestObject.name, interface: TestObject.interfaceName, member: "Said"))
    // The server says something while the client's thread is blocked in a slow call.
    let server = fixture.server
    let emitter = Task {
      try await Task.sleep(for: .milliseconds(100))
      try server.emit(
        path: TestObject.path, interface: TestObject.interfaceName, member: "Said", [.string("hello")])
    }
    _ = try await onThread {
      try client.callBlocking(
        destination: TestObject.name, path: TestObject.path, interface: TestObject.interfaceName,
        member: "Sleep", [.uint32(500)])
    }
    try await emitter.value
    var iterator = signals.makeAsyncIterator()
    let said = await iterator.next()
    #expect(said?.body == [.string("hello")])
  }

  /// After a blocking call the loop thread leaves the connection to the next blocking caller for
  /// a grace period; once that is over, signals that no call waits for still arrive.
  @Test func signalsArriveAfterTheLastBlockingCall() async throws {
    let fixture = try await BusFixture()
    let client = fixture.client
    let signals = try await client.signals(
      matching: DBusMatchRule(sender: TestObject.name, interface: TestObject.interfaceName, member: "Said"))
    _ = try await onThread {
      try client.callBlocking(
        destination: TestObject.name, path: TestObject.path, interface: TestObject.interfaceName,
        member: "Add", [.int32(1), .int32(2)])
    }
    try fixture.server.emit(
      path: TestObject.path, interface: TestObject.interfaceName, member: "Said", [.string("after")])
    var iterator = signals.makeAsyncIterator()
    let said = await iterator.next()
    #expect(said?.body == [.string("after")])
  }
}
