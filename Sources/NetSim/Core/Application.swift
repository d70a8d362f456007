import TCPStack

/// A story line as the simulator keeps it while running: the host by index, named only when the story is read,
/// and the text by its index in `AppIO.texts` (an entry holds no reference, so the retry loop's thousands of
/// lines are appended and freed without reference counting).
struct StoryEntry: Sendable {
    var time: Instant
    var host: Int
    var line: Int
}

/// What an application may do besides calling its stack: print a story line, ask to be woken, stop the run.
/// The simulator keeps one for the whole run: printed lines go straight into its story, and the rest is reset
/// before each call, so a step allocates nothing of its own.
public struct AppIO: Sendable {
    /// The virtual time of the current call.
    public private(set) var now: Instant
    /// The host of the application being called.
    var host = 0
    /// Every line printed so far, in order.
    var story: [StoryEntry] = []
    /// The texts the story's entries point at: each printed line, and each registered one once.
    var texts: [String] = []
    var wakeAfter: Duration?
    var stopRequested = false

    init(now: Instant) { self.now = now }

    mutating func reset(now: Instant, host: Int) {
        self.now = now
        self.host = host
        wakeAfter = nil
        stopRequested = false
    }

    /// A line of the user-visible story (what the program would print on its terminal).
    public mutating func print(_ line: String) { print(line: register(line)) }

    /// Keeps a line an application prints again and again; print it with `print(line:)`.
    mutating func register(_ text: String) -> Int {
        texts.append(text)
        return texts.count - 1
    }

    /// Prints the line `register` returned `line` for.
    mutating func print(line: Int) { story.append(StoryEntry(time: now, host: host, line: line)) }

    /// Makes room for `count` more story lines.
    mutating func reserveStory(_ count: Int) { story.reserveCapacity(story.count + count) }

    /// Calls `wake` after `delay` of virtual time.
    public mutating func wake(after delay: Duration) { wakeAfter = delay }

    /// Ends the run once the current event is handled.
    public mutating func stopSimulation() { stopRequested = true }
}

/// An event-driven program on one host's stack. It never blocks: it reacts to its start, to socket events
/// for the sockets it owns, and to the wake-ups it asked for.
public protocol SimApplication<Stack> {
    /// The stack the application runs on.
    associatedtype Stack: SimulatedStack
    /// Called once, at the time the application was installed for: open sockets, connect, listen.
    mutating func start(stack: inout Stack, io: inout AppIO)
    /// Every event of the host's stack is offered to every application on that host; ignore foreign sockets.
    mutating func handle(_ event: AppEvent<Stack.Socket>, stack: inout Stack, io: inout AppIO)
    mutating func wake(stack: inout Stack, io: inout AppIO)
}

extension SimApplication {
    /// Does nothing: an application that never asks to be woken need not implement `wake`.
    public mutating func wake(stack: inout Stack, io: inout AppIO) {}
}
