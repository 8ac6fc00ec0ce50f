import CabinDBus
import CabinService
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The names and shapes both servers share, so every client can call either.
enum BenchObject {
  static let path: ObjectPath = "/org/cabin/Bench"
  static let interface: InterfaceName = "org.cabin.Bench1"
  static let cabinServer: BusName = "org.cabin.Bench1"
  static let baselineServer: BusName = "org.cabin.BenchBaseline1"
  static let baselineProduct = "cabin-bench-dbus-baseline"

  /// `Add(ii) -> i`, answered on the connection's loop thread.
  static func makeInterface() -> DBusInterface {
    DBusInterface(
      interface, documentation: "The benchmark's method.",
      methods: [
        .immediate("Add", in: [.init("a", .int32), .init("b", .int32)], out: [.init("sum", .int32)]) { call in
          let (a, b) = try call.decode(Int32.self, Int32.self)
          return [.int32(a &+ b)]
        }
      ])
  }
}

/// The running executable and its siblings in the same build directory.
enum BuildDirectory {
  static var currentExecutable: URL {
    URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
  }

  static func sibling(_ name: String) throws(BenchmarkError) -> String {
    let path = currentExecutable.deletingLastPathComponent().appendingPathComponent(name).path
    guard FileManager.default.isExecutableFile(atPath: path) else {
      throw BenchmarkError(
        "\(path) is missing: build it next to this one (swift build -c release --product \(name))")
    }
    return path
  }
}

/// A server child process that owns a bus name; stopped with SIGTERM.
final class ServerProcess: Sendable {
  let name: BusName
  private let child: ChildProcess

  var processID: Int32 { child.processID }

  /// Starts `executable arguments` and waits until it owns `name` on the bus seen by `observer`.
  init(executable: String, arguments: [String], owning name: BusName, observer: DBusConnection) async throws {
    self.name = name
    child = try ChildProcess(
      executable: executable, arguments: arguments, environment: ProcessInfo.processInfo.environment)
    let deadline = ContinuousClock.now + .seconds(10)
    while try await observer.nameOwner(name) == nil {
      if let status = child.exitStatus {
        throw BenchmarkError("\(executable) \(ChildProcess.describe(status)) before owning \(name)")
      }
      guard ContinuousClock.now < deadline else {
        child.send(SIGKILL)
        throw BenchmarkError("\(executable) did not own \(name) within 10 s")
      }
      try await Task.sleep(for: .milliseconds(10))
    }
  }

  func stop() {
    child.send(SIGTERM)
    child.waitBlocking()
  }

  deinit { child.send(SIGTERM) }
}

/// Runs `body` on a thread of its own and returns its result, so blocking work never holds one
/// of the concurrency pool's (two, on this machine) threads.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
  try await withCheckedThrowingContinuation { continuation in
    let thread = Thread { continuation.resume(with: Result { try body() }) }
    thread.stackSize = 1 << 20
    thread.start()
  }
}

/// Runs the C baseline client against `server` and parses the line it prints.
func runBaselineClient(
  executable: String, address: String, server: BusName, iterations: Int, warmup: Int
) async throws -> Figures {
  try await onOwnThread {
    let output = try ChildProcess.makePipe()
    let child = try ChildProcess(
      executable: executable,
      arguments: ["client", address, server.rawValue, "\(iterations)", "\(warmup)"],
      environment: ProcessInfo.processInfo.environment,
      standardOutput: .fileDescriptor(output.write.fileDescriptor))
    try output.write.close()
    let text = String(decoding: output.read.readDataToEndOfFile(), as: UTF8.self)
    let status = child.waitBlocking()
    guard status == 0 else {
      throw BenchmarkError("the C baseline client \(ChildProcess.describe(status)); it printed '\(text)'")
    }
    return try Figures(baselineLine: text.trimmingCharacters(in: .whitespacesAndNewlines))
  }
}
