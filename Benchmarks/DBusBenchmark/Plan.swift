import ArgumentParser
import CabinDBus
import CabinService
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// One row of the table: what is measured and what it should reach.
enum BenchCase: String, CaseIterable, Sendable, ExpressibleByArgument {
  case baseline
  case cabinBlocking = "blocking"
  case cabinAsync = "async"
  case cabinAsyncOnExecutor = "async-executor"
  case cabinConcurrent = "concurrent"
  case baselineClientCabinServer = "c-to-cabin"
  case cabinClientBaselineServer = "cabin-to-c"
  case signalsWindowed = "signals-windowed"
  case signalsOneByOne = "signals-one"

  static let concurrentCallers = 16
  static let signalSubscribers = 3
  static let signalWindow = 256

  var label: String {
    switch self {
    case .baseline: "(a) C client -> C server"
    case .cabinBlocking: "(b) callBlocking -> Cabin immediate"
    case .cabinAsync: "(c) await call -> Cabin immediate"
    case .cabinAsyncOnExecutor: "(c') (c) on connection.executor"
    case .cabinConcurrent: "(d) 16 async callers -> Cabin"
    case .baselineClientCabinServer: "diag: C client -> Cabin server"
    case .cabinClientBaselineServer: "diag: callBlocking -> C server"
    case .signalsWindowed: "signals x3, window \(Self.signalWindow) (deliveries/s)"
    case .signalsOneByOne: "signals x3, one at a time (deliveries/s)"
    }
  }

  /// The least ratio to the baseline this case should reach, where there is a target.
  var target: Double? {
    switch self {
    case .cabinBlocking: 0.95
    case .cabinAsync: 0.85
    case .cabinConcurrent: 1.5
    default: nil
    }
  }

  var isMethodCall: Bool { self != .signalsWindowed && self != .signalsOneByOne }

  /// Whether the calls go to the Cabin server (otherwise to the C server, or nowhere).
  var callsCabinServer: Bool {
    switch self {
    case .cabinBlocking, .cabinAsync, .cabinAsyncOnExecutor, .cabinConcurrent, .baselineClientCabinServer:
      true
    default: false
    }
  }
}

/// What to run: every case, several rounds, in an order that rotates each round so slow drift
/// on a shared machine does not always land on the same case.
struct Plan: Sendable {
  let iterations: Int
  let rounds: Int
  /// The cases to run; the baseline always runs, since every ratio is taken against it.
  let cases: [BenchCase]

  var warmup: Int { max(100, iterations / 10) }

  func run(busConfig: URL) async throws -> Report {
    let bus = try DBusDaemonProcess(configFile: busConfig)
    defer { bus.stop() }
    let observer = try DBusConnection.connect(to: .address(bus.address))
    defer { observer.close() }
    let baseline = try BuildDirectory.sibling(BenchObject.baselineProduct)
    let baselineServer = try await ServerProcess(
      executable: baseline, arguments: ["server", bus.address, BenchObject.baselineServer.rawValue],
      owning: BenchObject.baselineServer, observer: observer)
    defer { baselineServer.stop() }
    let cabinServer = try await ServerProcess(
      executable: BuildDirectory.currentExecutable.path, arguments: ["--serve", bus.address],
      owning: BenchObject.cabinServer, observer: observer)
    defer { cabinServer.stop() }
    let client = try DBusConnection.connect(to: .address(bus.address))
    defer { client.close() }

    var runs: [BenchCase: [Figures]] = [:]
    let cases = BenchCase.allCases.filter { $0 == .baseline || self.cases.contains($0) }
    for round in 0..<rounds {
      for offset in cases.indices {
        let benchCase = cases[(offset + round) % cases.count]
        let server = benchCase.callsCabinServer ? cabinServer.processID : baselineServer.processID
        let serverBefore = cpuNanoseconds(ofProcess: server)
        let clientBefore = ownCPUNanoseconds()
        var figures = try await measure(benchCase, address: bus.address, baseline: baseline, client: client)
        if benchCase.isMethodCall {
          let calls = Int64(iterations + warmup)
          figures.serverCPUPerCall = (cpuNanoseconds(ofProcess: server) - serverBefore) / calls
          figures.clientCPUPerCall =
            (figures.clientCPUTotal ?? (ownCPUNanoseconds() - clientBefore)) / calls
        }
        runs[benchCase, default: []].append(figures)
      }
    }
    return Report(runs: runs, iterations: iterations, rounds: rounds)
  }

  private func measure(
    _ benchCase: BenchCase, address: String, baseline: String, client connection: DBusConnection
  ) async throws -> Figures {
    let cabin = CabinClient(connection: connection, server: BenchObject.cabinServer)
    switch benchCase {
    case .baseline:
      return try await runBaselineClient(
        executable: baseline, address: address, server: BenchObject.baselineServer,
        iterations: iterations, warmup: warmup)
    case .baselineClientCabinServer:
      return try await runBaselineClient(
        executable: baseline, address: address, server: BenchObject.cabinServer,
        iterations: iterations, warmup: warmup)
    case .cabinBlocking:
      return try await cabin.blocking(iterations: iterations, warmup: warmup)
    case .cabinClientBaselineServer:
      return try await CabinClient(connection: connection, server: BenchObject.baselineServer)
        .blocking(iterations: iterations, warmup: warmup)
    case .cabinAsync:
      return try await cabin.sequential(iterations: iterations, warmup: warmup)
    case .cabinAsyncOnExecutor:
      return try await withTaskExecutorPreference(connection.executor) {
        try await cabin.sequential(iterations: iterations, warmup: warmup)
      }
    case .cabinConcurrent:
      return try await cabin.concurrent(
        callers: BenchCase.concurrentCallers, iterations: iterations, warmup: warmup)
    case .signalsWindowed:
      return try await SignalCase(address: address, subscribers: BenchCase.signalSubscribers)
        .run(count: iterations, warmup: warmup, window: BenchCase.signalWindow)
    case .signalsOneByOne:
      return try await SignalCase(address: address, subscribers: BenchCase.signalSubscribers)
        .run(count: max(16, iterations / 4), warmup: warmup / 4, window: 1)
    }
  }
}
