import CabinService
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

@Suite("ChildProcess", .timeLimit(.minutes(1)))
struct ChildProcessTests {
  private func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
      + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
  }

  /// Regression: in a cancelled task `Task.sleep` returns at once, so the wait spun on a core
  /// until the child exited.
  @Test func aCancelledWaitStillWaitsForTheChildWithoutSpinning() async throws {
    let child = try ChildProcess(
      executable: "/bin/sh", arguments: ["-c", "sleep 1; exit 4"],
      environment: ProcessInfo.processInfo.environment)
    let cpuBefore = cpuSeconds()
    let waiter = Task { await child.wait(timeout: .seconds(30)) }
    waiter.cancel()
    let status = await waiter.value
    let cpuUsed = cpuSeconds() - cpuBefore
    #expect(status.map { ($0 >> 8) & 0xff } == 4)
    #expect(cpuUsed < 0.25, "the wait used \(cpuUsed) s of CPU")
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
