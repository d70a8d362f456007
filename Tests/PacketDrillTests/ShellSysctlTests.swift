@testable import PacketDrill
import TCPStack
import Testing

/// Backtick lines: sysctl writes found in commands and in the shell files they run, mapped onto the engine.
private let defaultsSh = """
    #!/bin/bash
    # Set standard production config values.
    ip tcp_metrics flush all > /dev/null 2>&1
    sysctl -q net.ipv4.tcp_rmem="4096 540000 $((15*1024*1024))"
    sysctl -q net.ipv4.tcp_early_retrans=4 net.ipv4.tcp_recovery=1
    """

@Test func aShellFileIsReadRelativeToTheScriptAndItsSysctlsFound() {
    var asked: [String] = []
    let shell = ShellInterpreter(readFile: { asked.append($0); return $0.hasSuffix("defaults.sh") ? defaultsSh : nil },
        directory: "corpus/tcp")
    let effects = shell.effects(of: "../common/defaults.sh\n echo 0 > /proc/sys/net/ipv4/tcp_sack")
    #expect(asked == ["corpus/tcp/../common/defaults.sh"])
    #expect(effects == [
        .sysctl(name: "net.ipv4.tcp_rmem", value: "4096 540000 15728640"),
        .sysctl(name: "net.ipv4.tcp_early_retrans", value: "4"),
        .sysctl(name: "net.ipv4.tcp_recovery", value: "1"),
        .sysctl(name: "net.ipv4.tcp_sack", value: "0"),
    ])
    #expect(shell.effects(of: "missing.sh") == [.unsupported("missing.sh (cannot read corpus/tcp/missing.sh)")])
}

@Test func freeBSDAndSelftestFormsAreSysctlWrites() {
    let shell = ShellInterpreter(readFile: { _ in nil }, directory: ".")
    #expect(shell.effects(of: "sysctl -w net.inet.tcp.insecure_rst=1") == [.sysctl(name: "net.inet.tcp.insecure_rst", value: "1")])
    #expect(shell.effects(of: "../common/set_sysctls.py /proc/sys/net/ipv4/tcp_timestamps=0") == [
        .sysctl(name: "net.ipv4.tcp_timestamps", value: "0", saved: true)
    ])
    #expect(shell.effects(of: "/tmp/sysctl_restore_${PPID}.sh") == [.restore])
    #expect(shell.effects(of: "tcpdrop -s TIME_WAIT") == [.unsupported("tcpdrop -s TIME_WAIT")])
}

@Test func tcpRmemDrivesWindowAndScaleAsLinuxComputesThem() {
    var settings = SysctlSettings(.linux6)
    #expect(settings.configuration.receiveWindowScale == 10)
    #expect(settings.apply("net.ipv4.tcp_rmem", "4096 540000 15728640") == nil)
    // tcp_select_initial_window: ilog2(15 MiB) - 15 = 8.
    #expect(settings.configuration.receiveWindowScale == 8)
    #expect(settings.configuration.receiveBufferDefault == 540000)
    #expect(settings.apply("net.ipv4.tcp_rmem", "4096 540000") == "value 4096 540000 is not 'min default max'")
}

