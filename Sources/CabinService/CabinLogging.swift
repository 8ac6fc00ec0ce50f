public import Logging

/// Process-wide logging for Cabin's executables; only a `main` calls it.
public enum CabinLogging {
  /// Sends every logger's messages at `level` and above to standard error, where systemd's
  /// journal or `cabin up`'s log file collects them.
  public static func bootstrap(level: Logger.Level) {
    LoggingSystem.bootstrap { label in
      var handler = StreamLogHandler.standardError(label: label)
      handler.logLevel = level
      return handler
    }
  }
}
