import CBLAS
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// The single owner of parallelism (DESIGN.md): one thread count for Swift loops and OpenBLAS,
/// static splits so results never depend on timing.
public enum Parallel {
    nonisolated(unsafe) private static var configuredThreads: Int = {
        let n = threadsFromEnvironment() ?? defaultThreads
        openblas_set_num_threads(Int32(n))
        return n
    }()

    /// All cores of the machine.
    public static var defaultThreads: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    /// `WINNOW_THREADS` when set to a positive integer.
    public static func threadsFromEnvironment() -> Int? {
        guard let raw = getenv("WINNOW_THREADS") else { return nil }
        return Int(String(cString: raw)).flatMap { $0 > 0 ? $0 : nil }
    }

    /// Applies the thread policy (environment or default) to OpenBLAS before its first use.
    @inline(__always) public static func ensureConfigured() { _ = configuredThreads }

    /// Thread count used by parallel loops and by OpenBLAS.
    public static var threads: Int { configuredThreads }

    /// Sets the thread count for both Swift loops and OpenBLAS (`--threads`). Call from the main
    /// thread before work starts.
    public static func setThreads(_ n: Int) {
        configuredThreads = max(1, n)
        openblas_set_num_threads(Int32(configuredThreads))
    }

    /// Runs `body` with OpenBLAS limited to one thread, so a parallel loop inside `body` may
    /// call small GEMMs (the loop owns the threads); restores the thread count afterwards.
    /// OpenBLAS's current thread count.
    static var blasThreads: Int { Int(openblas_get_num_threads()) }

    /// Calls nest: an inner call leaves BLAS at one thread for the rest of the outer one.
    public static func withSingleThreadedBLAS<R>(_ body: () throws -> R) rethrows -> R {
        ensureConfigured()
        let previous = openblas_get_num_threads()
        if previous == 1 { return try body() }
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(previous) }
        return try body()
    }

    /// Splits `0..<count` into at most `threads` contiguous chunks of at least `grain` items and
    /// runs `body` on each. Chunk boundaries depend only on `count`, `grain` and the thread count.
    /// Never call a multi-threaded BLAS from inside `body`.
    public static func forRange(_ count: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = min(threads, max(1, count / max(grain, 1)))
        if chunks <= 1 { body(0..<count); return }
        // The shared worker pool (WorkerPool.swift), so every loop uses the same threads.
        WorkerPool.shared.run(chunks: chunks, threads: threads) { _, chunk in
            let lo = chunk * count / chunks
            let hi = (chunk + 1) * count / chunks
            if lo < hi { body(lo..<hi) }
        }
    }
}
