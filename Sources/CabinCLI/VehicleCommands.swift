import ArgumentParser
import CabinDBus
import Foundation
import VehicleBus
import VehicleSignals

extension CabinCommand {
  /// `cabin signals`: read and watch vehicle signals on `org.cabin.Vehicle1`.
  struct Signals: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Read and watch vehicle signals by VSS path.", subcommands: [Get.self, Watch.self])

    /// `cabin signals get PATH...`.
    struct Get: AsyncParsableCommand {
      static let configuration = CommandConfiguration(abstract: "Print the current readings of signals.")

      @OptionGroup var location: BusLocation

      @Argument(help: "VSS paths such as Vehicle.Speed.")
      var paths: [String]

      func run() async throws {
        let connection = try DBusConnection.connect(to: try location.address())
        defer { connection.close() }
        for change in try await VehicleClient(connection: connection).get(paths) {
          print(Signals.line(change))
        }
      }
    }

    /// `cabin signals watch PREFIX`.
    struct Watch: AsyncParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "Print changes of signals at or below a path until Ctrl-C.")

      @OptionGroup var location: BusLocation

      @Argument(help: "A VSS branch or signal path (default: every signal).")
      var prefix: String = "Vehicle"

      @Option(help: "Stop after this many batches.")
      var count: Int?

      func run() async throws {
        let connection = try DBusConnection.connect(to: try location.address())
        defer { connection.close() }
        var seen = 0
        for await batch in try await VehicleClient(connection: connection).changes(under: prefix) {
          // Written at once, unbuffered, so a pipe sees each batch as it comes.
          let text = batch.changes.map { Signals.line($0) + "\n" }.joined()
          FileHandle.standardOutput.write(Data(text.utf8))
          seen += 1
          if let count, seen >= count { return }
        }
      }
    }

    static func line(_ change: SignalChange) -> String {
      let value = change.reading.value?.description ?? "-"
      let time = ISO8601DateFormatter().string(from: change.reading.timestamp)
      return
        "\(change.path) = \(value) (\(change.reading.status.rawValue), \(time), \(change.reading.source))"
    }
  }

  /// `cabin sim`: control the simulator through `org.cabin.Simulator1`.
  struct Sim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Control the vehicle simulator.",
      subcommands: [
        Load.self, Play.self, Pause.self, Seek.self, Rate.self, Set.self, Fault.self, Record.self,
      ])

    static func call(_ location: BusLocation, _ member: MemberName, _ arguments: [DBusValue] = [])
      async throws
    {
      let connection = try DBusConnection.connect(to: try location.address())
      defer { connection.close() }
      _ = try await connection.call(
        destination: SimulatorObject.busName, path: SimulatorObject.path,
        interface: SimulatorObject.interfaceName,
        member: member, arguments)
    }

    /// The value a command-line argument stands for: a number, `true`/`false`, else a string.
    static func value(_ text: String) -> DBusValue {
      if let number = Double(text) { return .double(number) }
      if let flag = Bool(text) { return .boolean(flag) }
      return .string(text)
    }

    /// `cabin sim load`.
    struct Load: AsyncParsableCommand {
      static let configuration = CommandConfiguration(abstract: "Load a scenario by name or file path.")
      @OptionGroup var location: BusLocation
      @Argument(help: "A scenario name (Config/scenarios) or a file path.") var scenario: String
      func run() async throws {
        let argument =
          FileManager.default.fileExists(atPath: scenario)
          ? URL(fileURLWithPath: scenario).standardizedFileURL.path : scenario
        try await Sim.call(location, "Load", [.string(argument)])
      }
    }

    /// `cabin sim play`.
    struct Play: AsyncParsableCommand {
      static let configuration = CommandConfiguration(abstract: "Start or resume playback.")
      @OptionGroup var location: BusLocation
      func run() async throws { try await Sim.call(location, "Play") }
    }

    /// `cabin sim pause`.
    struct Pause: AsyncParsableCommand {
      static let configuration = CommandConfiguration(abstract: "Pause playback.")
      @OptionGroup var location: BusLocation
      func run() async throws { try await Sim.call(location, "Pause") }
    }

    /// `cabin sim seek`.
    struct Seek: AsyncParsableCommand {
      static let configuration = CommandConfiguration(abstract: "Jump to a scenario time in seconds.")
      @OptionGroup var location: BusLocation
      @Argument var seconds: Double
      func run() async throws { try await Sim.call(location, "Seek", [.double(seconds)]) }
    }

    /// `cabin sim rate`.
    struct Rate: AsyncParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "Set scenario seconds per real second; 0 runs as fast as possible.")
      @OptionGroup var location: BusLocation
      @Argument var rate: Double
      func run() async throws { try await Sim.call(location, "SetRate", [.double(rate)]) }
    }

    /// `cabin sim set`.
    struct Set: AsyncParsableCommand {
      static let configuration = CommandConfiguration(abstract: "Set a signal's value in the model.")
      @OptionGroup var location: BusLocation
      @Argument var path: String
      @Argument var value: String
      func run() async throws {
        try await Sim.call(location, "Set", [.string(path), .variant(Sim.value(value))])
      }
    }

    /// `cabin sim fault`.
    struct Fault: AsyncParsableCommand {
      static let configuration = CommandConfiguration(
        abstract:
          "Inject a fault (dropout, stuck, noise=SD, bias=OFFSET, out-of-range[=V], stale=LAG, provider-loss), or clear faults."
      )
      @OptionGroup var location: BusLocation
      @Argument(help: "The fault kind, or 'clear'.") var kind: String
      @Argument(help: "The signal path (none for provider-loss, or to clear every fault).") var path: String =
        ""
      @Option(help: "Seconds of scenario time; until cleared without it.") var duration: Double = 0
      func run() async throws {
        if kind == "clear" {
          try await Sim.call(location, "ClearFaults", [.string(path)])
        } else {
          try await Sim.call(location, "InjectFault", [.string(kind), .string(path), .double(duration)])
        }
      }
    }

    /// `cabin sim record`.
    struct Record: AsyncParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "Start recording to a JSON Lines file, or stop and write it.")
      @OptionGroup var location: BusLocation
      @Argument(help: "'start' or 'stop'.") var action: String
      @Argument(help: "The file to write (with start).") var file: String?
      func run() async throws {
        switch (action, file) {
        case ("start", let file?):
          try await Sim.call(
            location, "StartRecording", [.string(URL(fileURLWithPath: file).standardizedFileURL.path)])
        case ("stop", nil):
          try await Sim.call(location, "StopRecording")
        default:
          throw ValidationError("use 'cabin sim record start FILE' or 'cabin sim record stop'")
        }
      }
    }
  }
}
