/// Outbound timestamps as packetdrill checks them (`map_outbound_live_packet`, `verify_outbound_tcp_option` in
/// run_packet.c): the TS ecr of an outbound segment is never compared; its TS val only with
/// `--tcp_ts_tick_usecs=N`, after mapping it into script space from the first TS val the socket sent, within the
/// tolerance (`--tolerance_usecs`, or `--tolerance_percent` of the time since the start when larger).
extension ScriptRunner {
    mutating func timestampValueMismatch(script: UInt32, live: UInt32) -> String? {
        guard tsTickMicros > 0 else { return nil }
        guard let base = tsBaseline else {
            tsBaseline = (script, live)
            return nil
        }
        let mapped = base.script &+ (live &- base.live)
        let ticks = Int64(Int32(bitPattern: mapped &- script)).magnitude
        let allowed = max(tolerance, Int64(tolerancePercent / 100 * Double(now)))
        guard Int64(ticks) * tsTickMicros > allowed else { return nil }
        return "TS val \(mapped), expected \(script) (\(tsTickMicros) us per tick, tolerance \(allowed) us)"
    }
}
