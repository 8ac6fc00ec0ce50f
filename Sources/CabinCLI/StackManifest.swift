public import Foundation

/// The services `cabin up` starts, read from `Config/stack.json`.
///
/// Keys: `services`, a list in start order; each with `name` (shown in status), `executable`
/// (found next to the `cabin` binary), `arguments` (optional) and `busNames` (the well-known
/// names that must be owned before the stack counts as ready).
public struct StackManifest: Codable, Sendable, Equatable {
  /// One supervised service.
  public struct Service: Codable, Sendable, Equatable {
    /// The short name shown by `cabin status`.
    public var name: String
    /// The executable's file name.
    public var executable: String
    /// Extra arguments; `--bus ADDRESS` is always added.
    public var arguments: [String]?
    /// The names the service owns when it is ready.
    public var busNames: [String]
  }

  /// The services in start order.
  public var services: [Service]

  /// Reads and checks a manifest; errors name the file and the problem.
  public static func load(from url: URL) throws -> StackManifest {
    let data: Data
    do { data = try Data(contentsOf: url) } catch {
      throw CabinCLIError("cannot read \(url.path): \(error.localizedDescription)")
    }
    let manifest: StackManifest
    do { manifest = try JSONDecoder().decode(StackManifest.self, from: data) } catch {
      throw CabinCLIError("\(url.path) is not a valid stack manifest: \(error)")
    }
    for service in manifest.services where service.busNames.isEmpty {
      throw CabinCLIError("\(url.path): service '\(service.name)' lists no busNames")
    }
    return manifest
  }
}

/// A command-line failure with a message for the user; `cabin` prints it and exits non-zero.
public struct CabinCLIError: Error, CustomStringConvertible {
  /// What went wrong, for the user.
  public var description: String
  /// Creates an error with a message.
  public init(_ description: String) { self.description = description }
}
