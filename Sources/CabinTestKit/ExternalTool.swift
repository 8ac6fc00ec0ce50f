import CabinService
import Foundation
import Synchronization

/// What a command line tool printed and how it ended.
public struct ToolResult: Sendable {
  /// The exit status (or 128 + signal).
  public var status: Int32
  /// Standard output.
  public var output: String
  /// Standard error.
  public var error: String
}

/// Runs external clients (`busctl`, `gdbus`, `/usr/bin/python3`, the project's own executables)
/// the way a user would, and captures what they print.
public enum ExternalTool {
  /// Runs `executable` with `arguments` and waits for it; output is captured in full.
  public static func run(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:]
  ) throws -> ToolResult {
    let output = try ChildProcess.makePipe()
    let error = try ChildProcess.makePipe()
    let child = try ChildProcess(
      executable: executable, arguments: arguments,
      environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
      standardOutput: .fileDescriptor(output.write.fileDescriptor),
      standardError: .fileDescriptor(error.write.fileDescriptor))
    try output.write.close()
    try error.write.close()
    // Read both pipes concurrently so a tool that fills one while we drain the other cannot stall.
    let errorText = Mutex(Data())
    let done = DispatchSemaphore(value: 0)
    let errorHandle = error.read
    DispatchQueue.global().async {
      let data = errorHandle.readDataToEndOfFile()
      errorText.withLock { $0 = data }
      done.signal()
    }
    let outputText = output.read.readDataToEndOfFile()
    done.wait()
    let raw = child.waitBlocking()
    let signal = raw & 0x7f
    return ToolResult(
      status: signal == 0 ? (raw >> 8) & 0xff : 128 + signal,
      output: String(decoding: outputText, as: UTF8.self),
      error: String(decoding: errorText.withLock { $0 }, as: UTF8.self))
  }
}
