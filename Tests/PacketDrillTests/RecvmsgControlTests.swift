import PacketDrill
import Testing

/// recvmsg's control messages in the runner: TCP_CM_INQ with TCP_INQ, and the error queue's SCM_TIMESTAMPING and
/// sock_extended_err with SO_TIMESTAMPING, compared as packetdrill compares them; `-D NAME=VALUE` substitution.
private func run(_ text: String, defines: Set<String> = []) throws -> ScriptOutcome {
    try ScriptRunner.run(text: text, file: "t.pkt", defines: defines)
}

private let accepted = """
    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
   +0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
   +0 bind(3, ..., ...) = 0
   +0 listen(3, 1) = 0
   +0 < S 0:0(0) win 32792 <mss 1000,nop,wscale 7>
   +0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale 10>
 +.01 < . 1:1(0) ack 1 win 514
   +0 accept(3, ..., ...) = 4

"""

private func inq(_ read: Int, left: Int) -> String {
    "+0 recvmsg(4, {msg_name(...)=..., msg_iov(1)=[{..., \(read)}], msg_flags=0, "
        + "msg_control=[{cmsg_level=SOL_TCP, cmsg_type=TCP_CM_INQ, cmsg_data=\(left)}]}, 0) = \(read)\n"
}

@Test func recvmsgReportsTheBytesLeftWithTCPInq() throws {
    let script = accepted + """
       +0 setsockopt(4, SOL_TCP, TCP_INQ, [1], 4) = 0
       +0 getsockopt(4, SOL_TCP, TCP_INQ, [1], [4]) = 0
       +0 < P. 1:3001(3000) ack 1 win 514
       +0 > . 1:1(0) ack 3001

    """ + inq(1000, left: 2000) + inq(2000, left: 0)
    let outcome = try run(script)
    #expect(outcome.passed, "\(outcome.failure?.description ?? "")")
}

@Test func aWrongTCPCmInqValueFailsTheScript() throws {
    let script = accepted + """
       +0 setsockopt(4, SOL_TCP, TCP_INQ, [1], 4) = 0
       +0 < P. 1:3001(3000) ack 1 win 514
       +0 > . 1:1(0) ack 3001

    """ + inq(1000, left: 1999)
    let outcome = try run(script)
    #expect(!outcome.passed)
    #expect(outcome.failure?.message.contains("cmsg_data 2000, expected 1999") == true)
}

private func stamp(_ info: String, key: Int, usec: Int, level: String = "SOL_IP") -> String {
    """
    +0 recvmsg(4, {msg_name(...)=..., msg_iov(1)=[{...,0}], msg_flags=MSG_ERRQUEUE|MSG_TRUNC,
                   msg_control=[{cmsg_level=SOL_SOCKET, cmsg_type=SCM_TIMESTAMPING,
                                 cmsg_data={scm_sec=0,scm_nsec=\(usec * 1000)}},
                                {cmsg_level=\(level), cmsg_type=IP_RECVERR,
                                 cmsg_data={ee_errno=ENOMSG, ee_origin=SO_EE_ORIGIN_TIMESTAMPING, ee_type=0,
                                            ee_code=0, ee_info=\(info), ee_data=\(key)}}]}, MSG_ERRQUEUE) = 0

    """
}

private let timestamped = accepted + """
   +0 setsockopt(4, SOL_SOCKET, SO_TIMESTAMPING, [SOF_TIMESTAMPING_TX_SCHED | SOF_TIMESTAMPING_TX_SOFTWARE |
                 SOF_TIMESTAMPING_TX_ACK | SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_ID], 4) = 0
   +0 write(4, ..., 1000) = 1000
   +0 > P. 1:1001(1000) ack 1
 +.01 < . 1:1(0) ack 1001 win 514

"""

@Test func theErrorQueueGivesScheduledSentAndAckTimestampsOfTheLastByte() throws {
    let script = timestamped + stamp("SCM_TSTAMP_SCHED", key: 999, usec: 10000)
        + stamp("SCM_TSTAMP_SND", key: 999, usec: 10000) + stamp("SCM_TSTAMP_ACK", key: 999, usec: 20000)
        + "+0 recvmsg(4, {msg_name(...)=..., msg_iov(1)=[{...,0}], msg_flags=0}, MSG_ERRQUEUE) = -1 EAGAIN\n"
    let outcome = try run(script)
    #expect(outcome.passed, "\(outcome.failure?.description ?? "")")
}

@Test func aTimestampOutsideTheToleranceFailsTheScript() throws {
    let outcome = try run(timestamped + stamp("SCM_TSTAMP_SCHED", key: 999, usec: 30000))
    #expect(!outcome.passed)
    #expect(outcome.failure?.message.contains("timestamp 0.010000 s, expected 0.030000 s") == true)
}

@Test func aDefineNamesTheControlLevel() throws {
    let outcome = try run(timestamped + stamp("SCM_TSTAMP_SCHED", key: 999, usec: 10000, level: "CMSG_LEVEL_IP"),
        defines: ["CMSG_LEVEL_IP=SOL_IP"])
    #expect(outcome.passed, "\(outcome.failure?.description ?? "")")
}
