@testable import PacketDrill
import Testing

/// `tc qdisc` lines on packetdrill's tun device: a `pfifo limit 0` queue drops everything the host sends.
@Test func tcQdiscLinesSetWhetherTheTransmitQueueDropsEverything() {
    let shell = ShellInterpreter(readFile: { _ in nil }, directory: ".")
    #expect(shell.effects(of: "tc qdisc delete dev tun0 root 2>/dev/null ; tc qdisc add dev tun0 root pfifo limit 0")
        == [.transmitQueueDrops(false), .transmitQueueDrops(true)])
    #expect(shell.effects(of: "tc qdisc add dev tun0 root pfifo") == [.transmitQueueDrops(false)])
    #expect(shell.effects(of: "tc qdisc add dev tun0 root pfifo limit 100") == [.transmitQueueDrops(false)])
    #expect(shell.effects(of: "tc qdisc add dev tun0 root fq") == [.fairQueue(true)])
    #expect(shell.effects(of: "tc qdisc replace dev tun0 root fq") == [.fairQueue(true)])
    #expect(shell.effects(of: "tc qdisc replace dev tun0 root fq maxrate 1mbit")
        == [.unsupported("tc qdisc replace dev tun0 root fq maxrate 1mbit")])
}
