public import Foundation

/// What a running `cabin up` leaves in its runtime directory for the other subcommands:
/// the supervisor's pid, the bus address, and whether every service is ready.
public struct RuntimeState: Codable, Sendable, Equatable {
  /// The supervisor's process id.
  public var supervisorPID: Int32
  /// The private bus's address.
  public var busAddress: String
  /// Whether every service's names are owned.
  public var ready: Bool

  /// The runtime directory: `$CABIN_RUNTIME_DIR`, else `$XDG_RUNTIME_DIR/cabin`, else
  /// `/tmp/cabin-UID`.
  public static func directory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
    if let explicit = environment["CABIN_RUNTIME_DIR"] { return URL(fileURLWithPath: explicit) }
    if let xdg = environment["XDG_RUNTIME_DIR"] {
      return URL(fileURLWithPath: xdg).appendingPathComponent("cabin")
    }
    return URL(fileURLWithPath: "/tmp/cabin-\(getuid())")
  }

  static func file(in directory: URL) -> URL { directory.appendingPathComponent("state.json") }

  /// Reads the state of a running stack, if there is one.
  public static func read(from directory: URL) -> RuntimeState? {
    guard let data = try? Data(contentsOf: file(in: directory)),
      let state = try? JSONDecoder().decode(RuntimeState.self, from: data)
    else { return nil }
    // A state file left behind by a supervisor that died is not a running stack.
    return kill(state.supervisorPID, 0) == 0 ? state : nil
  }

  func write(to directory: URL) throws {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let temporary = directory.appendingPathComponent("state.json.tmp")
    try JSONEncoder().encode(self).write(to: temporary)
    // rename(2) replaces the old file atomically, so readers never see half a file.
    guard rename(temporary.path, Self.file(in: directory).path) == 0 else {
      throw CabinCLIError("cannot write \(Self.file(in: directory).path): errno \(errno)")
    }
  }

  static func remove(from directory: URL) {
    try? FileManager.default.removeItem(at: file(in: directory))
  }
}
