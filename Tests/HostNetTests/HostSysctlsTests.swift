import Foundation
import Testing
@testable import HostNet

@Suite struct HostSysctlsTests {
    @Test func readsTheRequestedFilesAndSkipsMissingOnes() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sysctls-\(getpid())")
        let ipv4 = root.appendingPathComponent("net/ipv4")
        try FileManager.default.createDirectory(at: ipv4, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try "32768\t60999\n".write(to: ipv4.appendingPathComponent("ip_local_port_range"), atomically: true,
                                   encoding: .utf8)
        let values = HostSysctls.read(["net/ipv4/ip_local_port_range", "net/ipv4/tcp_sack"], root: root.path)
        #expect(values == ["net/ipv4/ip_local_port_range": "32768\t60999\n"])
    }

    @Test func readsThisHostsPortRange() {
        let values = HostSysctls.read(["net/ipv4/ip_local_port_range"])
        let fields = values["net/ipv4/ip_local_port_range"]?.split(whereSeparator: \.isWhitespace) ?? []
        #expect(fields.count == 2)
    }
}
