#!/bin/sh
# Sweeps stage 2's "none" threshold on the project's own validation set and prints, for each
# value, in-scope accuracy, out-of-scope precision and recall, and how many sentences are right.
# The value with the most right goes into Config/intents/classifier.json. Never run this on a
# measurement set (../shared/data/intents/dev.jsonl): thresholds are tuned on validation only.
# Usage: scripts/tune-none-threshold.sh [VALIDATION.jsonl]   (after `swift build -c release`)
set -eu
cd "$(dirname "$0")/.."
set_file=${1:-Tests/IntentUnderstandingTests/Fixtures/validation.jsonl}
for threshold in 0.44 0.46 0.48 0.50 0.52 0.54 0.56 0.58 0.60 0.62 0.64; do
  .build/release/cabin eval intents "$set_file" --config-dir Config --confusions 0 \
    --none-threshold "$threshold" |
    awk -v t="$threshold" '
      /^in scope:/ { split($4, a, "[(/)]"); inscope = $3; right = a[2] }
      /^out of scope:/ { split($8, b, "[(/)]"); printf "%s  in scope %s  oos precision %s recall %s  right %d\n", t, inscope, $5, $7, right + b[2] }'
done
