import CabinDBus

/// Cabin's client paths, each calling `Add(i, 1)` on `server` and checking every sum.
struct CabinClient: Sendable {
  let connection: DBusConnection
  let server: BusName

  private func checked(_ reply: [DBusValue], _ a: Int32) throws(BenchmarkError) {
    guard reply == [.int32(a &+ 1)] else { throw BenchmarkError("Add(\(a), 1) returned \(reply)") }
  }

  private func add(blocking a: Int32) throws {
    let reply = try connection.callBlocking(
      destination: server, path: BenchObject.path, interface: BenchObject.interface, member: "Add",
      [.int32(a), .int32(1)])
    try checked(reply, a)
  }

  private func add(_ a: Int32) async throws {
    let reply = try await connection.call(
      destination: server, path: BenchObject.path, interface: BenchObject.interface, member: "Add",
      [.int32(a), .int32(1)])
    try checked(reply, a)
  }

  /// `callBlocking` from a plain thread, one call at a time.
  func blocking(iterations: Int, warmup: Int) async throws -> Figures {
    try await onOwnThread {
      for i in 0..<warmup { try add(blocking: Int32(truncatingIfNeeded: i)) }
      var samples = [Int64](repeating: 0, count: iterations)
      let start = monotonicNanoseconds()
      for i in 0..<iterations {
        let before = monotonicNanoseconds()
        try add(blocking: Int32(truncatingIfNeeded: i))
        samples[i] = monotonicNanoseconds() - before
      }
      return try Figures(samples: samples, elapsedNanoseconds: monotonicNanoseconds() - start)
    }
  }

  /// `await call(...)`, one call at a time.
  func sequential(iterations: Int, warmup: Int) async throws -> Figures {
    for i in 0..<warmup { try await add(Int32(truncatingIfNeeded: i)) }
    var samples = [Int64](repeating: 0, count: iterations)
    let start = monotonicNanoseconds()
    for i in 0..<iterations {
      let before = monotonicNanoseconds()
      try await add(Int32(truncatingIfNeeded: i))
      samples[i] = monotonicNanoseconds() - before
    }
    return try Figures(samples: samples, elapsedNanoseconds: monotonicNanoseconds() - start)
  }

  /// `callers` tasks on the one connection, each making its share of the calls one at a time.
  func concurrent(callers: Int, iterations: Int, warmup: Int) async throws -> Figures {
    let share = max(1, iterations / callers)
    _ = try await calls(callers: callers, each: max(1, warmup / callers))
    let start = monotonicNanoseconds()
    let samples = try await calls(callers: callers, each: share)
    return try Figures(samples: samples, elapsedNanoseconds: monotonicNanoseconds() - start)
  }

  private func calls(callers: Int, each: Int) async throws -> [Int64] {
    try await withThrowingTaskGroup(of: [Int64].self) { group in
      for caller in 0..<callers {
        group.addTask {
          var samples: [Int64] = []
          samples.reserveCapacity(each)
          for i in 0..<each {
            let before = monotonicNanoseconds()
            try await add(Int32(truncatingIfNeeded: caller * each + i))
            samples.append(monotonicNanoseconds() - before)
          }
          return samples
        }
      }
      var all: [Int64] = []
      for try await samples in group { all += samples }
      return all
    }
  }
}
