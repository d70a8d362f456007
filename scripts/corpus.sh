#!/usr/bin/env bash
# Runs the public packetdrill corpora against the engine, one script at a time, as their authors run them:
#   FreeBSD tcp-testsuite state-event-engine/ under `freebsd`, from the corpus root;
#   Google gtests/net/tcp/ under `linux-6`, with run_all.py's IPv4 -D definitions.
# Prints pass counts and failures by class, rewrites scripts/corpus/*.known-differences.tsv (one line per failing
# script: file, class, reason), and fails when a count falls below scripts/corpus/floor.
# usage: scripts/corpus.sh [CORPORA_DIR] [SELFCONNECT_BINARY]   (defaults: ../shared/corpora, .build/debug/selfconnect)
set -euo pipefail
cd "$(dirname "$0")/.."
here=$PWD
corpora=$(cd "${1:-../shared/corpora}" && pwd)
bin=$(cd "$(dirname "${2:-.build/debug/selfconnect}")" && pwd)/$(basename "${2:-.build/debug/selfconnect}")
out=$here/scripts/corpus
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

run() {  # name personality root dir [extra args...]
  local name=$1 personality=$2 root=$3 dir=$4
  shift 4
  (cd "$root" && "$bin" script run --personality "$personality" --allow-unsupported --summary \
     --known-differences "$log/$name.tsv" "$@" "$dir" >"$log/$name.out" 2>"$log/$name.err") || true
  echo "== $name under $personality"
  sed -n '/^passed /,$p' "$log/$name.out"
  sort "$log/$name.tsv" >"$out/$name.known-differences.tsv"
}

run freebsd freebsd "$corpora/freebsd-tcp-testsuite" state-event-engine
run google linux-6 "$corpora/google-packetdrill/gtests/net" tcp \
  -D TFO_COOKIE=3021b9d889017eeb -D CODE=host_unreachable -D CMSG_LEVEL_IP=SOL_IP -D CMSG_TYPE_RECVERR=IP_RECVERR

count() { sed -n 's/^passed \([0-9]*\)\/.*/\1/p' "$log/$1.out"; }
freebsd=$(count freebsd)
google=$(count google)
# The live kernel's verdicts: ours must pass what it passes, and not what it fails.
verdicts=$corpora/google-packetdrill/live-linux-6.18.tsv
# kernel-environment.tsv names kernel failures that come from this machine kind (see its header); a pass there is
# counted apart, not against the ceiling.
read -r live_pass live_ours kernel_fail kernel_ours environment_ours < <(awk -F'\t' '
  FILENAME ~ /kernel-environment/ { if ($1 !~ /^#/) environment[$1] = 1; next }
  FILENAME ~ /known-differences/ { failed[$1] = 1; next }
  /^#/ { next }
  { if ($2 == "pass") { kp++; if (!($1 in failed)) ko++ }
    else { kf++; if (!($1 in failed)) { if ($1 in environment) eo++; else fo++ } } }
  END { print kp + 0, ko + 0, kf + 0, fo + 0, eo + 0 }' "$out/kernel-environment.tsv" \
  "$out/google.known-differences.tsv" "$verdicts")
echo "google: of the $live_pass the live Linux 6.18 kernel passes, $live_ours pass; of the $kernel_fail it fails, $((kernel_ours + environment_ours)) pass ($environment_ours where the kernel's failure is this machine's, kernel-environment.tsv)"

status=0
while read -r key floor; do
  case $key in
    freebsd) value=$freebsd ;;
    google) value=$google ;;
    google-live) value=$live_ours ;;
    *) continue ;;  # google-kernel-fail-passing-max: a ceiling, read above
  esac
  if [ "$value" -lt "$floor" ]; then
    echo "corpus: $key passes $value, below the floor of $floor" >&2
    status=1
  fi
done < <(grep -v '^#' "$out/floor")
# Scripts that pass here but fail on the live kernel are differences from Linux too: at most the committed
# number, each explained in the floor file.
allowed=$(awk '$1 == "google-kernel-fail-passing-max" { print $2 }' "$out/floor")
if [ "$kernel_ours" -gt "${allowed:-0}" ]; then
  echo "corpus: $kernel_ours scripts pass that the live kernel fails (at most ${allowed:-0})" >&2
  status=1
fi
exit $status
