import Testing
import TCPWire
@testable import TCPStack

private let lo = IPAddress.v4(.loopback)
private let other = IPAddress.v4(IPv4Address(10, 0, 0, 1))
private let any4 = IPAddress.v4(.any)
private let any6 = IPAddress.v6(.any)
private let reuse = BindOptions(reuseAddress: true)
private let plain = BindOptions()

/// How the existing socket came to hold port 5000.
enum Existing: Sendable, CustomStringConvertible {
    case bound(IPAddress, BindOptions)
    case listening(IPAddress, BindOptions)
    case connectedFromBind(BindOptions)          // bind(127.0.0.1:5000) then connect(127.0.0.1:6000)
    case selfConnected(BindOptions)              // unbound connect to 127.0.0.1:5000 that got port 5000
    case timeWait(BindOptions)                   // the self-connected socket after close

    var description: String {
        switch self {
        case .bound(let a, let o): "bound \(a) reuseaddr=\(o.reuseAddress) reuseport=\(o.reusePort)"
        case .listening(let a, let o): "listening \(a) reuseaddr=\(o.reuseAddress) reuseport=\(o.reusePort)"
        case .connectedFromBind(let o): "connected-from-bind reuseaddr=\(o.reuseAddress)"
        case .selfConnected(let o): "self-connected reuseaddr=\(o.reuseAddress)"
        case .timeWait(let o): "time-wait reuseaddr=\(o.reuseAddress) reuseport=\(o.reusePort)"
        }
    }

    func install(in table: inout BindTable) throws {
        let p: UInt16 = 5000
        switch self {
        case .bound(let a, let o):
            _ = try table.bind(Endpoint(a, p), options: o)
        case .listening(let a, let o):
            try table.listen(try table.bind(Endpoint(a, p), options: o))
        case .connectedFromBind(let o):
            try table.connect(try table.bind(Endpoint(lo, p), options: o), to: Endpoint(lo, 6000))
        case .selfConnected(let o):
            _ = try table.autobind(Endpoint(lo, p), to: Endpoint(lo, p), options: o)
        case .timeWait(let o):
            table.enterTimeWait(try table.autobind(Endpoint(lo, p), to: Endpoint(lo, p), options: o))
        }
    }
}

struct BindCase: Sendable, CustomStringConvertible {
    var existing: Existing
    var address: IPAddress
    var options: BindOptions
    var thenListen: Bool
    var expected: SocketError?
    var description: String { "\(existing) | bind \(address):5000 reuseaddr=\(options.reuseAddress) reuseport=\(options.reusePort)\(thenListen ? " +listen" : "") -> \(expected?.errnoName ?? "ok")" }
}

// Linux (inet_csk_bind_conflict), checked against the behaviour in linux-facts.md and socket(7).
let bindCases: [BindCase] = [
    // Plain EADDRINUSE, and the address overlap rules.
    BindCase(existing: .bound(lo, plain), address: lo, options: plain, thenListen: false, expected: .addressInUse),
    BindCase(existing: .bound(lo, plain), address: other, options: plain, thenListen: false, expected: nil),
    BindCase(existing: .bound(any4, plain), address: lo, options: plain, thenListen: false, expected: .addressInUse),
    BindCase(existing: .bound(lo, plain), address: any4, options: plain, thenListen: false, expected: .addressInUse),
    BindCase(existing: .bound(any6, plain), address: lo, options: plain, thenListen: false, expected: .addressInUse),
    // SO_REUSEADDR: both sides needed; never over a listener.
    BindCase(existing: .bound(lo, reuse), address: lo, options: reuse, thenListen: false, expected: nil),
    BindCase(existing: .bound(lo, plain), address: lo, options: reuse, thenListen: false, expected: .addressInUse),
    BindCase(existing: .listening(lo, reuse), address: lo, options: reuse, thenListen: false, expected: .addressInUse),
    BindCase(existing: .listening(any4, reuse), address: lo, options: reuse, thenListen: false, expected: .addressInUse),
    BindCase(existing: .bound(lo, reuse), address: lo, options: reuse, thenListen: true, expected: nil),
    // SO_REUSEPORT: both sides, same owner; a listener group shares the port.
    BindCase(existing: .listening(lo, BindOptions(reusePort: true)), address: lo,
             options: BindOptions(reusePort: true), thenListen: true, expected: nil),
    BindCase(existing: .listening(lo, BindOptions(reusePort: true, uid: 1000)), address: lo,
             options: BindOptions(reusePort: true, uid: 0), thenListen: false, expected: .addressInUse),
    BindCase(existing: .listening(lo, BindOptions(reusePort: true)), address: lo, options: plain, thenListen: false,
             expected: .addressInUse),
    // TIME-WAIT: rebinding needs SO_REUSEADDR on the new socket and on the one that closed.
    BindCase(existing: .timeWait(plain), address: lo, options: plain, thenListen: false, expected: .addressInUse),
    BindCase(existing: .timeWait(plain), address: lo, options: reuse, thenListen: false, expected: .addressInUse),
    BindCase(existing: .timeWait(reuse), address: lo, options: reuse, thenListen: true, expected: nil),
    BindCase(existing: .timeWait(reuse), address: any4, options: reuse, thenListen: true, expected: nil),
    BindCase(existing: .timeWait(BindOptions(reusePort: true, uid: 1000)), address: lo,
             options: BindOptions(reusePort: true, uid: 0), thenListen: false, expected: nil),
    // A live self-connected socket on the port blocks the service's listener.
    BindCase(existing: .selfConnected(plain), address: any4, options: reuse, thenListen: true, expected: .addressInUse),
    BindCase(existing: .selfConnected(plain), address: lo, options: plain, thenListen: false, expected: .addressInUse),
    BindCase(existing: .connectedFromBind(plain), address: lo, options: reuse, thenListen: false, expected: .addressInUse),
]

