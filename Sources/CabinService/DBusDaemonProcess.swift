import CabinDBus
public import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A `dbus-daemon` child process serving a private bus, as `cabin up` and the tests use.
public final class DBusDaemonProcess: Sendable {
  /// The bus address clients connect to (`unix:path=...,guid=...`).
  public let address: String
  private let child: ChildProcess
  private let errorLog: FileHandle

  /// The daemon's process id.
  public var processID: Int32 { child.processID }

  /// Starts `dbus-daemon --config-file=configFile --print-address --nofork` and waits until it
  /// prints its address, or throws with what it wrote on stderr.
  public init(configFile: URL, daemon: String = "/usr/bin/dbus-daemon") throws {
    let output = try ChildProcess.makePipe()
    let errors = try ChildProcess.makePipe()
    child = try ChildProcess(
      executable: daemon,
      arguments: ["--config-file=\(configFile.path)", "--print-address", "--nofork"],
      environment: ProcessInfo.processInfo.environment,
      standardOutput: .fileDescriptor(output.write.fileDescriptor),
      standardError: .fileDescriptor(errors.write.fileDescriptor))
    try output.write.close()
    try errors.write.close()
    errorLog = errors.read
    var line = Data()
    while !line.contains(UInt8(ascii: "\n")) {
      let chunk = output.read.availableData
      if chunk.isEmpty { break }
      line.append(chunk)
    }
    let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    guard !text.isEmpty else {
      child.send(SIGKILL)
      child.waitBlocking()
      let stderr = String(decoding: errorLog.readDataToEndOfFile(), as: UTF8.self)
      throw DBusError(.failed, "dbus-daemon did not start with \(configFile.path): \(stderr)")
    }
    address = text
  }

  /// Whether the daemon is still running.
  public var isRunning: Bool { child.exitStatus == nil }

  /// Stops the daemon (SIGTERM) and returns what it wrote on stderr, without the harmless
  /// "Failed to set fd limit" line that it prints when run as root.
  @discardableResult
  public func stop() -> [String] {
    child.send(SIGTERM)
    child.waitBlocking()
    let text = String(decoding: errorLog.readDataToEndOfFile(), as: UTF8.self)
    return text.split(separator: "\n").map(String.init).filter { !$0.contains("Failed to set fd limit") }
  }

  // Reaped here too: a daemon signalled but never waited for stays a zombie, and one still running
  // when the owner exits is left to an init that may never reap it.
  deinit {
    child.send(SIGTERM)
    for _ in 0..<100 where child.exitStatus == nil { usleep(10_000) }
    child.send(SIGKILL)
    child.waitBlocking()
  }
}
