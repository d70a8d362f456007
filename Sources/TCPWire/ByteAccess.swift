// Big-endian loads and stores on raw buffers: the wire is network byte order.

extension UnsafeRawBufferPointer {
    @inline(__always) func be16(_ i: Int) -> UInt16 {
        UInt16(bigEndian: loadUnaligned(fromByteOffset: i, as: UInt16.self))
    }

    @inline(__always) func be32(_ i: Int) -> UInt32 {
        UInt32(bigEndian: loadUnaligned(fromByteOffset: i, as: UInt32.self))
    }

    @inline(__always) func be64(_ i: Int) -> UInt64 {
        UInt64(bigEndian: loadUnaligned(fromByteOffset: i, as: UInt64.self))
    }
}

extension UnsafeMutableRawBufferPointer {
    @inline(__always) func storeBE16(_ v: UInt16, at i: Int) {
        storeBytes(of: v.bigEndian, toByteOffset: i, as: UInt16.self)
    }

    @inline(__always) func storeBE32(_ v: UInt32, at i: Int) {
        storeBytes(of: v.bigEndian, toByteOffset: i, as: UInt32.self)
    }

    @inline(__always) func storeBE64(_ v: UInt64, at i: Int) {
        storeBytes(of: v.bigEndian, toByteOffset: i, as: UInt64.self)
    }
}