@Suite struct BindTableTests {
    @Test(arguments: bindCases)
    func bindFollowsLinux(_ c: BindCase) throws {
        var table = BindTable()
        try c.existing.install(in: &table)
        let result: SocketError?
        do throws(SocketError) {
            let id = try table.bind(Endpoint(c.address, 5000), options: c.options)
            if c.thenListen { try table.listen(id) }
            result = nil
        } catch {
            result = error
        }
        #expect(result == c.expected, "\(c)")
    }

    @Test func secondListenerWithReuseAddrFailsAtListen() throws {
        var table = BindTable()
        let a = try table.bind(Endpoint(lo, 5000), options: reuse)
        let b = try table.bind(Endpoint(lo, 5000), options: reuse)
        try table.listen(a)
        #expect(throws: SocketError.addressInUse) { try table.listen(b) }
    }

    @Test func connectSkipsPortsHeldByBindAndListeners() throws {
        var table = BindTable()
        _ = try table.bind(Endpoint(other, 40000))
        try table.listen(try table.bind(Endpoint(any4, 40002)))
        #expect(!table.isUsableForConnect(port: 40000, local: lo, remote: Endpoint(lo, 50000)))
        #expect(!table.isUsableForConnect(port: 40002, local: lo, remote: Endpoint(lo, 50000)))
        #expect(table.isUsableForConnect(port: 40004, local: lo, remote: Endpoint(lo, 50000)))
    }

    @Test func connectSharesAPortHeldByConnectOnlyWhenTheFourTupleIsUnique() throws {
        var table = BindTable()
        let live = try table.autobind(Endpoint(lo, 40000), to: Endpoint(lo, 80))
        #expect(!table.isUsableForConnect(port: 40000, local: lo, remote: Endpoint(lo, 80)))
        #expect(table.isUsableForConnect(port: 40000, local: lo, remote: Endpoint(lo, 81)))
        table.enterTimeWait(live)
        #expect(!table.isUsableForConnect(port: 40000, local: lo, remote: Endpoint(lo, 80)))
        #expect(table.isUsableForConnect(port: 40000, local: other, remote: Endpoint(lo, 80)))
        table.release(live)
        #expect(table.isUsableForConnect(port: 40000, local: lo, remote: Endpoint(lo, 80)))
    }

    @Test func boundConnectWithADuplicateFourTupleIsEADDRNOTAVAIL() throws {
        var t2 = BindTable()
        let tw = try t2.autobind(Endpoint(lo, 40000), to: Endpoint(lo, 80), options: reuse)
        t2.enterTimeWait(tw)
        let c = try t2.bind(Endpoint(lo, 40000), options: reuse)
        #expect(throws: SocketError.addressNotAvailable) { try t2.connect(c, to: Endpoint(lo, 80)) }
        try t2.connect(c, to: Endpoint(lo, 81))
    }
}
