import TCPStack

/// The sysctls a script may write and the engine setting each drives. A name not here, or a value the engine
/// does not model, is unsupported: the runner names it (and fails without `--allow-unsupported`).
///
/// | sysctl | drives |
/// |---|---|
/// | Linux `net.ipv4.tcp_rmem` = min default max | `receiveBufferDefault` = default; `receiveBufferMax` = max(max, `rmem_max` 212992): window and scale as `tcp_select_initial_window` computes them |
/// | `net.ipv4.tcp_wmem` = min default max | `sendBufferSize` = default; `sendBufferMax` = max |
/// | `net.ipv4.tcp_timestamps` 0/1/2 | `timestamps`; 2: without the per-connection offset |
/// | `net.ipv4.tcp_sack`, `tcp_dsack`, `tcp_window_scaling` | `sack`, `dsack`, `windowScaling` |
/// | `net.ipv4.tcp_syn_retries`, `tcp_synack_retries`, `tcp_retries2` | `synRetries`, `synAckRetries`, `dataRetries` |
/// | `net.ipv4.tcp_congestion_control` reno/cubic | `congestionControl` |
/// | `net.ipv4.tcp_keepalive_time`, `_intvl`, `_probes` | `keepaliveIdle`, `keepaliveInterval`, `keepaliveCount` |
/// | `net.ipv4.tcp_notsent_lowat` | `notSentLowWater`: writable only below that many unsent bytes |
/// | `net.ipv4.tcp_min_tso_segs` | `minTSOSegments`: the fewest MSS a GSO packet is sized to |
/// | `net.ipv4.tcp_pacing_ss_ratio`, `tcp_pacing_ca_ratio` (0-1000) | `pacingSlowStartRatio`, `pacingAvoidanceRatio`: the pacing rate that sizes GSO packets |
/// | `net.ipv4.tcp_fack` 0, `tcp_reordering` 3 | what the engine does (no FACK, dupthresh 3); other values unsupported |
/// | `net.ipv4.tcp_early_retrans` 0-4 | `tailLossProbe` (on for 3 and 4) |
/// | `net.ipv4.tcp_ecn` 0-2 | `ecn`: off, request, accept only (RFC 3168) |
/// | FreeBSD `net.inet.tcp.rfc1323` 0-3 | `windowScaling` (1, 2), `timestamps` (1, 3) |
/// | `net.inet.tcp.sack.enable` | `sack` |
/// | `net.inet.tcp.recvspace`, `sendspace`, `kern.ipc.maxsockbuf` | `receiveBufferDefault`, `sendBufferSize`, `receiveBufferMax` (window scale, `sb_max`) |
/// | `net.inet.tcp.insecure_rst`, `insecure_syn` | `rstChallengeAck` off, `resetOnSynInWindow` on (RFC 5961 off) |
/// | `net.inet.tcp.drop_synfin` | `dropSynFin` |
/// | `net.inet.tcp.rexmit_initial` (ms) | `rtoInitial` |
/// | `net.inet.tcp.rexmit_slop` (ms) | `retransmitSlop` |
/// | `net.inet.tcp.rexmit_drop_options` | `synOptionsDroppedAtRetransmit` (3) |
/// | `net.inet.tcp.icmp_may_rst` | `icmp.hardErrorsAbortOpen` |
/// | `net.inet.tcp.keepinit`, `keepidle`, `keepintvl` (ms), `keepcnt` | `connectTimeout`, `keepaliveIdle`, `keepaliveInterval`, `keepaliveCount` |
/// | `net.inet.tcp.ecn.enable` 0-2, `ecn.maxretries` | `ecn` (as `tcp_ecn`), `ecnSynRetries` |
/// | `net.inet.tcp.blackhole` 0 | what the engine does (RST for a closed port) |
/// | `net.inet.tcp.hostcache.purgenow` | nothing: the engine keeps no host cache |
struct SysctlSettings {
    var configuration: TCPConfiguration
    /// `net.ipv4.tcp_rmem[2]` and `net.core.rmem_max`, whose larger one sets the window scale.
    var rmemMax = 212_992
    var tcpRmemMax: Int?

