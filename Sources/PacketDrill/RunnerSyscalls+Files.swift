import TCPStack

/// The files a script writes with its shell lines (`dd if=/dev/zero of=/tmp/testfile`) and the descriptors of
/// `open` and `pipe`. packetdrill runs these calls on the host; the runner keeps them in memory, so a script reads
/// back exactly what it wrote and nothing on the host is read or written. A path the script did not write is
/// reported as unsupported, never guessed.
struct ScriptFiles {
    /// Path -> contents, as the shell lines left them.
    var contents: [String: [UInt8]] = [:]
    /// Script descriptor -> open file or pipe end.
    var descriptors: [Int: FileDescriptor] = [:]
    /// Pipe buffers by pipe number.
    var pipes: [[UInt8]] = []

    enum FileDescriptor {
        case file(bytes: [UInt8], position: Int)
        case pipeRead(Int)
        case pipeWrite(Int)
    }

    /// Linux's default pipe capacity (16 pages).
    static let pipeCapacity = 65536
}

extension ScriptRunner {
    /// open, sendfile, pipe and close of a file or pipe; nil for socket calls.
    mutating func fileCall(_ call: SyscallSpec, at location: SourceLocation) throws(ScriptFailure) -> CallResult? {
        switch call.name {
        case "open":
            return try open(call, at: location)
        case "sendfile":
            return try sendfile(call, at: location)
        case "close":
            guard let fd = fdArgument(call), scriptFiles.descriptors.removeValue(forKey: fd) != nil else { return nil }
            return .value(0)
        default:
            return nil
        }
    }

    /// `open("/tmp/testfile", O_RDONLY) = 5`: the script's descriptor number is mapped as for sockets.
    mutating func open(_ call: SyscallSpec, at location: SourceLocation) throws(ScriptFailure) -> CallResult {
        guard call.arguments.count >= 2, case .string(let path) = call.arguments[0] else {
            throw fail(location, "open needs (\"path\", flags)")
        }
        guard call.arguments[1] == .identifier("O_RDONLY") else {
            throw fail(location, "open is modelled for O_RDONLY only (the runner keeps the files a script writes)")
        }
        guard let bytes = scriptFiles.contents[path] else {
            throw fail(location, "open of \(path): only files the script's shell lines wrote (dd of=...) are modelled")
        }
        let fd = newDescriptor(for: call)
        scriptFiles.descriptors[fd] = .file(bytes: bytes, position: 0)
        return .value(Int64(fd))
    }

    /// `sendfile(out, in, [offset], count)`: up to `count` bytes of the file from `offset` (or from its position,
    /// which then advances, for NULL) go through the socket's send path, as Linux's `do_sendfile` splices them.
    mutating func sendfile(_ call: SyscallSpec, at location: SourceLocation) throws(ScriptFailure) -> CallResult {
        guard call.arguments.count == 4, case .integer(let out) = call.arguments[0], case .integer(let input) = call.arguments[1],
            let count = call.arguments[3].integerValue
        else { throw fail(location, "sendfile needs (out_fd, in_fd, [offset] or NULL, count)") }
        guard let socket = fds[Int(out)]?.socket else { return .error("EBADF") }
        guard case .file(let bytes, let position)? = scriptFiles.descriptors[Int(input)] else { return .error("EBADF") }
        let fromOffset = integerArgument(call, 2)
        let start = Int(fromOffset ?? Int64(position))
        guard start >= 0, count >= 0 else { return .error("EINVAL") }
        let end = min(bytes.count, start + Int(count))
        let chunk = start < end ? Array(bytes[start..<end]) : []
        defer { collect() }
        let sent: Int
        do throws(SocketError) {
            sent = chunk.isEmpty ? 0 : try stack.send(socket, chunk, now: Instant(nanoseconds: now * 1000))
        } catch {
            return error == .wouldBlock ? .blocked : .error(error.errnoName)
        }
        if fromOffset == nil { scriptFiles.descriptors[Int(input)] = .file(bytes: bytes, position: start + sent) }
        return .value(Int64(sent))
    }
}
