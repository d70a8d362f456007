
/// A min-heap of timed events. Events at the same instant come out in the order they were scheduled,
/// so a run never depends on heap layout: that is what makes ``DriveLoop``'s timed half (and the simulator
/// on it) deterministic. Inlinable, so that each driver's payload gets its own specialized code.
public struct EventQueue<Payload> {
    @usableFromInline
    struct Entry {
        @usableFromInline var at: Instant
        @usableFromInline var order: UInt64
        @usableFromInline var payload: Payload

        @inlinable
        init(at: Instant, order: UInt64, payload: Payload) {
            self.at = at
            self.order = order
            self.payload = payload
        }
    }

    @usableFromInline var heap: [Entry] = []
    /// Entries in use. With plain-value payloads the slots past it are kept for later events, so the queue
    /// neither grows nor shrinks its array per event; other payloads are removed, to release them.
    @usableFromInline var used = 0
    @usableFromInline var scheduled: UInt64 = 0

    /// An empty queue.
    @inlinable public init() {}

    /// Number of events waiting.
    @inlinable public var count: Int { used }
    /// True when no event waits.
    @inlinable public var isEmpty: Bool { used == 0 }

    /// When the earliest event is due.
    @inlinable public var nextTime: Instant? { used == 0 ? nil : heap[0].at }

    /// Schedules `payload` at `time`; among events at the same instant it comes out after those scheduled before it.
    @inlinable
    public mutating func schedule(_ payload: consuming Payload, at time: Instant) {
        let entry = Entry(at: time, order: scheduled, payload: payload)
        scheduled &+= 1
        let slot = used
        used += 1
        if slot == heap.count {
            heap.append(entry)
            if slot > 0 { heap.withUnsafeMutableBufferPointer { Self.siftUp($0, from: slot) } }
        } else {
            heap.withUnsafeMutableBufferPointer {
                $0[slot] = entry
                Self.siftUp($0, from: slot)
            }
        }
    }

    /// Removes and returns the earliest event (the first scheduled among equals).
    @inlinable
    public mutating func popNext() -> (at: Instant, payload: Payload)? {
        guard used > 0 else { return nil }
        used -= 1
        let n = used
        if _isPOD(Entry.self) {
            let top = heap.withUnsafeMutableBufferPointer { heap in
                let top = heap[0]
                if n > 0 {
                    heap[0] = heap[n]
                    Self.siftDown(UnsafeMutableBufferPointer(rebasing: heap[..<n]), from: 0)
                }
                return top
            }
            return (top.at, top.payload)
        }
        if n > 0 { heap.swapAt(0, n) }
        let top = heap.removeLast()
        if n > 1 { heap.withUnsafeMutableBufferPointer { Self.siftDown($0, from: 0) } }
        return (top.at, top.payload)
    }

    /// Compares in place: copying entries out to compare them would copy their payloads.
    @inlinable
    static func precedes(_ heap: UnsafeMutableBufferPointer<Entry>, _ i: Int, _ j: Int) -> Bool {
        let a = heap[i].at.nanoseconds, b = heap[j].at.nanoseconds
        return a != b ? a < b : heap[i].order < heap[j].order
    }

    // The sifts swap through a buffer pointer: one uniqueness check per operation instead of one per swap.
    @inlinable
    static func siftUp(_ heap: UnsafeMutableBufferPointer<Entry>, from index: Int) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard precedes(heap, child, parent) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    @inlinable
    static func siftDown(_ heap: UnsafeMutableBufferPointer<Entry>, from index: Int) {
        var parent = index
        let n = heap.count
        while true {
            let left = 2 * parent + 1
            guard left < n else { return }
            var best = left
            if left + 1 < n, precedes(heap, left + 1, left) { best = left + 1 }
            guard precedes(heap, best, parent) else { return }
            heap.swapAt(best, parent)
            parent = best
        }
    }
}

extension EventQueue: Sendable where Payload: Sendable {}
extension EventQueue.Entry: Sendable where Payload: Sendable {}
