import Glibc
import PacketDrill

/// getsockopt and setsockopt: the C arguments decoded into the shared layer's typed options (`SocketOption`).
extension PluginEntries {
    static func getsockopt(
        _ host: PluginHost, _ fd: Int32, _ level: Int32, _ number: Int32, _ value: UnsafeMutableRawPointer?,
        _ length: UnsafeMutablePointer<socklen_t>?
    ) -> CallOutcome {
        guard host.calls.descriptors[Int(fd)] != nil else { return .failure(EBADF) }
        guard let value, let length, length.pointee >= 4 else { return .failure(EINVAL) }
        guard let name = SocketOptionName(level: level, number: number) else { return .failure(ENOPROTOOPT) }
        let option: SocketOption
        do throws(SocketCallError) { option = try host.calls.option(name, of: Int(fd)) } catch { return outcome(error) }
        if case .congestionControl(let algorithm) = option {
            // Linux copies the name and its NUL, cut to the caller's buffer.
            let bytes = Array(algorithm.utf8) + [0]
            let n = min(bytes.count, Int(length.pointee))
            bytes.withUnsafeBytes { value.copyMemory(from: $0.baseAddress!, byteCount: n) }
            length.pointee = socklen_t(n)
            return .success(0)
        }
        value.storeBytes(of: Int32(truncatingIfNeeded: option.integerValue ?? 0), as: Int32.self)
        length.pointee = 4
        return .success(0)
    }

    static func setsockopt(
        _ host: PluginHost, _ fd: Int32, _ level: Int32, _ number: Int32, _ value: UnsafeRawPointer?, _ length: socklen_t
    ) -> CallOutcome {
        guard host.calls.descriptors[Int(fd)] != nil else { return .failure(EBADF) }
        guard let value else { return .failure(EINVAL) }
        guard let name = SocketOptionName(level: level, number: number), name.isSettable else { return .failure(ENOPROTOOPT) }
        // An int option needs the whole int; TCP_CONGESTION's name may be shorter.
        guard length >= 4 || name == .congestionControl, length > 0 else { return .failure(EINVAL) }
        let option: SocketOption
        switch name {
        case .linger:
            guard length >= socklen_t(MemoryLayout<linger>.size) else { return .failure(EINVAL) }
            let l = value.loadUnaligned(as: linger.self)
            option = .linger(on: l.l_onoff != 0, seconds: Int(l.l_linger))
        case .congestionControl:
            let bytes = UnsafeRawBufferPointer(start: value, count: Int(length))
            option = .congestionControl(String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self))
        default:
            option = SocketOption(name, integer: Int64(value.loadUnaligned(as: Int32.self)))!
        }
        return outcome { () throws(SocketCallError) in try host.calls.setOption(Int(fd), option, now: host.instant); return 0 }
    }
}
