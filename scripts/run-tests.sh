#!/usr/bin/env bash
# Runs the already built tests (`swift test --skip-build`, suites one after another) under a
# watchdog, keeping a copy of the output in .build/test-output.log.
#
# When the watchdog stops a run, the last lines printed name the tests that were still running
# and the slowest suites that finished, so a CI log that keeps only its tail still says whether
# a test hung or the machine was slow.
# Usage: scripts/run-tests.sh   (environment: SWIFT, default swift; TEST_TIMEOUT, default 40m)
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
swift="${SWIFT:-swift}"
limit="${TEST_TIMEOUT:-40m}"
log=.build/test-output.log
mkdir -p .build

started=$SECONDS
# Into a pipe the test process would write its report in 4 KB blocks, so the lines of the last
# minutes before a hang would be lost when the watchdog kills it; stdbuf makes them line by line.
timeout --kill-after=30s "$limit" stdbuf -oL -eL "$swift" test --skip-build --no-parallel 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
  {
    echo "run-tests: the test run did not finish within $limit and was stopped after $((SECONDS - started)) s"
    # Swift Testing prints "◇ Test NAME started." and "✔ Test NAME passed after ..." (or ✘ ...
    # failed); a test or suite with a start and no end was running when the watchdog fired.
    awk '
      /^◇ (Test|Suite) / && / started\.$/ && !/^◇ Test (case|run) / {
        name = $0; sub(/^◇ /, "", name); sub(/ started\.$/, "", name); running[name] = NR
      }
      /^(✔|✘) (Test|Suite) / && / (passed|failed) after / {
        name = $0; sub(/^(✔|✘) /, "", name); sub(/ (passed|failed) after .*$/, "", name)
        sub(/ with [0-9]+ test cases?$/, "", name); delete running[name]
      }
      END { for (name in running) print "run-tests: still running: " name }
    ' "$log"
    grep -E '^(✔|✘) Suite .* after [0-9.]+ seconds' "$log" |
      sed -E 's/^(✔|✘) Suite (.*) (passed|failed).* after ([0-9.]+) seconds.*/\4 \2/' |
      sort -rn | head -5 | sed 's/^/run-tests: a slow suite (seconds): /'
  } >&2
fi
exit "$status"
