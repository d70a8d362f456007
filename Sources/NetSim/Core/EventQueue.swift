import TCPStack

/// A min-heap of timed events. Events at the same instant come out in the order they were scheduled,
/// so a run never depends on heap layout: that is what makes the simulator deterministic.
public struct EventQueue<Payload> {
    private struct Entry {
        var at: Instant
        var order: UInt64
        var payload: Payload

        func precedes(_ other: Entry) -> Bool {
            at != other.at ? at < other.at : order < other.order
        }
    }

    private var heap: [Entry] = []
    private var scheduled: UInt64 = 0

    public init() {}

    public var count: Int { heap.count }
    public var isEmpty: Bool { heap.isEmpty }

    /// When the earliest event is due.
    public var nextTime: Instant? { heap.first?.at }

    public mutating func schedule(_ payload: Payload, at time: Instant) {
        heap.append(Entry(at: time, order: scheduled, payload: payload))
        scheduled &+= 1
        siftUp(heap.count - 1)
    }

    /// Removes and returns the earliest event (the first scheduled among equals).
    public mutating func popNext() -> (at: Instant, payload: Payload)? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let top = heap.removeLast()
        if !heap.isEmpty { siftDown(0) }
        return (top.at, top.payload)
    }

    private mutating func siftUp(_ index: Int) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        let n = heap.count
        while true {
            let left = 2 * parent + 1
            guard left < n else { return }
            var best = left
            if left + 1 < n, heap[left + 1].precedes(heap[left]) { best = left + 1 }
            guard heap[best].precedes(heap[parent]) else { return }
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
