#!/bin/sh
# Sweeps stage 2's "none" threshold on the project's own validation set and prints, for each
# value, in-scope accuracy, out-of-scope precision and recall, and how many sentences are right.
# By default it scores both project sets together: validation.jsonl and the harder
# validation-hard.jsonl (colloquial, indirect and misspelt driver requests, held out from
# examples.txt); validation-areas.jsonl stays out of the sweep, as a held-out check with its own floors.
# The value with the most right goes into Config/intents/classifier.json, next to
# the neighbours and centroidWeight it was swept with. Never run this on a measurement set
# (../shared/data/intents/dev.jsonl): thresholds are tuned on validation only.
# Usage: scripts/tune-none-threshold.sh [VALIDATION.jsonl ...]   (after `swift build -c release`)
set -eu
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then
  set -- Tests/IntentUnderstandingTests/Fixtures/validation.jsonl \
    Tests/IntentUnderstandingTests/Fixtures/validation-hard.jsonl
fi
set_file=$(mktemp)
trap 'rm -f "$set_file"' EXIT
cat "$@" >"$set_file"
thresholds="0.36 0.38 0.40 0.42 0.44 0.46 0.48 0.50 0.52 0.54 0.56 0.58 0.60 0.62 0.64"
# One process embeds the examples once and evaluates every threshold.
# shellcheck disable=SC2046
.build/release/cabin eval intents "$set_file" --config-dir Config --confusions 0 \
  $(for threshold in $thresholds; do printf -- '--none-threshold %s ' "$threshold"; done) |
  awk '
    /^in scope:/ { split($4, a, "[(/)]"); inscope = $3; right = a[2] }
    /^out of scope:/ { split($8, b, "[(/)]"); precision = $5; recall = $7; right += b[2] }
    /^stage 2 none threshold:/ { printf "%s  in scope %s  oos precision %s recall %s  right %d\n", $5, inscope, precision, recall, right }'
