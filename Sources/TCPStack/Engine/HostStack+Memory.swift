/// What the memory benchmark needs to count a connection's cost without its data buffers.
extension HostStack {
    /// Bytes of data-buffer storage the live sockets hold (send and receive buffers' capacity): the part of the
    /// heap that scales with traffic rather than with the number of connections.
    public var bufferStorageBytes: Int {
        var total = 0
        for c in slots where c.inUse { total += c.sendBuffer.storageBytes + c.receiveBuffer.storageBytes }
        return total
    }
}
