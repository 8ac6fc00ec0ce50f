import CabinTestKit
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

@Suite("ExternalTool.run", .timeLimit(.minutes(1)))
struct ExternalToolRunTests {
  @Test func capturesExitStatusOutputAndErrorSeparately() async throws {
    let result = try await ExternalTool.run("/bin/sh", ["-c", "echo to-out; echo to-err >&2; exit 3"])
    #expect(result.status == 3)
    #expect(result.output == "to-out\n")
    #expect(result.error == "to-err\n")
  }

  @Test func reportsADeathBySignalAs128PlusTheSignal() async throws {
    let result = try await ExternalTool.run("/bin/sh", ["-c", "kill -TERM $$"])
    #expect(result.status == 128 + SIGTERM)
  }

  @Test func feedsStandardInputOrNothing() async throws {
    let fed = try await ExternalTool.run("/bin/cat", [], input: Data("line one\nline two\n".utf8))
    #expect(fed.output == "line one\nline two\n")
    let empty = try await ExternalTool.run("/bin/cat", [])
    #expect(empty.status == 0)
    #expect(empty.output.isEmpty)
  }

  @Test func runsWithExactlyTheGivenEnvironment() async throws {
    let result = try await ExternalTool.run("/usr/bin/env", [], environment: ["CABIN_PROBE": "42"])
    #expect(result.output == "CABIN_PROBE=42\n")
  }

  @Test func killsAToolThatOutlivesItsTimeLimitAndKeepsWhatItPrinted() async throws {
    let started = ContinuousClock.now
    do {
      _ = try await ExternalTool.run(
        "/bin/sh", ["-c", "echo waiting >&2; exec sleep 30"], timeout: .milliseconds(500))
      Issue.record("a tool past its time limit must throw")
    } catch let timeout as ToolTimeout {
      #expect(timeout.partial.status == 128 + SIGKILL)
      #expect(timeout.partial.error == "waiting\n")
      #expect(timeout.description.contains("/bin/sh -c"))
    }
    #expect(ContinuousClock.now - started < .seconds(10))
  }

  /// Regression: reading a tool's output to the end of a pipe never finished when the tool left a
  /// background process holding that pipe (as `cabin up --detach` leaves its supervisor).
  @Test func returnsWhenTheToolExitsEvenIfItsBackgroundChildKeepsItsOutput() async throws {
    let started = ContinuousClock.now
    let result = try await ExternalTool.run("/bin/sh", ["-c", "sleep 20 & echo $!"])
    #expect(ContinuousClock.now - started < .seconds(10))
    let background = try #require(pid_t(result.output.trimmingCharacters(in: .whitespacesAndNewlines)))
    #expect(kill(background, SIGKILL) == 0)
  }

  @Test func aChildInheritsNoDescriptorBeyondStandardError() async throws {
    // A descriptor this process leaves inheritable, as test runners do with theirs.
    let stray = open("/dev/null", O_RDONLY)
    defer { close(stray) }
    #expect(fcntl(stray, F_GETFD) & FD_CLOEXEC == 0)
    let result = try await ExternalTool.run("/bin/ls", ["/proc/self/fd"])
    // 0, 1, 2, and the one ls opens to read the directory.
    #expect(result.output.split(separator: "\n").count == 4, "\(result.output)")
  }

  @Test func findsTheBuiltExecutables() {
    #expect(FileManager.default.isExecutableFile(atPath: ExternalTool.built("cabin")))
    #expect(FileManager.default.isExecutableFile(atPath: ExternalTool.built("cabin-sim")))
  }
}
