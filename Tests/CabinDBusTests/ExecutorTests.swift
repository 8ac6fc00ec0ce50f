import CabinTestKit
import Foundation
import Testing

@testable import CabinDBus

/// Tasks that prefer a connection's executor run on its loop thread; calls, timeouts,
/// cancellation and signals must work there as on the cooperative pool.
@Suite("Tasks on a connection's executor", .timeLimit(.minutes(1)))
struct ExecutorTests {
  @Test func callsInATaskPreferringTheExecutorRunOnTheLoopThread() async throws {
    let fixture = try await BusFixture()
    let loop = fixture.client.core.loop
    let (sums, onLoopThread) = try await withTaskExecutorPreference(fixture.client.executor) {
      var sums: [Int32] = []
      var onLoopThread = [loop.isLoopThread]
      for i in Int32(0)..<200 {
        sums += try await fixture.call("Add", [.int32(i), .int32(1)]).map { try Int32(dbusValue: $0) }
        onLoopThread.append(loop.isLoopThread)
      }
      return (sums, onLoopThread)
    }
    #expect(sums == Array(1...200))
    #expect(onLoopThread.allSatisfy { $0 })
  }

  @Test func timeoutAndCancellationWorkOnTheExecutor() async throws {
    let fixture = try await BusFixture()
    let client = fixture.client
    let timedOut = try await withTaskExecutorPreference(client.executor) {
      do {
        _ = try await client.call(
          destination: TestObject.name, path: TestObject.path, interface: TestObject.interfaceName,
          member: "Sleep", [.uint32(20_000)], timeout: .milliseconds(200))
        return false
      } catch DBusError.Name.noReply {
        return true
      }
    }
    #expect(timedOut)

    let slow = Task(executorPreference: client.executor) {
      try await fixture.call("Sleep", [.uint32(20_000)])
    }
    try await Task.sleep(for: .milliseconds(100))
    let started = ContinuousClock.now
    slow.cancel()
    await #expect(throws: CancellationError.self) { try await slow.value }
    #expect(ContinuousClock.now - started < .seconds(5))
    #expect(try await fixture.call("Add", [.int32(2), .int32(2)]) == [.int32(4)])
  }

  @Test func signalsReachASubscriberOnTheExecutor() async throws {
    let fixture = try await BusFixture()
    let texts = try await withTaskExecutorPreference(fixture.client.executor) {
      let stream = try await fixture.client.signals(
        matching:
          DBusMatchRule(sender: TestObject.name, interface: TestObject.interfaceName, member: "Said"))
      for text in ["one", "two", "three"] { _ = try await fixture.call("Emit", [.string(text)]) }
      var texts: [String] = []
      for await message in stream.prefix(3) { texts.append(try String(dbusValue: message.body[0])) }
      return texts
    }
    #expect(texts == ["one", "two", "three"])
  }

  @Test func tasksPreferringAClosedConnectionsExecutorStillRun() async throws {
    let fixture = try await BusFixture()
    let executor = fixture.client.executor
    fixture.client.close()
    let outcome = await Task(executorPreference: executor) { () -> String in
      do {
        _ = try await fixture.call("Add", [.int32(1), .int32(1)])
        return "answered"
      } catch DBusError.Name.disconnected {
        return "disconnected"
      } catch {
        return "\(error)"
      }
    }.value
    #expect(outcome == "disconnected")
  }
}
