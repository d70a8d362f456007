// Benchmarks: `selfconnect-bench NAME...` prints one JSON object per line:
// {"bench":..., "value":..., "unit":..., "baseline":..., "ratio":...}
// Each benchmark lives in its own file; register it here, one line each.
let benches: [(name: String, run: () -> Void)] = [
    ("engine", EngineBench.run),
    ("engine-refused", EngineBench.runRefusedOnly),
    ("ports", PortsBench.run),
    ("wire", WireBench.run),
    ("repro", ReproBench.run),
    ("audit", AuditBench.run),
    ("tun", TunBench.run),
    ("simulate", SimulateBench.run),
    ("memory", MemoryBench.run),
    ("bulk", BulkBench.run),
    ("guard", GuardBench.run),
    ("trace", TraceBench.run),
    ("blind", BlindBench.run),
]

let names = Array(CommandLine.arguments.dropFirst())
let known = Set(benches.map(\.name))
if names.isEmpty || names.contains(where: { !known.contains($0) }) {
    print("usage: selfconnect-bench NAME... where NAME is one of: \(benches.map(\.name).joined(separator: ", "))")
} else {
    for bench in benches where names.contains(bench.name) { bench.run() }
}
