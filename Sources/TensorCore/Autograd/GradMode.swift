/// Whether operations are recorded on the autograd tape (on by default, per task/thread).
public enum GradMode {
    @TaskLocal public static var isEnabled: Bool = true
}

/// Runs `body` without recording on the tape (inference, optimizer updates, metrics).
@inlinable
public func noGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabled.withValue(false) { try body() }
}
