// Benchmarks: `selfconnect-bench NAME` prints one JSON object per line:
// {"bench":..., "value":..., "unit":..., "baseline":..., "ratio":...}
let names = Array(CommandLine.arguments.dropFirst())
if names.isEmpty {
    print("usage: selfconnect-bench NAME... (no benchmarks yet)")
}
if names.contains("simulate") { SimulateBench.run() }
