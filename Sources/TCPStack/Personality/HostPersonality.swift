extension Personality {
    /// This machine: `linux-6` with the sysctls of `snapshot` applied, each as the kernel uses it. Entries the
    /// snapshot lacks keep linux-6's value.
    /// - `ip_local_port_range`, `ip_local_reserved_ports`: the port side (`PortPersonality.host`).
    /// - `tcp_rmem[1]`: the initial receive buffer; the SYN window is half of it, rounded down to the MSS
    ///   (`tcp_select_initial_window`). `max(tcp_rmem[2], rmem_max)`: the space that fixes the window scale,
    ///   `ilog2(space) - 15` clamped to 0...14.
    /// - `tcp_wmem[1]`: the send buffer.
    /// - `tcp_window_scaling`, `tcp_sack`, `tcp_dsack`: on or off. `tcp_timestamps`: 0 off, 1 on with a
    ///   per-connection offset (`secure_tcp_ts_off`), 2 on without.
    /// - `tcp_syn_retries`, `tcp_synack_retries`, `tcp_retries2`: retransmission limits.
    /// - `tcp_invalid_ratelimit` (ms): per-socket challenge/out-of-window ACK interval (0: none).
    ///   `tcp_challenge_ack_limit`: the global per-second limit.
    public static func host(_ snapshot: SysctlSnapshot) -> Personality {
        var tcp = TCPConfiguration.linux6
        tcp.name = hostName
        if let rmem = snapshot.receiveBuffer {
            tcp.receiveBufferDefault = rmem.initial
            tcp.receiveBufferMax = rmem.max
        }
        if let ceiling = snapshot.receiveBufferCeiling {
            tcp.receiveBufferMax = max(snapshot.receiveBuffer?.max ?? tcp.receiveBufferMax, ceiling)
        }
        if let wmem = snapshot.sendBuffer { tcp.sendBufferSize = wmem.initial }
        if let on = snapshot.windowScaling { tcp.windowScaling = on }
        if let on = snapshot.sack { tcp.sack = on }
        if let on = snapshot.dsack { tcp.dsack = on }
        if let mode = snapshot.timestamps {
            tcp.timestamps = mode != 0
            tcp.randomTimestampOffset = mode == 1
        }
        if let n = snapshot.synRetries { tcp.synRetries = n }
        if let n = snapshot.synAckRetries { tcp.synAckRetries = n }
        if let n = snapshot.dataRetries { tcp.dataRetries = n }
        if let ms = snapshot.invalidRateLimitMilliseconds {
            tcp.challengeAckInterval = ms > 0 ? .milliseconds(ms) : nil
        }
        if let limit = snapshot.challengeAckLimit { tcp.challengeAckLimitPerSecond = limit }
        return Personality(summary: "\(linux6.name) with this machine's sysctls", tcp: tcp, ports: .host(snapshot))
    }
}
