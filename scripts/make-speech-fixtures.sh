#!/bin/sh
# Synthesises a speech clip for the recogniser's tests and evaluation:
#   make-speech-fixtures.sh OUT.wav VOICE SPEED NOISE TEXT
# VOICE and SPEED (words per minute) go to espeak-ng; NOISE is `quiet` (a faint brown-noise floor)
# or `car` (louder brown noise plus a 90 Hz hum). The speech is padded with 0.5 s before (a keyphrase
# in the first frames is missed) and 0.3 s after. Output: 16 kHz mono 16-bit PCM WAV.
set -eu
[ $# -eq 5 ] || { echo "usage: $0 OUT.wav VOICE SPEED quiet|car TEXT" >&2; exit 2; }
out=$1 voice=$2 speed=$3 noise=$4 text=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
espeak-ng -v "$voice" -s "$speed" -w "$tmp/raw.wav" "$text"
sox "$tmp/raw.wav" -r 16000 -c 1 -b 16 "$tmp/speech.wav" pad 0.5 0.3
duration=$(soxi -D "$tmp/speech.wav")
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
  *) echo "$0: noise must be quiet or car, not '$noise'" >&2; exit 2 ;;
esac
