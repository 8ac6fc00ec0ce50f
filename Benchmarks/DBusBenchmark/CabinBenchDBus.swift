import ArgumentParser
import CabinDBus
import CabinService
import Foundation

/// Measures D-Bus method calls and signals through Cabin against a C libdbus baseline, all on one
/// private bus started for the run.
@main
struct CabinBenchDBus: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cabin-bench-dbus",
    abstract: "Method-call and signal throughput and latency: Cabin against C libdbus, one private bus.")

  @Flag(help: "A short smoke run (one round, few iterations); figures are not meaningful.")
  var quick = false

  @Option(help: "Calls per case and round (default 5000, or 500 with --quick).")
  var iterations: Int?

  @Option(help: "Rounds; each case's figures are the median over rounds (default 8, or 2 with --quick).")
  var rounds: Int?

  @Option(help: "The private bus configuration (default: Config/dbus/cabin-bus.conf found by CabinPaths).")
  var config: String?

  @Option(
    name: .customLong("case"),
    help:
      "Run only this case (repeatable; the baseline always runs): \(BenchCase.allValueStrings.joined(separator: ", "))."
  )
  var cases: [BenchCase] = []

  @Flag(help: "Exit with status 1 when a case misses its target.")
  var failOnMiss = false

  @Option(help: .hidden)
  var serve: String?

  func validate() throws {
    if let iterations, iterations < 16 { throw ValidationError("--iterations must be at least 16") }
    if let rounds, rounds < 1 { throw ValidationError("--rounds must be at least 1") }
  }

  func run() async throws {
    if let serve {
      try await Self.serve(address: serve)
      return
    }
    let plan = Plan(
      iterations: iterations ?? (quick ? 500 : 5000), rounds: rounds ?? (quick ? 2 : 8),
      cases: cases.isEmpty ? BenchCase.allCases : cases)
    let report = try await plan.run(busConfig: try busConfigFile())
    print(report.table())
    if failOnMiss && !report.allTargetsMet { throw ExitCode(1) }
  }

  private func busConfigFile() throws -> URL {
    if let config { return URL(fileURLWithPath: config) }
    guard let directory = CabinPaths.configDirectory() else {
      throw ValidationError("cannot find Config/dbus/cabin-bus.conf; pass --config")
    }
    return CabinPaths.busConfig(in: directory)
  }

  /// The Cabin server: exports `Add` and owns its name until killed.
  private static func serve(address: String) async throws {
    let connection = try DBusConnection.connect(to: .address(address))
    try connection.export([BenchObject.makeInterface()], at: BenchObject.path)
    guard try await connection.requestName(BenchObject.cabinServer, flags: .doNotQueue) == .primaryOwner
    else {
      throw BenchmarkError("\(BenchObject.cabinServer) is already owned")
    }
    while true { try await Task.sleep(for: .seconds(3600)) }
  }
}
