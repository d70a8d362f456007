#!/bin/sh
# Measures how many unbound connect() attempts to 127.0.0.1:PORT the live kernel needs before it self-connects.
# Every run is in a FRESH network namespace (no TIME-WAIT left by earlier runs), loopback only.
# Usage: scripts/measure-selfconnect-attempts.sh [RUNS=30] [PORT=50000] [MAX_ATTEMPTS=300000] [MAX_SECONDS=60]
# Needs root (unshare -n) and cc. Prints one line per run, then a summary line.
set -eu
runs=${1:-30}; port=${2:-50000}; max=${3:-300000}; secs=${4:-60}
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
cc -O2 -o "$dir/attempts" "$(dirname "$0")/selfconnect-attempts.c"
i=0
while [ "$i" -lt "$runs" ]; do
    i=$((i + 1))
    unshare -n sh -c "ip link set lo up && '$dir/attempts' $port $max $secs" || true
done | tee "$dir/out"
awk '$1 == "attempts" { a[n++] = $2; s += $2 } $1 == "not-reached" { miss++ }
     END { if (n == 0) { print "no run self-connected"; exit 1 }
           # sort for median/min/max
           for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
           med = (n % 2) ? a[int(n / 2)] : (a[n / 2 - 1] + a[n / 2]) / 2
           printf "runs %d reached %d not-reached %d mean %.0f median %s min %d max %d\n", n + miss, n, miss + 0, s / n, med, a[0], a[n - 1] }' "$dir/out"
