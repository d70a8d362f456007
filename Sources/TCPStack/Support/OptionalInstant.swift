/// An `Instant?` in 8 bytes instead of 16 (`Int64.min` stands for nil): timers sit in every `Connection`, whose
/// size a test bounds.
struct OptionalInstant: Sendable, Hashable {
    private var nanoseconds: Int64

    init(_ value: Instant? = nil) { nanoseconds = value?.nanoseconds ?? .min }

    var isNil: Bool { nanoseconds == .min }

    var value: Instant? {
        get { nanoseconds == .min ? nil : Instant(nanoseconds: nanoseconds) }
        set { nanoseconds = newValue?.nanoseconds ?? .min }
    }
}
