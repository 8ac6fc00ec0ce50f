import CabinService
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Runs the jobs of the tasks that prefer it on one thread of its own, so that the processor time
/// those tasks use can be read from that thread's clock while other suites keep the process busy.
private final class OneThreadExecutor: TaskExecutor, @unchecked Sendable {
  private let condition = NSCondition()
  private var jobs: [UnownedJob] = []
  private var thread: pthread_t?

  init() {
    let started = DispatchSemaphore(value: 0)
    Thread { [self] in
      condition.lock()
      thread = pthread_self()
      condition.unlock()
      started.signal()
      while true {
        condition.lock()
        while jobs.isEmpty { condition.wait() }
        let job = jobs.removeFirst()
        condition.unlock()
        job.runSynchronously(on: asUnownedTaskExecutor())
      }
    }.start()
    started.wait()
  }

  func enqueue(_ job: UnownedJob) {
    condition.lock()
    jobs.append(job)
    condition.signal()
    condition.unlock()
  }

  /// The processor time the executor's thread has used, in seconds.
  var processorSeconds: Double {
    condition.lock()
    defer { condition.unlock() }
    var clock = clockid_t()
    guard let thread, pthread_getcpuclockid(thread, &clock) == 0 else { return .infinity }
    var time = timespec()
    clock_gettime(clock, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
  }
}

@Suite("ChildProcess", .timeLimit(.minutes(1)))
struct ChildProcessTests {
  /// Regression: in a cancelled task `Task.sleep` returns at once, so the wait spun on a core
  /// until the child exited. The wait runs on a thread of its own: the whole process's processor
  /// time also counted the suites running beside this one.
  @Test func aCancelledWaitStillWaitsForTheChildWithoutSpinning() async throws {
    let child = try ChildProcess(
      executable: "/bin/sh", arguments: ["-c", "sleep 1; exit 4"],
      environment: ProcessInfo.processInfo.environment)
    let executor = OneThreadExecutor()
    let before = executor.processorSeconds
    let waiter = Task(executorPreference: executor) { await child.wait(timeout: .seconds(30)) }
    waiter.cancel()
    let status = await waiter.value
    let used = executor.processorSeconds - before
    #expect(status.map { ($0 >> 8) & 0xff } == 4)
    #expect(used < 0.25, "the wait used \(used) s of processor time")
  }

  @Test func aWaitWithATimeLimitGivesUpAndLeavesTheChildRunning() async throws {
    let child = try ChildProcess(
      executable: "/bin/sh", arguments: ["-c", "sleep 30"], environment: ProcessInfo.processInfo.environment)
    #expect(await child.wait(timeout: .milliseconds(100)) == nil)
    #expect(child.exitStatus == nil)
    child.send(SIGKILL)
    #expect(child.waitBlocking() & 0x7f == SIGKILL)
  }
}
