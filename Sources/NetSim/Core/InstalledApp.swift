/// Where an installed application's value lives. It is reached through a pointer: a class's stored property
/// would be checked for exclusive access on every call.
class AppCell {}

final class TypedAppCell<App>: AppCell {
    let app: UnsafeMutablePointer<App>

    init(_ value: App) {
        app = .allocate(capacity: 1)
        app.initialize(to: value)
    }

    deinit {
        app.deinitialize(count: 1)
        app.deallocate()
    }
}

/// An application installed on a simulator, reached through functions made where its type is known: each call
/// runs code specialized for it, where a call through `any SimApplication` would go through unspecialized
/// witnesses and look up generic metadata on every event. A shared cell (a copied simulator) is copied before
/// it is written, so simulators keep value semantics.
struct InstalledApp<Stack: SimulatedStack> {
    let host: Int
    private var box: AppCell
    private let startApp: (AppCell, inout Stack, inout AppIO) -> Void
    private let handleEvent: (AppCell, AppEvent<Stack.Socket>, inout Stack, inout AppIO) -> Void
    private let wakeApp: (AppCell, inout Stack, inout AppIO) -> Void
    private let copyBox: (AppCell) -> AppCell
    private let read: (AppCell) -> Any

    init<A: SimApplication<Stack>>(_ app: A, host: Int) {
        self.host = host
        box = TypedAppCell(app)
        startApp = { box, stack, io in
            unsafeDowncast(box, to: TypedAppCell<A>.self).app.pointee.start(stack: &stack, io: &io)
        }
        handleEvent = { box, event, stack, io in
            unsafeDowncast(box, to: TypedAppCell<A>.self).app.pointee.handle(event, stack: &stack, io: &io)
        }
        wakeApp = { box, stack, io in
            unsafeDowncast(box, to: TypedAppCell<A>.self).app.pointee.wake(stack: &stack, io: &io)
        }
        copyBox = { box in TypedAppCell(unsafeDowncast(box, to: TypedAppCell<A>.self).app.pointee) }
        read = { box in unsafeDowncast(box, to: TypedAppCell<A>.self).app.pointee }
    }

    /// The application's current value.
    var value: Any { read(box) }

    mutating func start(stack: inout Stack, io: inout AppIO) { startApp(uniqueBox(), &stack, &io) }

    mutating func handle(_ event: AppEvent<Stack.Socket>, stack: inout Stack, io: inout AppIO) {
        handleEvent(uniqueBox(), event, &stack, &io)
    }

    mutating func wake(stack: inout Stack, io: inout AppIO) { wakeApp(uniqueBox(), &stack, &io) }

    private mutating func uniqueBox() -> AppCell {
        if !isKnownUniquelyReferenced(&box) { box = copyBox(box) }
        return box
    }
}
