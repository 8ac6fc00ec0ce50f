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
/// thread holding the connection lock. This loop keeps them in a locked table and blocks in
/// `poll()` on the enabled watches, an eventfd and a timerfd. It never blocks while holding
/// libdbus's I/O path, so a send from another thread is written at once by that thread (a thread
/// parked in `dbus_connection_read_write_dispatch(-1)` instead starves such sends).
///
/// Waking the loop thread costs a context switch, so only changes to the poll set (watches added,
/// removed or toggled, messages left queued) write the eventfd. Timeouts, which libdbus adds for
/// every method call, share one timer armed at the earliest deadline: a thread adding a later
/// timeout changes nothing, an earlier one re-arms the timer, and the loop re-arms it for the next
/// deadline whenever it fires (a deadline of a timeout removed meanwhile fires once, for nothing).
///
/// A thread blocked on a method call would otherwise wait for the loop thread to read its reply
/// and wake it: two thread wake-ups per call instead of one. So one blocked caller at a time may
/// *lead*: it polls and handles the watches itself, with an eventfd of its own, until its reply
/// is in; the loop thread leaves the watches alone meanwhile (it still fires timeouts). Handing
/// them back after each call would wake the loop thread once per call, so a leader that is done
/// leaves a grace period of ``handbackDelay`` for the next blocking call to lead again, and wakes
/// no one: the loop thread, which looks in at that interval while it stands aside, takes the
/// watches back once the grace period is over, or at once when another thread wakes it (a send,
/// a watch change). While other callers wait for replies that only a poller can read, a leader
/// hands back at once.
///
/// The loop is also a task executor: a task that prefers it runs its jobs on the loop thread
/// between rounds of `poll()`, so a reply read there resumes its awaiting task without waking
/// another thread.
final class PollLoop: TaskExecutor, @unchecked Sendable {
  private struct Table {
    var watches: [SendablePointer] = []
    /// Deadlines in CLOCK_MONOTONIC nanoseconds.
    var timeouts: [SendablePointer: UInt64] = [:]
    /// The deadline the timer is armed for; `.max` when it is not armed.
    var armed = UInt64.max
    var stopRequested = false
  }

  /// The file descriptors of one round of `poll()` and the watches they stand for.
  private struct PollSet {
    var fds: [pollfd] = []
    var watches: [SendablePointer] = []
    /// How many leading entries of `fds` are not watches.
    var fixed = 0

    mutating func reset(_ own: [Int32]) {
      fds.removeAll(keepingCapacity: true)
      watches.removeAll(keepingCapacity: true)
      for fd in own { fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
      fixed = own.count
    }

    mutating func add(_ watch: SendablePointer) {
      guard dbus_watch_get_enabled(watch.raw) != 0 else { return }
      let flags = dbus_watch_get_flags(watch.raw)
      var events: Int16 = 0
      if flags & DBUS_WATCH_READABLE.rawValue != 0 { events |= Int16(POLLIN) }
      if flags & DBUS_WATCH_WRITABLE.rawValue != 0 { events |= Int16(POLLOUT) }
      fds.append(pollfd(fd: dbus_watch_get_unix_fd(watch.raw), events: events, revents: 0))
      watches.append(watch)
    }
  }

  private let table = Mutex(Table())
  private let wakeFD: Int32
  private let leaderWakeFD: Int32
  /// Written when a leader hands back at once: the loop then only rebuilds its poll set.
  private let handbackFD: Int32
  private let timerFD: Int32

  /// The grace period after a leader's call, in milliseconds, and how often the loop thread
  /// looks in while it stands aside: about the most by which a message no caller waits for (an
  /// incoming call or a signal arriving between blocking calls) is delayed.
  static let handbackDelay: Int32 = 2
  /// The `pthread_t` of the thread leading I/O, or 0.
  private let leader = Atomic<UInt>(0)
  /// Calls waiting for a reply that the loop thread or a leader must read for them.
  private let awaitedReplies = Atomic<Int>(0)
  /// Until when (CLOCK_MONOTONIC nanoseconds) the loop leaves the watches for the next leader.
  private let graceUntil = Atomic<UInt64>(0)
  private let finished = DispatchSemaphore(value: 0)
  private let name: String
  nonisolated(unsafe) private var threadID: pthread_t?
  // Touched only by the loop thread.
  nonisolated(unsafe) private var deferred: [() -> Void] = []
  /// Jobs of tasks that prefer this loop as their executor; `nil` once the loop has stopped.
  private let jobs = Mutex<[UnownedJob]?>([])

  /// Called after each round of I/O, to dispatch what was read.
  let afterIO: @Sendable () -> Void
  /// Called on the loop thread once the loop has stopped, to release the libdbus object.
  let onStop: @Sendable () -> Void

