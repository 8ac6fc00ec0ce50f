import CabinService
public import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// What a command line tool printed and how it ended.
public struct ToolResult: Sendable {
  /// The exit status, or 128 + the signal that killed it.
  public var status: Int32
  /// Standard output.
  public var output: String
  /// Standard error.
  public var error: String
}

/// A tool that did not finish in time; it was killed, and this carries what it printed.
public struct ToolTimeout: Error, CustomStringConvertible {
  /// The command line.
  public var command: [String]
  /// The time limit it exceeded.
  public var limit: Duration
  /// What it printed before it was killed.
  public var partial: ToolResult

  /// The command, the limit, and the tool's standard error.
  public var description: String {
    "\(command.joined(separator: " ")) did not finish within \(limit); killed. stderr:\n\(partial.error)"
  }
}

/// Runs external clients (`busctl`, `gdbus`, `/usr/bin/python3`, the project's own executables)
/// the way a user would, and captures what they print.
///
/// Output goes to temporary files, not pipes, and the wait polls the child's status instead of
/// reading to the end of its output: a tool that leaves a daemon behind (`cabin up --detach`),
/// or a child spawned at the same moment by another test, may hold a pipe's write end long after
/// the tool itself has exited. Polling also keeps the cooperative thread pool free for
/// in-process services that the tool talks to.
public enum ExternalTool {
  /// The path of one of the package's built executables (`cabin`, `cabin-sim`, ...): in the
  /// build directory that holds the running test bundle, else in the checkout's `.build/debug`.
  public static func built(_ name: String) -> String {
    var directory = Bundle.main.bundleURL
    while directory.path != "/" {
      let candidate = directory.appendingPathComponent(name).path
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
      directory.deleteLastPathComponent()
    }
    return PrivateBus.packageRoot.appendingPathComponent(".build/debug/\(name)").path
  }

  /// Runs `executable` with `arguments` and `environment` (by default this process's), feeding it
  /// `input` on standard input (none: `/dev/null`). A tool still running after `timeout` is
  /// killed with SIGKILL and ``ToolTimeout`` is thrown.
  public static func run(
    _ executable: String, _ arguments: [String],
    environment: [String: String] = ProcessInfo.processInfo.environment, input: Data? = nil,
    timeout: Duration = .seconds(60)
  ) async throws -> ToolResult {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cabin-tool-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let outputURL = directory.appendingPathComponent("out")
    let errorURL = directory.appendingPathComponent("err")
    let inputURL = directory.appendingPathComponent("in")
    if let input { try input.write(to: inputURL) }

    var descriptors: [Int32] = []
    defer { for fd in descriptors { close(fd) } }
    func openFile(_ url: URL, _ flags: Int32) throws -> Int32 {
      let fd = open(url.path, flags | O_CLOEXEC, 0o600)
      guard fd >= 0 else {
        throw CocoaError(
          .fileWriteUnknown,
          userInfo: [
            NSLocalizedDescriptionKey: "cannot open \(url.path): \(String(cString: strerror(errno)))"
          ])
      }
      descriptors.append(fd)
      return fd
    }
    let output = try openFile(outputURL, O_WRONLY | O_CREAT | O_TRUNC)
    let error = try openFile(errorURL, O_WRONLY | O_CREAT | O_TRUNC)
    let standardInput = try input.map { _ in try openFile(inputURL, O_RDONLY) }

    let child = try ChildProcess(
      executable: executable, arguments: arguments, environment: environment,
      standardInput: standardInput, standardOutput: .fileDescriptor(output),
      standardError: .fileDescriptor(error))
    let finished = await child.wait(timeout: timeout)
    let raw: Int32
    if let finished {
      raw = finished
    } else {
      child.send(SIGKILL)
      raw = child.waitBlocking()
    }
    let signal = raw & 0x7f
    let result = ToolResult(
      status: signal == 0 ? (raw >> 8) & 0xff : 128 + signal,
      output: String(decoding: (try? Data(contentsOf: outputURL)) ?? Data(), as: UTF8.self),
      error: String(decoding: (try? Data(contentsOf: errorURL)) ?? Data(), as: UTF8.self))
    guard finished != nil else {
      throw ToolTimeout(command: [executable] + arguments, limit: timeout, partial: result)
    }
    return result
  }

  /// The start of a Python probe for ``python(_:_:asNobody:)``: connects to the bus whose address
  /// is the first argument as `bus`, and defines `attempt(name, call)`, which prints the name and
  /// `ok`, or the D-Bus error name the call got.
  public static let busProbe = """
    import sys, dbus
    bus = dbus.bus.BusConnection(sys.argv[1])
    def attempt(name, call):
        try:
            call()
            print(name, "ok")
        except dbus.DBusException as error:
            print(name, error.get_dbus_name())

    """

  /// Runs Python `source` with Debian's `/usr/bin/python3` (which has python3-dbus) and
  /// `arguments`; with `asNobody`, as the user `nobody` (through `setpriv`), to check what a bus
  /// policy or a service allows another user.
  public static func python(_ source: String, _ arguments: [String], asNobody: Bool = false) async throws
    -> ToolResult
  {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cabin-python-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let script = directory.appendingPathComponent("script.py")
    try source.write(to: script, atomically: true, encoding: .utf8)
    let python = ["/usr/bin/python3", script.path] + arguments
    guard asNobody else { return try await run(python[0], Array(python.dropFirst())) }
    return try await run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups"] + python)
  }
}
