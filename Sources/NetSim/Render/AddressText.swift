import TCPWire

/// Text forms of endpoints for story, netstat and diagram output (addresses print as tcpdump -n does).
enum AddressText {
    static func address(_ address: IPAddress) -> String { address.description }

    /// `127.0.0.1:50000`, `::1:50000`: the netstat form.
    static func endpoint(_ endpoint: Endpoint) -> String { "\(endpoint.address):\(endpoint.port)" }
}
