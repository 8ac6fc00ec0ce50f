internal import CDBus
import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Drives libdbus's watches and timeouts for one connection or server on a thread of its own.
///
/// libdbus leaves the main loop to the application: it reports the file descriptors it wants
/// polled ("watches") and the timers it needs ("timeouts") through callbacks that may run on any
/// thread holding the connection lock. This loop keeps them in a locked table, blocks in `poll()`
/// on the enabled ones plus an eventfd, and is woken through the eventfd whenever another thread
/// changes the table or queues a message. It never blocks while holding libdbus's I/O path, so a
/// send from another thread is written at once (a thread parked in
/// `dbus_connection_read_write_dispatch(-1)` instead starves such sends).
final class PollLoop: @unchecked Sendable {
  private struct Table {
    var watches: [SendablePointer] = []
    var timeouts: [SendablePointer: ContinuousClock.Instant] = [:]
    var stopRequested = false
  }

  private let table = Mutex(Table())
  private let wakeFD: Int32
  private let finished = DispatchSemaphore(value: 0)
  private let name: String
  nonisolated(unsafe) private var threadID: pthread_t?

  /// Called on the loop thread after each round of I/O, to dispatch what was read.
  let afterIO: @Sendable () -> Void
  /// Called on the loop thread once the loop has stopped, to release the libdbus object.
  let onStop: @Sendable () -> Void

  init(name: String, afterIO: @escaping @Sendable () -> Void, onStop: @escaping @Sendable () -> Void)
    throws(DBusError)
  {
    let fd = cdbus_eventfd(0, CDBUS_EFD_NONBLOCK | CDBUS_EFD_CLOEXEC)
    guard fd >= 0 else { throw DBusError(.failed, "eventfd failed: errno \(errno)") }
    wakeFD = fd
    self.name = name
    self.afterIO = afterIO
    self.onStop = onStop
  }

  deinit { close(wakeFD) }

  var isLoopThread: Bool {
    guard let threadID else { return false }
    return pthread_equal(threadID, pthread_self()) != 0
  }

  func start() {
    let thread = Thread { [self] in
      threadID = pthread_self()
      run()
    }
    thread.name = name
    thread.stackSize = 1 << 20
    thread.start()
  }

  /// Asks the loop to stop; waits for it unless called from the loop thread itself.
  func stop() {
    let alreadyStopping = table.withLock { table in
      defer { table.stopRequested = true }
      return table.stopRequested
    }
    wake()
    if !alreadyStopping && !isLoopThread { finished.wait() }
  }

  func wake() {
    // The loop thread rebuilds its poll set before it sleeps again, so a wake from the loop
    // thread itself (libdbus asks for one on every send and watch toggle made while dispatching)
    // would only cost an eventfd write, a read and an extra round of poll().
    guard !isLoopThread else { return }
    var one: UInt64 = 1
    _ = write(wakeFD, &one, 8)
  }

  // MARK: libdbus callbacks (any thread)

  func addWatch(_ watch: OpaquePointer) {
    let watch = SendablePointer(watch)
    table.withLock { $0.watches.append(watch) }
    wake()
  }

  func removeWatch(_ watch: OpaquePointer) {
    let watch = SendablePointer(watch)
    table.withLock { $0.watches.removeAll { $0 == watch } }
    wake()
  }

  /// Adds a timeout or restarts its interval when libdbus toggles it.
  func setTimeout(_ timeout: OpaquePointer) {
    let timeout = SendablePointer(timeout)
    let deadline = Self.deadline(of: timeout)
    table.withLock { $0.timeouts[timeout] = deadline }
    wake()
  }

  func removeTimeout(_ timeout: OpaquePointer) {
    let timeout = SendablePointer(timeout)
    _ = table.withLock { $0.timeouts.removeValue(forKey: timeout) }
    wake()
  }

  private static func deadline(of timeout: SendablePointer) -> ContinuousClock.Instant {
    .now + .milliseconds(Int(dbus_timeout_get_interval(timeout.raw)))
  }

  // MARK: The loop

