import TCPStack

/// A min-heap of timed events. Events at the same instant come out in the order they were scheduled,
/// so a run never depends on heap layout: that is what makes the simulator deterministic.
public struct EventQueue<Payload> {
    private struct Entry {
        var at: Instant
        var order: UInt64
        var payload: Payload
    }

    private var heap: [Entry] = []
    private var scheduled: UInt64 = 0

    public init() {}

    public var count: Int { heap.count }
    public var isEmpty: Bool { heap.isEmpty }

    /// When the earliest event is due.
    public var nextTime: Instant? { heap.isEmpty ? nil : heap[0].at }

    public mutating func schedule(_ payload: consuming Payload, at time: Instant) {
        heap.append(Entry(at: time, order: scheduled, payload: payload))
        scheduled &+= 1
        if heap.count > 1 { heap.withUnsafeMutableBufferPointer { Self.siftUp($0, from: $0.count - 1) } }
    }

    /// Removes and returns the earliest event (the first scheduled among equals).
    public mutating func popNext() -> (at: Instant, payload: Payload)? {
        guard !heap.isEmpty else { return nil }
        if heap.count > 1 { heap.swapAt(0, heap.count - 1) }
        let top = heap.removeLast()
        if heap.count > 1 { heap.withUnsafeMutableBufferPointer { Self.siftDown($0, from: 0) } }
        return (top.at, top.payload)
    }

    /// Compares in place: copying entries out to compare them would copy their payloads.
    private static func precedes(_ heap: UnsafeMutableBufferPointer<Entry>, _ i: Int, _ j: Int) -> Bool {
        let a = heap[i].at.nanoseconds, b = heap[j].at.nanoseconds
        return a != b ? a < b : heap[i].order < heap[j].order
    }

    // The sifts swap through a buffer pointer: one uniqueness check per operation instead of one per swap.
    private static func siftUp(_ heap: UnsafeMutableBufferPointer<Entry>, from index: Int) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard precedes(heap, child, parent) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private static func siftDown(_ heap: UnsafeMutableBufferPointer<Entry>, from index: Int) {
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

/// The simulator's clock: it only moves forward, and only by jumping to the next event.
public struct VirtualClock: Sendable {
    public private(set) var now: Instant

    public init(start: Instant = .zero) { now = start }

    /// Jumps to `time`; an event in the past would be a scheduling bug, so time never runs backwards.
    public mutating func jump(to time: Instant) {
        precondition(time >= now, "virtual time cannot run backwards")
        now = time
    }
}
