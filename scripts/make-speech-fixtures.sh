#!/bin/sh
# Synthesises a speech clip for the recogniser's tests and evaluation:
#   make-speech-fixtures.sh OUT.wav VOICE SPEED NOISE TEXT
# VOICE and SPEED (words per minute) go to espeak-ng. NOISE is one of
#   quiet          a faint brown-noise floor;
#   car            louder brown noise plus a 90 Hz hum;
#   car:SNR:SEED   road noise (brown and pink noise, low-passed at 1 kHz, an engine hum at 90 and
#                  180 Hz) at SNR dB below the speech's RMS level; SEED (0-999) picks where in a fixed,
#                  repeatable noise recording the clip's noise starts, so clips differ but rerun alike.
# The speech is padded with 0.5 s before (a keyphrase in the first frames is missed) and 0.3 s after.
# Output: 16 kHz mono 16-bit PCM WAV.
set -eu
# Repeatable noise and dither: the same arguments give the same file.
export SOX_OPTS=-R
[ $# -eq 5 ] || { echo "usage: $0 OUT.wav VOICE SPEED quiet|car|car:SNR:SEED TEXT" >&2; exit 2; }
out=$1 voice=$2 speed=$3 noise=$4 text=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
espeak-ng -v "$voice" -s "$speed" -w "$tmp/raw.wav" "$text"
sox "$tmp/raw.wav" -r 16000 -c 1 -b 16 "$tmp/speech.wav" gain -1 pad 0.5 0.3
duration=$(soxi -D "$tmp/speech.wav")
rms() { sox "$1" -n stats 2>&1 | awk '/^RMS lev dB/ { print $4 }'; }
case $noise in
  quiet)
    sox -n -r 16000 -c 1 -b 16 "$tmp/noise.wav" synth "$duration" brownnoise vol 0.01
    sox -m -v 1 "$tmp/speech.wav" -v 1 "$tmp/noise.wav" -b 16 "$out"
    ;;
  car)
    sox -n -r 16000 -c 1 -b 16 "$tmp/noise.wav" synth "$duration" brownnoise vol 0.06
    sox -n -r 16000 -c 1 -b 16 "$tmp/hum.wav" synth "$duration" sine 90 vol 0.03
    sox -m -v 1 "$tmp/speech.wav" -v 1 "$tmp/noise.wav" -v 1 "$tmp/hum.wav" -b 16 "$out" norm -1
    ;;
  car:*:*)
    snr=$(echo "$noise" | cut -d: -f2)
    seed=$(echo "$noise" | cut -d: -f3)
    case "$snr$seed" in *[!0-9]*) echo "$0: SNR and SEED must be whole numbers: '$noise'" >&2; exit 2 ;; esac
    # The seed moves the start within 200 s of the repeatable noise.
    offset=$(awk -v s="$seed" -v d="$duration" 'BEGIN { printf "%.3f", (s * 7.919) % (200 - d > 1 ? 200 - d : 1) }')
    length=$(awk -v o="$offset" -v d="$duration" 'BEGIN { printf "%.3f", o + d + 1 }')
    sox -n -r 16000 -c 1 -b 16 "$tmp/brown.wav" synth "$length" brownnoise vol 0.3
    sox -n -r 16000 -c 1 -b 16 "$tmp/pink.wav" synth "$length" pinknoise vol 0.3
    sox -n -r 16000 -c 1 -b 16 "$tmp/hum.wav" synth "$length" sine 90 synth "$length" sine mix 180 vol 0.4
    sox -m -v 1 "$tmp/brown.wav" -v 0.3 "$tmp/pink.wav" -v 0.05 "$tmp/hum.wav" "$tmp/road.wav" \
      lowpass 1000 trim "$offset" "$duration"
    gain=$(awk -v s="$(rms "$tmp/raw.wav")" -v n="$(rms "$tmp/road.wav")" -v r="$snr" \
      'BEGIN { printf "%.2f", s - r - n }')
    sox "$tmp/road.wav" "$tmp/noise.wav" gain -l "$gain"
    sox -m -v 1 "$tmp/speech.wav" -v 1 "$tmp/noise.wav" -b 16 "$out" gain -n -3
    ;;
  *) echo "$0: noise must be quiet, car or car:SNR:SEED, not '$noise'" >&2; exit 2 ;;
esac
