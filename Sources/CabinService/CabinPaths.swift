public import Foundation

/// Finds Cabin's configuration directory (`Config/` in a checkout, or an installed copy).
public enum CabinPaths {
  /// The configuration directory: `$CABIN_CONFIG_DIR`, else `Config/` in the current directory
  /// or next to one of the executable's ancestors (a build tree), else `/usr/share/cabin`.
  public static func configDirectory(
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> URL? {
    if let explicit = environment["CABIN_CONFIG_DIR"] { return URL(fileURLWithPath: explicit) }
    var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
      .deletingLastPathComponent()
    while directory.path != "/" {
      candidates.append(directory)
      directory.deleteLastPathComponent()
    }
    for candidate in candidates {
      let config = candidate.appendingPathComponent("Config")
      if FileManager.default.fileExists(atPath: config.appendingPathComponent("dbus/cabin-bus.conf").path) {
        return config
      }
    }
    let installed = URL(fileURLWithPath: "/usr/share/cabin")
    return FileManager.default.fileExists(atPath: installed.path) ? installed : nil
  }

  /// The private bus configuration inside `configDirectory`.
  public static func busConfig(in configDirectory: URL) -> URL {
    configDirectory.appendingPathComponent("dbus/cabin-bus.conf")
  }

  /// The directory of an installed model: `$CABIN_MODEL_DIR`, else `models/NAME` beside the
  /// configuration directory (a checkout, where `make` installs it), else inside it (an
  /// installation such as `/usr/share/cabin/models/NAME`).
  public static func modelDirectory(
    named name: String, configDirectory: URL,
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> URL {
    if let explicit = environment["CABIN_MODEL_DIR"] { return URL(fileURLWithPath: explicit) }
    let beside = configDirectory.deletingLastPathComponent().appendingPathComponent("models/\(name)")
    if FileManager.default.fileExists(atPath: beside.path) { return beside }
    return configDirectory.appendingPathComponent("models/\(name)")
  }

  /// Where services keep caches they can rebuild: `$CABIN_CACHE_DIR`, else systemd's
  /// `$CACHE_DIRECTORY`, else `$XDG_CACHE_HOME/cabin`, else `~/.cache/cabin`.
  public static func cacheDirectory(environment: [String: String] = ProcessInfo.processInfo.environment)
    -> URL
  {
    if let explicit = environment["CABIN_CACHE_DIR"] ?? environment["CACHE_DIRECTORY"] {
      return URL(fileURLWithPath: explicit)
    }
    if let xdg = environment["XDG_CACHE_HOME"] {
      return URL(fileURLWithPath: xdg).appendingPathComponent("cabin")
    }
    return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/cabin")
  }

  /// The SHA-256 the model manifest `Config/models/NAME.json` records for one of its files; it
  /// identifies the weights in caches derived from them.
  public static func manifestChecksum(model name: String, file: String, configDirectory: URL) -> String? {
    guard
      let data = try? Data(contentsOf: configDirectory.appendingPathComponent("models/\(name).json")),
      let manifest = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
      let files = manifest["files"] as? [[String: Any]]
    else { return nil }
    return files.first { $0["path"] as? String == file }?["sha256"] as? String
  }
}
