#!/usr/bin/env bash
# Builds the TCPWire fuzzer with libFuzzer + AddressSanitizer and runs it over the seed corpus.
# Usage: bash Fuzz/run.sh [libFuzzer flags]   (default: -runs=1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
out=.build/fuzz
mkdir -p "$out/corpus"
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name WireFuzz \
  Sources/TCPWire/*.swift Fuzz/WireFuzz.swift -o "$out/wirefuzz"
# New inputs go to the scratch corpus; the seeds in Fuzz/corpus stay as committed.
if [ $# -eq 0 ]; then set -- -runs=1000000; fi
"$out/wirefuzz" "$@" "$out/corpus" Fuzz/corpus