  private func run() {
    var fds: [pollfd] = []
    var polled: [SendablePointer] = []
    while true {
      let now = ContinuousClock.now
      var waitMilliseconds: Int32 = -1
      let stopping = table.withLock { table -> Bool in
        fds.removeAll(keepingCapacity: true)
        polled.removeAll(keepingCapacity: true)
        fds.append(pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0))
        for watch in table.watches where dbus_watch_get_enabled(watch.raw) != 0 {
          let flags = dbus_watch_get_flags(watch.raw)
          var events: Int16 = 0
          if flags & DBUS_WATCH_READABLE.rawValue != 0 { events |= Int16(POLLIN) }
          if flags & DBUS_WATCH_WRITABLE.rawValue != 0 { events |= Int16(POLLOUT) }
          fds.append(pollfd(fd: dbus_watch_get_unix_fd(watch.raw), events: events, revents: 0))
          polled.append(watch)
        }
        for (timeout, deadline) in table.timeouts where dbus_timeout_get_enabled(timeout.raw) != 0 {
          let remaining = max(0, Self.milliseconds(deadline - now))
          waitMilliseconds = waitMilliseconds < 0 ? remaining : min(waitMilliseconds, remaining)
        }
        return table.stopRequested
      }
      if stopping { break }

      let ready = poll(&fds, nfds_t(fds.count), waitMilliseconds)
      if ready < 0 && errno != EINTR { break }

      if fds[0].revents != 0 {
        var drained: UInt64 = 0
        _ = read(wakeFD, &drained, 8)
      }
      for index in polled.indices where fds[index + 1].revents != 0 {
        let watch = polled[index]
        // The watch may have been removed while this thread was in poll().
        guard table.withLock({ $0.watches.contains(watch) }) else { continue }
        let revents = Int32(fds[index + 1].revents)
        var flags: UInt32 = 0
        if revents & POLLIN != 0 { flags |= DBUS_WATCH_READABLE.rawValue }
        if revents & POLLOUT != 0 { flags |= DBUS_WATCH_WRITABLE.rawValue }
        if revents & POLLHUP != 0 { flags |= DBUS_WATCH_HANGUP.rawValue }
        if revents & POLLERR != 0 { flags |= DBUS_WATCH_ERROR.rawValue }
        dbus_watch_handle(watch.raw, flags)
      }
      fireExpiredTimeouts()
      afterIO()
    }
    onStop()
    finished.signal()
  }

  private func fireExpiredTimeouts() {
    let now = ContinuousClock.now
    let expired = table.withLock { table -> [SendablePointer] in
      var expired: [SendablePointer] = []
      for (timeout, deadline) in table.timeouts
      where deadline <= now && dbus_timeout_get_enabled(timeout.raw) != 0 {
        expired.append(timeout)
        table.timeouts[timeout] = Self.deadline(of: timeout)
      }
      return expired
    }
    for timeout in expired where table.withLock({ $0.timeouts[timeout] != nil }) {
      dbus_timeout_handle(timeout.raw)
    }
  }

  private static func milliseconds(_ duration: Duration) -> Int32 {
    let (seconds, attoseconds) = duration.components
    let ms = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
    return Int32(clamping: ms)
  }
}

// MARK: C trampolines

func loop(from data: UnsafeMutableRawPointer?) -> PollLoop {
  Unmanaged<PollLoop>.fromOpaque(data!).takeUnretainedValue()
}

let addWatchCallback: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> dbus_bool_t = {
  watch, data in
  loop(from: data).addWatch(watch!)
  return 1
}

let removeWatchCallback: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Void = {
  watch, data in
  loop(from: data).removeWatch(watch!)
}

let toggleWatchCallback: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Void = {
  _, data in
  loop(from: data).wake()
}

let addTimeoutCallback: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> dbus_bool_t = {
  timeout, data in
  loop(from: data).setTimeout(timeout!)
  return 1
}

let removeTimeoutCallback: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Void = {
  timeout, data in
  loop(from: data).removeTimeout(timeout!)
}

let toggleTimeoutCallback: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Void = {
  timeout, data in
  loop(from: data).setTimeout(timeout!)
}

let wakeCallback: @convention(c) (UnsafeMutableRawPointer?) -> Void = { data in
  loop(from: data).wake()
}

let dispatchStatusCallback:
  @convention(c) (OpaquePointer?, DBusDispatchStatus, UnsafeMutableRawPointer?) -> Void = {
    _, status, data in
    if status == DBUS_DISPATCH_DATA_REMAINS { loop(from: data).wake() }
  }
