/// Linux 6.x receive-window rules (net/ipv4/tcp_input.c, tcp_output.c), under
/// `TCPConfiguration.linuxReceiveWindow`: how much of the receive buffer counts as window (`scaling_ratio`,
/// measured from the packets' `truesize`), the window clamp, `rcv_ssthresh`'s growth, and the window
/// `__tcp_select_window` would offer now, which decides whether an ACK goes out at once.
enum LinuxReceiveMemory {
    /// `TCP_DEFAULT_SCALING_RATIO`: half the buffer, until a packet is measured.
    static let defaultScalingRatio: UInt8 = 128
    /// `SOCK_MIN_RCVBUF / 2`: the smallest window clamp `tcp_set_window_clamp` sets.
    static let minimumClamp = 2304

    /// `__tcp_win_from_space`: the window `space` bytes of buffer hold at `ratio`/256.
    static func window(fromSpace space: Int, ratio: UInt8) -> Int { (max(0, space) * Int(ratio)) >> 8 }

    /// `skb->truesize` of a received packet of `packetBytes` (from the IP header on) as the tun driver builds it:
    /// `tun_alloc_skb` keeps a packet under a page linear; `__alloc_skb` takes `SKB_DATA_ALIGN(size)` plus the
    /// 320-byte `skb_shared_info` from a kmalloc size class (a power of two from 512 bytes on); `SKB_TRUESIZE`
    /// adds the 256-byte `sk_buff`.
    static func truesize(packetBytes: Int) -> Int {
        let wanted = ((packetBytes + 63) & ~63) + 320
        var bucket = 512
        while bucket < wanted { bucket <<= 1 }
        return bucket + 256
    }

    /// `tcp_measure_rcv_mss`: the ratio of payload to truesize, in 256ths, at least 1.
    static func scalingRatio(payload: Int, packetBytes: Int) -> UInt8 {
        UInt8(clamping: max(1, payload << 8 / truesize(packetBytes: packetBytes)))
    }
}

extension Connection {
    /// `sk_rcvbuf`: SO_RCVBUF (doubled) or `tcp_rmem[1]`.
    func linuxReceiveBuffer(_ config: TCPConfiguration) -> Int { receiveBufferSize ?? config.receiveBufferDefault }

    /// `tcp_full_space`: the whole buffer as window.
    func linuxFullSpace(_ config: TCPConfiguration) -> Int {
        LinuxReceiveMemory.window(fromSpace: linuxReceiveBuffer(config), ratio: delack.scalingRatio)
    }

    /// `tcp_space`: the window the free buffer holds; the queued data takes its own bytes at the same ratio.
    func linuxFreeSpace(_ config: TCPConfiguration) -> Int { max(0, linuxFullSpace(config) - receiveBuffer.count) }

    /// `tp->advmss`: our MSS less the timestamp option.
    var linuxAdvertisedMSS: Int { ourMSS - (timestampsEnabled ? 12 : 0) }

    /// `tp->window_clamp`. Before a measured ratio: `tcp_select_initial_window`'s 65535 << rcv_wscale, at most the
    /// full space, one advmss below it (`tcp_init_buffer_space` with `tcp_app_win`); after: the full space at the
    /// measured ratio (`tcp_measure_rcv_mss` -> `tcp_set_window_clamp`).
    func linuxWindowClamp(_ config: TCPConfiguration) -> Int {
        let full = linuxFullSpace(config)
        guard delack.scalingRatio == LinuxReceiveMemory.defaultScalingRatio else {
            return max(LinuxReceiveMemory.minimumClamp, full)
        }
        var clamp = min(65535 << Int(rcvWscale), full)
        let advmss = linuxAdvertisedMSS
        if clamp > 2 * advmss && clamp + advmss > full { clamp = max(2 * advmss, full - advmss) }
        return clamp
    }

    /// `tcp_init_buffer_space`: rcv_ssthresh starts at the initial window, within the clamp.
    mutating func linuxStartReceiveWindow(_ config: TCPConfiguration) {
        let initial = config.initialReceiveWindow(mss: linuxAdvertisedMSS, receiveBuffer: receiveBufferSize)
        delack.rcvSsthresh = Int32(clamping: max(1, min(initial, linuxWindowClamp(config))))
    }

