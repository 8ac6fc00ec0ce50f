internal import CDBus
import Dispatch
import Synchronization

/// Waits for the reply to one method call, for an `async` caller or a blocked thread.
///
/// libdbus calls the notify function from the dispatching thread, but a reply that arrives
/// before `dbus_pending_call_set_notify` returns is never notified; the sender checks
/// `dbus_pending_call_get_completed` afterwards and completes here too. Whichever comes first
/// wins; later completions and a late cancellation are ignored.
final class PendingReply: @unchecked Sendable {
  private enum Waiter {
    case none
    case continuation(CheckedContinuation<MessageHandle, any Error>)
    case semaphore(DispatchSemaphore)
    /// The waiting thread polls the connection itself (see `PollLoop.lead(until:)`).
    case leader
  }

  private struct State {
    var waiter = Waiter.none
    var result: Result<MessageHandle, any Error>?
    // Guarded here because the pointer is read by `cancel()` from any thread.
    var pending: SendablePointer?
  }

  private let state = Mutex(State())
  private let loop: PollLoop

  /// Creates a waiter for a call on the connection that `loop` drives.
  init(loop: PollLoop) { self.loop = loop }

  /// Stores the continuation, or resumes it at once if the call already finished.
  func wait(with continuation: CheckedContinuation<MessageHandle, any Error>) {
    let done = state.withLock { state -> Result<MessageHandle, any Error>? in
      if let result = state.result { return result }
      state.waiter = .continuation(continuation)
      return nil
    }
    if let done { continuation.resume(with: done) }
  }

  /// Whether the call has finished.
  var isFinished: Bool { state.withLock { $0.result != nil } }

  /// Blocks the calling thread, the loop's leader, until the call finishes, reading and
  /// dispatching the connection's messages itself meanwhile.
  func waitLeading() -> Result<MessageHandle, any Error> {
    let done = state.withLock { state -> Result<MessageHandle, any Error>? in
      if let result = state.result { return result }
      state.waiter = .leader
      return nil
    }
    if let done { return done }
    loop.lead { isFinished }
    return state.withLock { $0.result } ?? .failure(DBusError(.disconnected, "the connection was closed"))
  }

  /// Blocks the calling thread until the call finishes.
  func waitBlocking() -> Result<MessageHandle, any Error> {
    let semaphore = DispatchSemaphore(value: 0)
    let done = state.withLock { state -> Result<MessageHandle, any Error>? in
      if let result = state.result { return result }
      state.waiter = .semaphore(semaphore)
      return nil
    }
    if let done { return done }
    semaphore.wait()
    return state.withLock { $0.result! }
  }

  func attach(_ pending: OpaquePointer) {
    let pending = SendablePointer(pending)
    state.withLock { $0.pending = pending }
  }

  /// Takes the reply from libdbus, if there is one yet, and finishes the call.
  func completeFromLibdbus() {
    let pending = state.withLock { $0.pending }
    guard let pending, let reply = dbus_pending_call_steal_reply(pending.raw) else { return }
    let message = MessageHandle(adopting: reply)
    finish(message.kind == .error ? .failure(message.asError()) : .success(message))
  }

  /// Cancels the call: libdbus forgets it and the waiter gets `CancellationError`.
  func cancel() {
    let pending = state.withLock { $0.pending }
    if let pending { dbus_pending_call_cancel(pending.raw) }
    finish(.failure(CancellationError()))
  }

  func finish(_ result: Result<MessageHandle, any Error>) {
    let (waiter, pending) = state.withLock { state -> (Waiter, SendablePointer?) in
      guard state.result == nil else { return (.none, nil) }
      state.result = result
      defer {
        state.waiter = .none
        state.pending = nil
      }
      return (state.waiter, state.pending)
    }
    // The pending call holds this object as its user data; dropping our reference to the
    // pending call breaks that cycle once the call is over.
    if let pending { dbus_pending_call_unref(pending.raw) }
    switch waiter {
    case .none: break
    case .continuation(let continuation): loop.afterDispatch { continuation.resume(with: result) }
    case .semaphore(let semaphore): loop.afterDispatch { semaphore.signal() }
    case .leader: if !loop.isLeaderThread { loop.wakeLeader() }
    }
  }
}

let pendingNotifyCallback: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Void = {
  _, data in
  Unmanaged<PendingReply>.fromOpaque(data!).takeUnretainedValue().completeFromLibdbus()
}

let releasePendingReply: @convention(c) (UnsafeMutableRawPointer?) -> Void = { data in
  Unmanaged<PendingReply>.fromOpaque(data!).release()
}
