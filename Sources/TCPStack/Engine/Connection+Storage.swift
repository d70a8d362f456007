/// Cold fields of `Connection` stored narrow (see the layout note in Connection.swift), under the names and
/// types the engine uses.
extension Connection {
    /// TCP_MAXSEG, when set (88...32767, so 16 bits hold it).
    var userMSS: Int? {
        get { userMSSValue == 0 ? nil : Int(userMSSValue) }
        set { userMSSValue = UInt16(clamping: newValue ?? 0) }
    }

    /// SO_RCVBUF as stored (doubled), when set: at most 2 x `rmem_max`, held in 32 bits (clamped at 4 GiB).
    var receiveBufferSize: Int? {
        get { receiveBufferValue == 0 ? nil : Int(receiveBufferValue) }
        set { receiveBufferValue = UInt32(clamping: newValue ?? 0) }
    }

    /// SO_SNDBUF as stored (doubled), when set.
    var sendBufferSize: Int? {
        get { sendBufferValue == 0 ? nil : Int(sendBufferValue) }
        set { sendBufferValue = UInt32(clamping: newValue ?? 0) }
    }

    /// The listener that created this connection until accept() takes it.
    var parent: SocketID? {
        get { parentIndex < 0 ? nil : SocketID(Int(parentIndex)) }
        set { parentIndex = newValue.map { Int32($0.rawValue) } ?? -1 }
    }

    /// listen()'s backlog.
    var backlog: Int {
        get { Int(backlogValue) }
        set { backlogValue = Int32(clamping: newValue) }
    }

    /// Connections of this listener still in SYN-RECEIVED.
    var pendingChildren: Int {
        get { Int(pendingChildrenValue) }
        set { pendingChildrenValue = Int32(clamping: newValue) }
    }
}

// Defaults built once: turning a `Duration` of a minute or more into nanoseconds takes a 128-bit division, and
// `socket()` resets a whole `Connection`.
extension RTOEstimator {
    static let rfc6298Default = RTOEstimator(parameters: .rfc6298)
}

extension PersistTimer {
    static let engineDefault = PersistTimer(maximum: .seconds(120), maxUnansweredProbes: nil)
}
