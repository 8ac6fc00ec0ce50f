import ArgumentParser
import CabinDBus
import CabinService
import Foundation
import Logging
import VehicleBus

/// `cabin-sim`: the vehicle simulator service, and a recorder of live signal changes.
@main
struct CabinSim: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cabin-sim",
    abstract: "Serve org.cabin.Vehicle1 and org.cabin.Simulator1 from the vehicle simulator.",
    subcommands: [Serve.self, Record.self], defaultSubcommand: Serve.self)
}

extension CabinSim {
  struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the simulator service (the default).")

    @OptionGroup var service: ServiceOptions

    @Option(help: "A scenario name from Config/scenarios or a scenario file.")
    var scenario: String?

    @Option(help: "Scenario seconds per real second; 0 runs as fast as possible.")
    var rate: Double = 1

    @Option(help: "The Config directory (default: $CABIN_CONFIG_DIR, or found next to the executable).")
    var configDir: String?

    func run() async throws {
      CabinLogging.bootstrap(level: service.logLevel)
      let logger = Logger(label: "cabin.sim")
      guard let config = configDir.map({ URL(fileURLWithPath: $0) }) ?? CabinPaths.configDirectory() else {
        throw ValidationError("cannot find the Config directory: pass --config-dir or set CABIN_CONFIG_DIR")
      }
      var settings = VehicleServiceConfiguration(configDirectory: config, scenario: scenario)
      settings.rate = rate == 0 ? nil : rate
      let vehicle: VehicleService
      do {
        vehicle = try await VehicleService(configuration: settings, logger: logger)
      } catch {
        FileHandle.standardError.write(Data("cabin-sim: \(error)\n".utf8))
        throw ExitCode(2)
      }
      if service.printIntrospection {
        for file in vehicle.introspectionFiles {
          print("<!-- \(file.file) -->")
          print(file.xml, terminator: "")
        }
        return
      }
      let host = vehicle.host(bus: service.busAddress(environment: ProcessInfo.processInfo.environment))
      try await DBusServiceHost.runUntilSignalled(host, logger: logger)
    }
  }

  struct Record: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Record SignalsChanged from a live bus as JSON Lines (the simulator's recording format).")

    @Option(help: "The bus: 'session', 'system' or a D-Bus address (default: $CABIN_BUS_ADDRESS).")
    var bus: String?

    @Option(help: "The JSON Lines file to write.")
    var output: String

    @Option(help: "Seconds to record; until Ctrl-C without it.")
    var duration: Double?

    func run() async throws {
      let address =
        bus.map(DBusBusAddress.init(parsing:))
        ?? ProcessInfo.processInfo.environment["CABIN_BUS_ADDRESS"].map { .address($0) } ?? .session
      let connection = try DBusConnection.connect(to: address)
      defer { connection.close() }
      let recorder = LiveRecorder(output: URL(fileURLWithPath: output))
      try await recorder.record(from: VehicleClient(connection: connection), seconds: duration)
    }
  }
}
