#!/usr/bin/env bash
# Builds one libFuzzer target with AddressSanitizer and runs it over its seed corpus.
# Usage: bash Fuzz/run.sh [TARGET] [libFuzzer flags]   (default target wire, default flags -runs=1000000)
#   wire     TCPWire: packet parse/emit round trips, the tcpdump printer     seeds: Fuzz/corpus
#   capture  the pcap and pcapng readers                                      seeds: Fuzz/corpus-capture
#   engine   TCPStack: socket calls, time and segments on two hosts          seeds: Fuzz/corpus-engine
#   script   PacketDrill: preprocessor, lexer, parser and runner             seeds: Fuzz/corpus-script
# Each module is compiled straight from Sources/ with swiftc; a target's own file is compiled into the module it
# checks (engine: TCPStack, script: PacketDrill) so it can read internal state.
set -euo pipefail
cd "$(dirname "$0")/.."
target=wire
case "${1:-}" in wire | capture | engine | script) target=$1; shift ;; esac
out=.build/fuzz
mkdir -p "$out/modules" "$out/corpus-$target"
# One package name for every module, so `package` declarations are visible across them as under SwiftPM.
flags=(-sanitize=fuzzer,address -parse-as-library -O -package-name selfconnect)

# An instrumented object and module interface for a library module the target imports.
library() {
  local name=$1
  shift
  swiftc "${flags[@]}" -wmo -module-name "$name" -I "$out/modules" -emit-module \
    -emit-module-path "$out/modules/$name.swiftmodule" -c "$@" -o "$out/$name.o"
}
stack_sources() { find Sources/TCPStack -name '*.swift' | sort; }

case $target in
  wire)
    swiftc "${flags[@]}" -module-name WireFuzz Sources/TCPWire/*.swift Fuzz/WireFuzz.swift -o "$out/wire"
    seeds=Fuzz/corpus ;;
  capture)
    swiftc "${flags[@]}" -module-name CaptureFuzz Sources/TCPWire/*.swift Fuzz/CaptureFuzz.swift -o "$out/capture"
    seeds=Fuzz/corpus-capture ;;
  engine)
    library TCPWire Sources/TCPWire/*.swift
    # Whole-module: the engine's hot paths call across its files (segment arrival, transmit, timers).
    # shellcheck disable=SC2046
    swiftc "${flags[@]}" -wmo -module-name TCPStack -I "$out/modules" $(stack_sources) Fuzz/EngineFuzz.swift \
      "$out/TCPWire.o" -o "$out/engine"
    seeds=Fuzz/corpus-engine ;;
  script)
    library TCPWire Sources/TCPWire/*.swift
    # shellcheck disable=SC2046
    library TCPStack $(stack_sources)
    swiftc "${flags[@]}" -module-name PacketDrill -I "$out/modules" Sources/PacketDrill/*.swift Fuzz/ScriptFuzz.swift \
      "$out/TCPWire.o" "$out/TCPStack.o" -o "$out/script"
    seeds=Fuzz/corpus-script ;;
esac
# New inputs go to the scratch corpus; the seeds stay as committed.
if [ $# -eq 0 ]; then set -- -runs=1000000; fi
"$out/$target" "$@" "$out/corpus-$target" "$seeds"