  init(name: String, afterIO: @escaping @Sendable () -> Void, onStop: @escaping @Sendable () -> Void)
    throws(DBusError)
  {
    var fds: [Int32] = []
    for _ in 0..<3 {
      let fd = cdbus_eventfd(0, CDBUS_EFD_NONBLOCK | CDBUS_EFD_CLOEXEC)
      guard fd >= 0 else {
        for open in fds { close(open) }
        throw DBusError(.failed, "eventfd failed: errno \(errno)")
      }
      fds.append(fd)
    }
    let timer = cdbus_timerfd_create()
    guard timer >= 0 else {
      for open in fds { close(open) }
      throw DBusError(.failed, "timerfd_create failed: errno \(errno)")
    }
    wakeFD = fds[0]
    leaderWakeFD = fds[1]
    handbackFD = fds[2]
    timerFD = timer
    self.name = name
    self.afterIO = afterIO
    self.onStop = onStop
  }

  deinit {
    close(wakeFD)
    close(leaderWakeFD)
    close(handbackFD)
    close(timerFD)
  }

  var isLoopThread: Bool {
    guard let threadID else { return false }
    return pthread_equal(threadID, pthread_self()) != 0
  }

  /// Whether the calling thread is leading I/O for a blocking call.
  var isLeaderThread: Bool { leader.load(ordering: .relaxed) == UInt(pthread_self()) }

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
    Self.signal(wakeFD)
    if !alreadyStopping && !isLoopThread { finished.wait() }
  }

  /// Tells whoever polls the watches that the poll set or the outgoing queue changed.
  func wake() {
    // The loop thread or leader rebuilds its poll set before it sleeps again, so a wake from
    // itself (libdbus asks for one on every send and watch toggle made while dispatching) would
    // only cost an eventfd write, a read and an extra round of poll().
    guard !isLoopThread else { return }
    let leading = leader.load(ordering: .relaxed)
    guard leading != UInt(pthread_self()) else { return }
    graceUntil.store(0, ordering: .sequentiallyConsistent)
    Self.signal(wakeFD)
    if leading != 0 { Self.signal(leaderWakeFD) }
  }

  /// Wakes the leader, whose call was finished by another thread.
  func wakeLeader() { Self.signal(leaderWakeFD) }

  private static func signal(_ fd: Int32) {
    var one: UInt64 = 1
    _ = write(fd, &one, 8)
  }

  /// Runs `work` once the current round of dispatching is over when called on the loop thread,
  /// otherwise at once.
  ///
  /// A waiter woken from inside a libdbus callback runs while the loop thread still holds the
  /// connection's locks on its way out of `dbus_connection_dispatch`, so a caller that goes
  /// straight on to its next call blocks on them, and so does the loop thread after it.
  func afterDispatch(_ work: @escaping () -> Void) {
    if isLoopThread { deferred.append(work) } else { work() }
  }

  // MARK: Executing tasks