    /// `tcp_measure_rcv_mss`: an in-order segment at least as large as rcv_mss, of another size, measures the
    /// scaling ratio; a new ratio moves the window clamp (`tcp_set_window_clamp`): a lower clamp lowers
    /// rcv_ssthresh, a higher one lets it reach the window already offered. Call before rcv_mss is updated.
    mutating func linuxMeasureScalingRatio(payload: Int, packetBytes: Int, config: TCPConfiguration) {
        if delack.rcvSsthresh == 0 { linuxStartReceiveWindow(config) }
        guard payload >= Int(delack.receiveMSS), payload != Int(delack.receiveMSS) else { return }
        let ratio = LinuxReceiveMemory.scalingRatio(payload: payload, packetBytes: packetBytes)
        guard ratio != delack.scalingRatio else { return }
        let oldClamp = linuxWindowClamp(config)
        delack.scalingRatio = ratio
        let clamp = linuxWindowClamp(config)
        var ssthresh = Int(delack.rcvSsthresh)
        if clamp < oldClamp {
            ssthresh = min(ssthresh, clamp)  // __tcp_adjust_rcv_ssthresh
        } else {
            ssthresh = max(min(rcvWndAdvertised, clamp), ssthresh)
        }
        delack.rcvSsthresh = Int32(clamping: ssthresh)
    }

    /// `tcp_grow_window`: in-order data of 128 bytes or more raises rcv_ssthresh, while it is below the clamp
    /// and the free space, by 2 advmss (or 2 rcv_mss for a packet with much overhead; at least twice the
    /// payload), and asks for a quick ACK (`icsk_ack.quick |= 1`).
    mutating func linuxGrowWindow(payload: Int, packetBytes: Int, config: TCPConfiguration) {
        guard payload >= 128, delack.rcvSsthresh > 0 else { return }
        let ssthresh = Int(delack.rcvSsthresh)
        let room = min(linuxWindowClamp(config), linuxFreeSpace(config)) - ssthresh
        guard room > 0 else { return }
        let ratio = delack.scalingRatio
        let truesize = LinuxReceiveMemory.truesize(packetBytes: packetBytes)
        var increment = 0
        if LinuxReceiveMemory.window(fromSpace: truesize, ratio: ratio) <= payload {
            increment = 2 * linuxAdvertisedMSS
        } else {
            // __tcp_grow_window: halve the packet's and the largest buffer's window until the packet fits.
            var piece = LinuxReceiveMemory.window(fromSpace: truesize, ratio: ratio) >> 1
            var window = LinuxReceiveMemory.window(fromSpace: config.receiveBufferMax, ratio: ratio) >> 1
            while ssthresh <= window {
                if piece <= payload { increment = 2 * Int(delack.receiveMSS); break }
                piece >>= 1
                window >>= 1
            }
        }
        guard increment > 0 else { return }
        delack.rcvSsthresh = Int32(clamping: ssthresh + min(room, max(increment, 2 * payload)))
        delack.quick |= 1
    }

    /// `__tcp_select_window` (tcp_shrink_window off): the free space, within rcv_ssthresh; zero when it is under
    /// half the clamp and under one rcv_mss or 1/16 of the buffer. With window scaling rounded up to the unit;
    /// without, rounded down to rcv_mss unless the window offered is within one rcv_mss of it. Below half the
    /// clamp it also ends quick-ACK mode (`icsk_ack.quick = 0`).
    mutating func linuxSelectWindow(_ config: TCPConfiguration) -> Int {
        if delack.rcvSsthresh == 0 { linuxStartReceiveWindow(config) }
        let allowed = linuxFullSpace(config)
        let full = min(linuxWindowClamp(config), allowed)
        var mss = Int(delack.receiveMSS)
        if mss > full {
            mss = full
            if mss <= 0 { return 0 }
        }
        var free = linuxFreeSpace(config)
        let unit = 1 << Int(rcvWscale)
        if free < full >> 1 {
            delack.quick = 0
            free = free / unit * unit
            if free < allowed >> 4 || free < mss { return 0 }
        }
        free = min(free, Int(delack.rcvSsthresh))
        if rcvWscale > 0 { return (free + unit - 1) / unit * unit }
        var window = rcvWndAdvertised
        if window <= free - mss || window > free {
            window = free / mss * mss
        } else if mss == full && free > window + full >> 1 {
            window = free
        }
        return window
    }
}
