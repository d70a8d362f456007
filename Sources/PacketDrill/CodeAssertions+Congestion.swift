import TCPStack

extension CodeAssertions {
    /// TCP_INFO fields of the sender's congestion and loss state (see the table in CodeAssertions.swift).
    static func congestionField(_ name: String, _ info: TCPInfo) -> Int? {
        switch name {
        case "tcpi_busy_time": info.busyMicroseconds
        case "tcpi_rwnd_limited": info.receiveWindowLimitedMicroseconds
        case "tcpi_sndbuf_limited": info.sendBufferLimitedMicroseconds
        case "tcpi_probes": info.probes
        case "tcpi_backoff": info.backoff
        case "tcpi_ca_state": info.congestionState.rawValue
        case "tcpi_unacked": info.unackedSegments
        case "tcpi_sacked": info.sackedSegments
        case "tcpi_lost": info.lostSegments
        case "tcpi_retrans": info.retransmittedSegments
        case "tcpi_reordering": info.reordering
        case "TCP_CA_Open": CongestionState.open.rawValue
        case "TCP_CA_Disorder": CongestionState.disorder.rawValue
        case "TCP_CA_CWR": CongestionState.cwr.rawValue
        case "TCP_CA_Recovery": CongestionState.recovery.rawValue
        case "TCP_CA_Loss": CongestionState.loss.rawValue
        default: nil
        }
    }
}