  /// Runs `job` on the loop thread, or on the global concurrent executor once the loop has
  /// stopped.
  func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    let accepted = jobs.withLock { queue -> Bool in
      guard queue != nil else { return false }
      queue!.append(job)
      return true
    }
    if !accepted {
      globalConcurrentExecutor.enqueue(ExecutorJob(job))
    } else if !isLoopThread {
      Self.signal(wakeFD)
    }
  }

  /// Runs the deferred work and the queued jobs, and dispatches what jobs left to dispatch (a
  /// job's blocking call reads messages for others), until none is left.
  private func runLocalWork() {
    while true {
      if !deferred.isEmpty {
        let work = deferred
        deferred.removeAll(keepingCapacity: true)
        for item in work { item() }
        continue
      }
      let batch = jobs.withLock { queue -> [UnownedJob] in
        var taken: [UnownedJob] = []
        if queue != nil { swap(&taken, &queue!) }
        return taken
      }
      if batch.isEmpty { return }
      for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
      afterIO()
    }
  }

  // MARK: Leading

  /// Makes the calling thread the leader unless another thread (or the loop thread) already is.
  func beginLeading() -> Bool {
    guard !isLoopThread else { return false }
    return leader.compareExchange(
      expected: 0, desired: UInt(pthread_self()), ordering: .acquiringAndReleasing
    ).exchanged
  }

  /// Polls, handles and dispatches on the calling thread, which must be the leader, until `done`
  /// returns true or the connection has no watches left (it was closed).
  func lead(until done: () -> Bool) {
    var set = PollSet()
    while !done() {
      let hasWatches = table.withLock { table -> Bool in
        set.reset([leaderWakeFD])
        for watch in table.watches { set.add(watch) }
        return !table.watches.isEmpty && !table.stopRequested
      }
      guard hasWatches else { return }
      let ready = poll(&set.fds, nfds_t(set.fds.count), -1)
      if ready < 0 && errno != EINTR { return }
      drain(set, fd: leaderWakeFD, at: 0)
      handleWatches(set)
      afterIO()
    }
  }

  /// Gives up leading: the loop thread takes the watches back at once if other calls await
  /// replies, else after the grace period.
  func endLeading() {
    if awaitedReplies.load(ordering: .sequentiallyConsistent) > 0 {
      graceUntil.store(0, ordering: .sequentiallyConsistent)
      leader.store(0, ordering: .sequentiallyConsistent)
      Self.signal(handbackFD)
    } else {
      let grace = cdbus_monotonic_nanoseconds() + UInt64(Self.handbackDelay) * 1_000_000
      graceUntil.store(grace, ordering: .sequentiallyConsistent)
      leader.store(0, ordering: .sequentiallyConsistent)
    }
  }

  /// Counts a call whose reply someone else will read for it, from before it is sent until
  /// its waiter has the reply.
  func beginAwaitingReply() { awaitedReplies.add(1, ordering: .sequentiallyConsistent) }

  /// Ends what ``beginAwaitingReply()`` began.
  func endAwaitingReply() { awaitedReplies.subtract(1, ordering: .sequentiallyConsistent) }

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
    table.withLock { table in
      table.timeouts[timeout] = deadline
      if deadline < table.armed { arm(&table, deadline) }
    }
  }

  func removeTimeout(_ timeout: OpaquePointer) {
    let timeout = SendablePointer(timeout)
    _ = table.withLock { $0.timeouts.removeValue(forKey: timeout) }
  }

  private func arm(_ table: inout Table, _ deadline: UInt64) {
    table.armed = deadline
    _ = cdbus_timerfd_arm(timerFD, deadline == .max ? 0 : deadline)
  }

  private static func deadline(of timeout: SendablePointer) -> UInt64 {
    cdbus_monotonic_nanoseconds() + UInt64(max(0, dbus_timeout_get_interval(timeout.raw))) * 1_000_000
  }

  // MARK: The loop

  private func run() {
    var set = PollSet()
    while true {
      // While a caller leads, or may soon lead again, its thread polls the watches; polling them
      // here too would only wake both threads for every message.
      let standingAside =
        leader.load(ordering: .sequentiallyConsistent) != 0
        || cdbus_monotonic_nanoseconds() < graceUntil.load(ordering: .sequentiallyConsistent)
      let stopping = table.withLock { table -> Bool in
        set.reset([wakeFD, timerFD, handbackFD])
        if !standingAside {
          for watch in table.watches { set.add(watch) }
        }
        return table.stopRequested
      }
      if stopping { break }

      let ready = poll(&set.fds, nfds_t(set.fds.count), standingAside ? Self.handbackDelay : -1)
      if ready < 0 && errno != EINTR { break }

      // A leader dispatches what it read before it hands back, so a hand-back alone leaves
      // nothing to dispatch.
      let onlyHandback = set.fds.indices.allSatisfy { ($0 == 2) == (set.fds[$0].revents != 0) }
      let idle = ready <= 0
      drain(set, fd: handbackFD, at: 2)
      drain(set, fd: wakeFD, at: 0)
      if !standingAside { handleWatches(set) }
      if set.fds[1].revents != 0 {
        drain(set, fd: timerFD, at: 1)
        fireExpiredTimeouts()
      }
      if !onlyHandback && !idle { afterIO() }
      runLocalWork()
    }
    let left = jobs.withLock { queue in
      defer { queue = nil }
      return queue ?? []
    }
    for job in left { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
    onStop()
    finished.signal()
  }

  private func drain(_ set: PollSet, fd: Int32, at index: Int) {
    guard set.fds[index].revents != 0 else { return }
    var count: UInt64 = 0
    _ = read(fd, &count, 8)
  }

  private func handleWatches(_ set: PollSet) {
    for (index, watch) in set.watches.enumerated() {
      let revents = Int32(set.fds[set.fixed + index].revents)
      guard revents != 0 else { continue }
      // The watch may have been removed while this thread was in poll().
      guard table.withLock({ $0.watches.contains(watch) }) else { continue }
      var flags: UInt32 = 0
      if revents & POLLIN != 0 { flags |= DBUS_WATCH_READABLE.rawValue }
      if revents & POLLOUT != 0 { flags |= DBUS_WATCH_WRITABLE.rawValue }
      if revents & POLLHUP != 0 { flags |= DBUS_WATCH_HANGUP.rawValue }
      if revents & POLLERR != 0 { flags |= DBUS_WATCH_ERROR.rawValue }
      dbus_watch_handle(watch.raw, flags)
    }
  }

  /// Handles every enabled timeout whose deadline has passed, then arms the timer for the
  /// earliest deadline left.
  private func fireExpiredTimeouts() {
    let now = cdbus_monotonic_nanoseconds()
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
    table.withLock { table in
      // A disabled timeout is re-armed by libdbus's toggle when it is enabled again.
      let next = table.timeouts.lazy.filter { dbus_timeout_get_enabled($0.key.raw) != 0 }.map(\.value).min()
      arm(&table, next ?? .max)
    }
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
