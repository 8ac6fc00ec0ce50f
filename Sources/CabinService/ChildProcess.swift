public import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

private let spawnLock = Mutex(())

/// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc
/// module hides behind `_GNU_SOURCE`; found by name in the already loaded C library.
private func addCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ lowest: Int32)
  -> Int32
{
  typealias Function = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
  guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return -1 }
  return unsafeBitCast(symbol, to: Function.self)(actions, lowest)
}

/// A child process started with `posix_spawn`, with a clean signal mask, default signal
/// dispositions, and no open descriptors but standard input, output and error.
///
/// Foundation's `Process` passes the parent's blocked signals on to the child; a parent that
/// blocks SIGTERM (test runners and service groups do) would start children that ignore it.
public final class ChildProcess: Sendable {
  /// The child's process id.
  public let processID: pid_t
  private let status = Mutex<Int32?>(nil)

  /// How standard output or error is connected.
  public enum Output: Sendable {
    /// Inherit the parent's.
    case inherit
    /// Discard it.
    case null
    /// Write to this file descriptor (duplicated into the child).
    case fileDescriptor(Int32)
  }

  /// Starts `executable` with `arguments` and `environment`; `newSession` detaches it from the
  /// caller's terminal and process group. Standard input is `/dev/null` unless `standardInput`
  /// names a file descriptor to read from (duplicated into the child).
  public init(
    executable: String, arguments: [String], environment: [String: String],
    standardInput: Int32? = nil, standardOutput: Output = .inherit, standardError: Output = .inherit,
    newSession: Bool = false
  ) throws {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if let standardInput {
      posix_spawn_file_actions_adddup2(&actions, standardInput, 0)
    } else {
      posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    }
    for (target, output) in [(Int32(1), standardOutput), (Int32(2), standardError)] {
      switch output {
      case .inherit: break
      case .null: posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_WRONLY, 0)
      case .fileDescriptor(let fd): posix_spawn_file_actions_adddup2(&actions, fd, target)
      }
    }
    // Nothing else is inherited: a descriptor of ours without close-on-exec (a test runner's
    // socket, a pipe another thread is about to mark) would otherwise stay open for as long as
    // the child runs, and a detached supervisor with its services runs long after its caller.
    guard addCloseFrom(&actions, 3) == 0 else {
      throw CocoaError(
        .executableLoad, userInfo: [NSLocalizedDescriptionKey: "cannot start \(executable): closefrom failed"]
      )
    }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var empty = sigset_t()
    sigemptyset(&empty)
    var all = sigset_t()
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attributes, &empty)
    posix_spawnattr_setsigdefault(&attributes, &all)
    // POSIX_SPAWN_SETSID (glibc's 0x80) is hidden behind _GNU_SOURCE in Swift's Glibc module.
    let setsid: Int32 = newSession ? 0x80 : 0
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | setsid))

    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      for pointer in argv { free(pointer) }
      for pointer in envp { free(pointer) }
    }
    var pid: pid_t = 0
    let result = spawnLock.withLock { _ in posix_spawn(&pid, executable, &actions, &attributes, argv, envp) }
    guard result == 0 else {
      throw CocoaError(
        .executableLoad,
        userInfo: [
          NSLocalizedDescriptionKey: "cannot start \(executable): \(String(cString: strerror(result)))"
        ])
    }
    processID = pid
  }

  /// A pipe whose ends are closed on exec, so children spawned concurrently by other threads
  /// do not inherit (and hold open) the write end; the child gets its end through `dup2`.
  public static func makePipe() throws -> (read: FileHandle, write: FileHandle) {
    // pipe2(2) is not in Swift's Glibc module; holding the spawn lock between pipe() and
    // fcntl() keeps our own spawns from inheriting the descriptors in that window.
    let fds = try spawnLock.withLock { _ throws -> [Int32] in
      var fds: [Int32] = [-1, -1]
      guard pipe(&fds) == 0 else {
        throw CocoaError(
          .fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "pipe failed: errno \(errno)"])
      }
      for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
      return fds
    }
    return (
      FileHandle(fileDescriptor: fds[0], closeOnDealloc: true),
      FileHandle(fileDescriptor: fds[1], closeOnDealloc: true)
    )
  }

  /// Sends `signal` to the child if it is still running.
  public func send(_ signal: Int32) {
    if exitStatus == nil { kill(processID, signal) }
  }

  /// The raw wait status once the child has exited, without blocking.
  public var exitStatus: Int32? {
    status.withLock { status in
      if status == nil {
        var raw: Int32 = 0
        if waitpid(processID, &raw, WNOHANG) == processID { status = raw }
      }
      return status
    }
  }

  /// Waits until the child exits, polling so no thread is parked in `waitpid`; returns the raw
  /// wait status, or nil once `timeout` has passed.
  ///
  /// Cancellation does not end the wait (a supervisor stopping its services is often cancelled
  /// itself and must still let them stop gracefully); bound it with `timeout`.
  @discardableResult
  public func wait(timeout: Duration? = nil) async -> Int32? {
    let deadline = timeout.map { ContinuousClock.now + $0 }
    while true {
      if let exitStatus { return exitStatus }
      if let deadline, ContinuousClock.now >= deadline { return nil }
      // Not Task.sleep: in a cancelled task it returns at once, and this loop would spin.
      await withCheckedContinuation { continuation in
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(20)) { continuation.resume() }
      }
    }
  }

  /// Blocks the calling thread until the child exits; returns the raw wait status.
  @discardableResult
  public func waitBlocking() -> Int32 {
    status.withLock { status in
      if let status { return status }
      var raw: Int32 = 0
      while waitpid(processID, &raw, 0) < 0 && errno == EINTR {}
      status = raw
      return raw
    }
  }

  /// A human-readable account of a wait status: "exited with 1" or "killed by signal 9".
  public static func describe(_ status: Int32) -> String {
    let signal = status & 0x7f
    return signal == 0 ? "exited with \((status >> 8) & 0xff)" : "killed by signal \(signal)"
  }
}
