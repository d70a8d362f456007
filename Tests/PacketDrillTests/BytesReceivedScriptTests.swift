import PacketDrill
import Testing

@Test func aCodeBlockChecksTcpiBytesReceived() throws {
    let text = """
        // personality: linux-6
        0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0    bind(3, ..., ...) = 0
        +0    listen(3, 1) = 0
        +0    < S 0:0(0) win 65535 <mss 1000>
        +0    > S. 0:0(0) ack 1 <mss 1460>
        +.1   < . 1:1(0) ack 1 win 65535
        +0    accept(3, ..., ...) = 4
        +0    < P. 1:301(300) ack 1 win 65535
        +0    %{ assert tcpi_bytes_received == 300 }%
        """
    let ok = try ScriptRunner.run(text: text, file: "bytes.pkt", options: .init(allowUnsupported: true))
    #expect(ok.failure == nil, "\(ok.failure?.description ?? "")")
    let wrong = try ScriptRunner.run(text: text.replacingOccurrences(of: "== 300", with: "== 301"), file: "bytes.pkt",
                                     options: .init(allowUnsupported: true))
    #expect(wrong.failure?.message == "assert tcpi_bytes_received == 301: tcpi_bytes_received is 300")
}
