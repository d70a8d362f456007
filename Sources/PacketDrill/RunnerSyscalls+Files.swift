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
    /// open, sendfile, pipe, splice and close of a file or pipe; nil for socket calls.
    mutating func fileCall(_ call: SyscallSpec, at location: SourceLocation) throws(ScriptFailure) -> CallResult? {
        switch call.name {
        case "open":
            return try open(call, at: location)
        case "sendfile":
            return try sendfile(call, at: location)
        case "pipe":
            return try pipe(call, at: location)
        case "splice":
            return try splice(call, at: location)
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
        guard fds[Int(out)] != nil else { return .error("EBADF") }
        guard case .file(let bytes, let position)? = scriptFiles.descriptors[Int(input)] else { return .error("EBADF") }
        let fromOffset = integerArgument(call, 2)
        let start = Int(fromOffset ?? Int64(position))
        guard start >= 0, count >= 0 else { return .error("EINVAL") }
        let end = min(bytes.count, start + Int(count))
        let chunk = start < end ? Array(bytes[start..<end]) : []
        defer { collect() }
        let sent: Int
        do throws(SocketCallError) {
            sent = chunk.isEmpty ? 0 : try calls.send(Int(out), chunk, now: Instant(nanoseconds: now * 1000))
        } catch {
            return CallResult(error)
        }
        if fromOffset == nil { scriptFiles.descriptors[Int(input)] = .file(bytes: bytes, position: start + sent) }
        return .value(Int64(sent))
    }

    /// `pipe([5, 6]) = 0`: the two numbers name the read and the write end, mapped as packetdrill maps them.
    mutating func pipe(_ call: SyscallSpec, at location: SourceLocation) throws(ScriptFailure) -> CallResult {
        guard call.arguments.count == 1, case .array(let ends) = call.arguments[0], ends.count == 2,
            let r = ends[0].integerValue, let w = ends[1].integerValue, r != w
        else { throw fail(location, "pipe needs ([read_fd, write_fd])") }
        for fd in [Int(r), Int(w)] where fds[fd] != nil || epolls[fd] != nil || scriptFiles.descriptors[fd] != nil {
            throw fail(location, "pipe: descriptor \(fd) is already open")
        }
        scriptFiles.pipes.append([])
        let pipe = scriptFiles.pipes.count - 1
        scriptFiles.descriptors[Int(r)] = .pipeRead(pipe)
        scriptFiles.descriptors[Int(w)] = .pipeWrite(pipe)
        return .value(0)
    }

    /// `splice(fd_in, NULL, fd_out, NULL, len, flags)` between a socket and a pipe: socket to pipe reads as Linux
    /// `tcp_splice_read` (it stops at the urgent byte), pipe to socket sends.
    mutating func splice(_ call: SyscallSpec, at location: SourceLocation) throws(ScriptFailure) -> CallResult {
        guard call.arguments.count == 6, case .integer(let input) = call.arguments[0],
            case .integer(let output) = call.arguments[2], let length = call.arguments[4].integerValue, length >= 0
        else { throw fail(location, "splice needs (fd_in, off_in, fd_out, off_out, len, flags)") }
        guard isNull(call.arguments[1]) && isNull(call.arguments[3]) else { return .error("ESPIPE") }
        if call.arguments[5] != .integer(0) { throw fail(location, "splice flags are not modelled (0 only)") }
        let instant = Instant(nanoseconds: now * 1000)
        defer { collect() }
        do throws(SocketError) {
            if let socket = fds[Int(input)]?.socket, case .pipeWrite(let pipe)? = scriptFiles.descriptors[Int(output)] {
                let room = ScriptFiles.pipeCapacity - scriptFiles.pipes[pipe].count
                guard room > 0 else { return .blocked }
                let bytes = try stack.spliceRead(socket, maxBytes: min(Int(length), room), now: instant)
                scriptFiles.pipes[pipe] += bytes
                return .value(Int64(bytes.count))
            }
        } catch {
            return error == .wouldBlock ? .blocked : .error(error.errnoName)
        }
        if case .pipeRead(let pipe)? = scriptFiles.descriptors[Int(input)], fds[Int(output)] != nil {
            let bytes = Array(scriptFiles.pipes[pipe].prefix(Int(length)))
            guard !bytes.isEmpty else { return .blocked }
            do throws(SocketCallError) {
                let sent = try calls.send(Int(output), bytes, now: instant)
                scriptFiles.pipes[pipe].removeFirst(sent)
                return .value(Int64(sent))
            } catch {
                return CallResult(error)
            }
        }
        return .error("EINVAL")
    }
}