    init(_ configuration: TCPConfiguration) { self.configuration = configuration }

    /// Applies `name = value`; returns why it cannot be, or nil.
    mutating func apply(_ name: String, _ value: String) -> String? {
        let numbers = value.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { Int($0) }
        let number = numbers.count == 1 ? numbers[0] : nil
        func bool(_ set: (inout TCPConfiguration, Bool) -> Void) -> String? {
            guard let n = number, n == 0 || n == 1 else { return "value \(value) is not 0 or 1" }
            set(&configuration, n == 1)
            return nil
        }
        func count(_ set: (inout TCPConfiguration, Int) -> Void) -> String? {
            guard let n = number, n >= 0 else { return "value \(value) is not a count" }
            set(&configuration, n)
            return nil
        }
        func fixed(_ modelled: Int, _ what: String) -> String? {
            number == modelled ? nil : "the engine implements only \(modelled) (\(what))"
        }
        switch name {
        case "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem":
            guard numbers.count == 3, let low = numbers[0], let mid = numbers[1], let high = numbers[2],
                low <= mid, mid <= high
            else { return "value \(value) is not 'min default max'" }
            if name == "net.ipv4.tcp_wmem" {
                configuration.sendBufferSize = mid
                configuration.sendBufferMax = high
            } else {
                configuration.receiveBufferDefault = mid
                tcpRmemMax = high
                configuration.receiveBufferMax = max(high, rmemMax)
            }
            return nil
        case "net.core.rmem_max":
            guard let n = number, n > 0 else { return "value \(value) is not a size" }
            rmemMax = n
            configuration.receiveBufferMax = max(tcpRmemMax ?? configuration.receiveBufferMax, n)
            return nil
        case "net.ipv4.tcp_timestamps":
            guard let n = number, (0...2).contains(n) else { return "value \(value) is not 0, 1 or 2" }
            configuration.timestamps = n != 0
            configuration.randomTimestampOffset = n == 1
            return nil
        case "net.ipv4.tcp_sack": return bool { $0.sack = $1 }
        case "net.ipv4.tcp_dsack": return bool { $0.dsack = $1 }
        case "net.ipv4.tcp_window_scaling": return bool { $0.windowScaling = $1 }
        case "net.ipv4.tcp_syn_retries": return count { $0.synRetries = $1 }
        case "net.ipv4.tcp_synack_retries": return count { $0.synAckRetries = $1 }
        case "net.ipv4.tcp_retries2": return count { $0.dataRetries = $1 }
        case "net.ipv4.tcp_keepalive_time": return count { $0.keepaliveIdle = .seconds($1) }
        case "net.ipv4.tcp_keepalive_intvl": return count { $0.keepaliveInterval = .seconds($1) }
        case "net.ipv4.tcp_keepalive_probes": return count { $0.keepaliveCount = $1 }
        case "net.ipv4.tcp_tw_reuse":
            // Only where the personality has Linux's rule (tcp_twsk_unique).
            guard configuration.timeWaitReuse != nil else { return "the personality has no TIME-WAIT takeover" }
            return count { $0.timeWaitReuse = $1 }
        case "net.ipv4.tcp_tw_reuse_delay": return count { $0.timeWaitReuseDelay = .milliseconds($1) }
        case "net.ipv4.tcp_notsent_lowat": return count { $0.notSentLowWater = $1 }
        case "net.ipv4.tcp_min_tso_segs":
            guard let n = number, (1...255).contains(n) else { return "value \(value) is not 1 to 255" }
            configuration.minTSOSegments = n
            return nil
        case "net.ipv4.tcp_pacing_ss_ratio", "net.ipv4.tcp_pacing_ca_ratio":
            // Linux ipv4_net_table: proc_dointvec_minmax between 0 and 1000 (percent).
            guard let n = number, (0...1000).contains(n) else { return "value \(value) is not 0 to 1000" }
            if name.hasSuffix("ss_ratio") { configuration.pacingSlowStartRatio = n } else { configuration.pacingAvoidanceRatio = n }
            return nil
        case "net.ipv4.tcp_congestion_control":
            guard let algorithm = CongestionAlgorithm(rawValue: value) else {
                return "congestion control '\(value)' is not one of \(CongestionAlgorithm.allCases.map(\.rawValue).joined(separator: ", "))"
            }
            configuration.congestionControl = algorithm
            return nil
        case "net.ipv4.tcp_fack": return fixed(0, "no FACK, as Linux since 4.15")
        case "net.ipv4.tcp_reordering": return fixed(3, "a duplicate-ACK threshold of 3")
        case "net.ipv4.tcp_early_retrans":
            // 3 and 4 enable tail loss probes (Documentation/networking/ip-sysctl.rst); 0-2 do not.
            guard let n = number, (0...4).contains(n) else { return "value \(value) is not 0 to 4" }
            configuration.tailLossProbe = n >= 3
            return nil
        case "net.ipv4.tcp_ecn":
            guard let n = number, let policy = ECNPolicy(rawValue: n) else { return "value \(value) is not 0, 1 or 2 (RFC 3168 ECN)" }
            configuration.ecn = policy
            return nil
        case "net.inet.tcp.rfc1323":
            guard let n = number, (0...3).contains(n) else { return "value \(value) is not 0 to 3" }
            configuration.windowScaling = n == 1 || n == 2
            configuration.timestamps = n == 1 || n == 3
            return nil
        case "net.inet.tcp.sack.enable": return bool { $0.sack = $1 }
        case "net.inet.tcp.recvspace": return count { $0.receiveBufferDefault = $1 }
        case "net.inet.tcp.sendspace": return count { $0.sendBufferSize = $1 }
        case "kern.ipc.maxsockbuf": return count { $0.receiveBufferMax = $1 }
        case "net.inet.tcp.insecure_rst": return bool { $0.rstChallengeAck = !$1 }
        case "net.inet.tcp.insecure_syn": return bool { $0.resetOnSynInWindow = $1 }
        case "net.inet.tcp.drop_synfin": return bool { $0.dropSynFin = $1 }
        case "net.inet.tcp.rexmit_initial": return count { $0.rtoInitial = .milliseconds($1) }
        case "net.inet.tcp.blackhole": return fixed(0, "a RST for a segment to a closed port")
        case "net.inet.tcp.ecn.enable":
            // 0 off, 1 ask and accept, 2 accept only, as Linux's tcp_ecn; 3 and 4 are AccECN, not modelled.
            guard let n = number, let policy = ECNPolicy(rawValue: n) else { return "value \(value) is not 0, 1 or 2 (RFC 3168 ECN)" }
            configuration.ecn = policy
            return nil
        case "net.inet.tcp.ecn.maxretries": return count { $0.ecnSynRetries = $1 }
        case "net.inet.tcp.rexmit_slop": return count { $0.retransmitSlop = .milliseconds($1) }
        case "net.inet.tcp.rexmit_drop_options": return bool { $0.synOptionsDroppedAtRetransmit = $1 ? 3 : nil }
        // FreeBSD's keep-alive and connection-establishment times are in milliseconds (sysctl_msec_to_ticks).
        case "net.inet.tcp.keepinit": return count { $0.connectTimeout = .milliseconds($1) }
        case "net.inet.tcp.keepidle": return count { $0.keepaliveIdle = .milliseconds($1) }
        case "net.inet.tcp.keepintvl": return count { $0.keepaliveInterval = .milliseconds($1) }
        case "net.inet.tcp.keepcnt": return count { $0.keepaliveCount = $1 }
        case "net.inet.tcp.icmp_may_rst":
            guard configuration.icmp != nil else { return "ICMP errors are not modelled for this personality" }
            return bool { $0.icmp?.hardErrorsAbortOpen = $1 }
        case "net.inet.tcp.hostcache.purgenow": return nil
        default: return "not in the table of sysctls the engine models"
        }
    }
}
