import SelfConnectGuard
import SelfConnectWatch
import Testing

@Suite struct WatchArgumentsTests {
    @Test(arguments: [
        ("127.0.0.1:9464", SocketEndpoint(.v4(0x7f00_0001), 9464)),
        ("0.0.0.0:0", SocketEndpoint(.v4(0), 0)),
        ("[::1]:9464", SocketEndpoint(.v6(high: 0, low: 1), 9464)),
        ("[::ffff:127.0.0.1]:80", SocketEndpoint(.v6(high: 0, low: 0xffff_7f00_0001), 80)),
    ])
    func listenAddressesParse(text: String, endpoint: SocketEndpoint) throws {
        #expect(try WatchArguments.listenEndpoint(text) == endpoint)
    }

    @Test(arguments: ["", "localhost:9464", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
                      "::1:9464", "[::1]9464", "[::1]:", "1.2.3.4:80:90", "127.0.0.1: 80", "[127.0.0.1]:x"])
    func malformedListenAddressesAreRefused(text: String) {
        #expect(throws: WatchError.badListenAddress(text)) { try WatchArguments.listenEndpoint(text) }
    }

    @Test(arguments: [
        ("250ms", Duration.milliseconds(250)), ("10s", .seconds(10)), ("2m", .seconds(120)), ("1h", .seconds(3600)),
        ("24h", .seconds(86_400)),
    ])
    func intervalsParse(text: String, duration: Duration) throws {
        #expect(try WatchArguments.interval(text) == duration)
    }

    @Test(arguments: ["", "10", "0s", "-1s", "10x", "1.5s", "s", "25h", "9999999999s", " 10s", "10 s"])
    func malformedIntervalsAreRefused(text: String) {
        #expect(throws: WatchError.badInterval(text)) { try WatchArguments.interval(text) }
    }
}
