import CabinDBus
import Dispatch
import Synchronization

/// Counts what each subscriber has received and lets the emitter wait until every subscriber
/// has caught up to a given count, so at most a window of signals is ever in flight.
final class DeliveryGate: Sendable {
  private struct State {
    var received: [Int]
    var waitingFor: Int?
  }

  private let state: Mutex<State>
  private let wakeEmitter = DispatchSemaphore(value: 0)

  init(subscribers: Int) { state = Mutex(State(received: Array(repeating: 0, count: subscribers))) }

  func delivered(to subscriber: Int) {
    let wake = state.withLock { state -> Bool in
      state.received[subscriber] += 1
      guard let target = state.waitingFor, state.received.min() ?? 0 >= target else { return false }
      state.waitingFor = nil
      return true
    }
    if wake { wakeEmitter.signal() }
  }

  /// Blocks until every subscriber has received `count` signals; false if `deadline` passed.
  func wait(untilAllReceived count: Int, deadline: DispatchTime) -> Bool {
    let ready = state.withLock { state -> Bool in
      if state.received.min() ?? 0 >= count { return true }
      state.waitingFor = count
      return false
    }
    return ready || wakeEmitter.wait(timeout: deadline) == .success
  }
}

/// Signal delivery from one Cabin emitter to several Cabin subscriber connections; latency is
/// the time from just before `emit` (stamped into the signal) to the subscriber's task seeing it.
struct SignalCase: Sendable {
  let address: String
  let subscribers: Int
  static let member: MemberName = "Tick"

  /// Emits `warmup + count` signals with at most `window` not yet seen by every subscriber;
  /// measures the last `count` of them.
  func run(count: Int, warmup: Int, window: Int) async throws -> Figures {
    let emitter = try DBusConnection.connect(to: .address(address))
    let listeners = try (0..<subscribers).map { _ in try DBusConnection.connect(to: .address(address)) }
    defer {
      for connection in listeners { connection.close() }
      emitter.close()
    }
    let rule = DBusMatchRule(
      sender: emitter.uniqueName, path: BenchObject.path, interface: BenchObject.interface,
      member: Self.member)
    var streams: [AsyncStream<DBusMessage>] = []
    for listener in listeners { streams.append(try await listener.signals(matching: rule)) }
    let gate = DeliveryGate(subscribers: subscribers)
    let total = warmup + count

    return try await withThrowingTaskGroup(of: [Int64].self) { group in
      for (index, stream) in streams.enumerated() {
        group.addTask {
          var samples: [Int64] = []
          samples.reserveCapacity(count)
          var seen = 0
          for await signal in stream {
            let now = monotonicNanoseconds()
            guard signal.body.count == 2, case .uint64(let sequence) = signal.body[0],
              case .uint64(let stamp) = signal.body[1], sequence == UInt64(seen)
            else { throw BenchmarkError("subscriber \(index) got \(signal.body) as signal \(seen)") }
            if seen >= warmup { samples.append(now - Int64(stamp)) }
            seen += 1
            gate.delivered(to: index)
            if seen == total { break }
          }
          return samples
        }
      }
      let elapsed = try await onOwnThread { () throws -> Int64 in
        var start = monotonicNanoseconds()
        for sequence in 0..<total {
          if sequence == warmup { start = monotonicNanoseconds() }
          if sequence >= window {
            guard gate.wait(untilAllReceived: sequence - window + 1, deadline: .now() + .seconds(10)) else {
              throw BenchmarkError("subscribers stalled before signal \(sequence - window + 1)")
            }
          }
          try emitter.emit(
            path: BenchObject.path, interface: BenchObject.interface, member: Self.member,
            [.uint64(UInt64(sequence)), .uint64(UInt64(monotonicNanoseconds()))])
        }
        guard gate.wait(untilAllReceived: total, deadline: .now() + .seconds(10)) else {
          throw BenchmarkError("not every subscriber received all \(total) signals")
        }
        return monotonicNanoseconds() - start
      }
      var samples: [Int64] = []
      for try await part in group { samples += part }
      return try Figures(samples: samples, elapsedNanoseconds: elapsed)
    }
  }
}
