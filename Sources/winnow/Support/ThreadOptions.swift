import ArgumentParser
import TensorCore

/// `--threads`: the one thread count for Swift loops and OpenBLAS (DESIGN.md single owner).
struct ThreadOptions: ParsableArguments {
    @Option(name: .long, help: "Threads for kernels and BLAS (default: WINNOW_THREADS, else all cores).")
    var threads: Int?

    func apply() throws {
        if let threads {
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
            Parallel.setThreads(threads)
        }
    }
}