@Test func freeBSDSysctlsDriveRFC5961AndSynFinRules() {
    var settings = SysctlSettings(.freebsd)
    #expect(settings.apply("net.inet.tcp.insecure_rst", "1") == nil)
    #expect(settings.apply("net.inet.tcp.insecure_syn", "1") == nil)
    #expect(settings.apply("net.inet.tcp.drop_synfin", "1") == nil)
    #expect(settings.apply("net.inet.tcp.rexmit_initial", "250") == nil)
    #expect(settings.configuration.rstChallengeAck == false)
    #expect(settings.configuration.resetOnSynInWindow)
    #expect(settings.configuration.dropSynFin)
    #expect(settings.configuration.rtoInitial == .milliseconds(250))
    #expect(settings.apply("net.inet.tcp.ecn.enable", "1") == nil)
    #expect(settings.configuration.ecn == .request)
    #expect(settings.apply("net.inet.tcp.ecn.enable", "3") == "value 3 is not 0, 1 or 2 (RFC 3168 ECN)")
    #expect(settings.apply("net.inet.tcp.ecn.maxretries", "0") == nil)
    #expect(settings.configuration.ecnSynRetries == 0)
    #expect(settings.apply("net.inet.tcp.rexmit_slop", "50") == nil)
    #expect(settings.configuration.retransmitSlop == .milliseconds(50))
    #expect(settings.apply("net.inet.tcp.nonsense", "1") == "not in the table of sysctls the engine models")
}

@Test func pacingRatiosAreSysctlsWithSlashesAsDots() {
    let shell = ShellInterpreter(readFile: { _ in nil }, directory: ".")
    #expect(shell.effects(of: "sysctl -q net/ipv4/tcp_pacing_ss_ratio=150")
        == [.sysctl(name: "net.ipv4.tcp_pacing_ss_ratio", value: "150")])
    // tcp_update_pacing_rate's ratios, 0 to 1000 percent (ipv4_net_table).
    var settings = SysctlSettings(.linux6)
    #expect(settings.apply("net.ipv4.tcp_pacing_ss_ratio", "150") == nil)
    #expect(settings.apply("net.ipv4.tcp_pacing_ca_ratio", "90") == nil)
    #expect(settings.configuration.pacingSlowStartRatio == 150)
    #expect(settings.configuration.pacingAvoidanceRatio == 90)
    #expect(settings.apply("net.ipv4.tcp_pacing_ca_ratio", "1001") == "value 1001 is not 0 to 1000")
}

@Test func aShellFileHoldingOnlyALinkTargetIsFollowedFromItsOwnFolder() {
    // git without symlinks stores tcp/common/defaults.sh -> ../../common/defaults.sh as a file holding the path.
    var asked: [String] = []
    let files = ["t/tcp/a/b/../../common/defaults.sh": "../../common/defaults.sh\n",
                 "t/tcp/a/b/../../common/../../common/defaults.sh": defaultsSh]
    let shell = ShellInterpreter(readFile: { asked.append($0); return files[$0] }, directory: "t/tcp/a/b")
    let effects = shell.effects(of: "../../common/defaults.sh")
    #expect(asked == ["t/tcp/a/b/../../common/defaults.sh", "t/tcp/a/b/../../common/../../common/defaults.sh"])
    #expect(effects.first == .sysctl(name: "net.ipv4.tcp_rmem", value: "4096 540000 15728640"))
    #expect(ShellInterpreter.linkTarget("../x/defaults.sh\n") == "../x/defaults.sh")
    #expect(ShellInterpreter.linkTarget("sysctl -q a=b\n") == nil)
}

@Test func timeWaitReuseSysctlsSetTheRuleAndItsDelayInMilliseconds() {
    var settings = SysctlSettings(.linux6)
    #expect(settings.configuration.timeWaitReuse == 2)
    #expect(settings.configuration.timeWaitReuseDelay == .seconds(1))
    #expect(settings.apply("net.ipv4.tcp_tw_reuse", "1") == nil)
    #expect(settings.apply("net.ipv4.tcp_tw_reuse_delay", "5") == nil)
    #expect(settings.configuration.timeWaitReuse == 1)
    #expect(settings.configuration.timeWaitReuseDelay == .milliseconds(5))
}

@Test func tcpTwReuseIsRefusedWhereThePersonalityHasNoTakeoverRule() {
    var settings = SysctlSettings(.freebsd)
    #expect(settings.apply("net.ipv4.tcp_tw_reuse", "1") == "the personality has no TIME-WAIT takeover")
    #expect(settings.configuration.timeWaitReuse == nil)
}
