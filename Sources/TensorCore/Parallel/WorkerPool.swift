import CKernels
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Persistent worker threads for the inference kernels' parallel loops. A dispatch through
/// `DispatchQueue.concurrentPerform` wakes sleeping threads, which costs tens of microseconds;
/// an inference step of a small batch lasts about as long. These workers spin briefly on a
/// generation counter after each job (then sleep on a condition variable), so back-to-back
/// loops start at once. Items are claimed one at a time, so a thread the machine's other load
/// delays holds up at most one item; each item's result does not depend on which thread runs it.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    /// One parallel loop: item indices are claimed from `next`; `done` counts finished items.
    final class Job: @unchecked Sendable {
        let body: UnsafeRawPointer
        let invoke: @convention(c) (UnsafeRawPointer, Int, Int) -> Void
        let chunks: Int
        /// How long workers keep polling for the next job after this one.
        let spin: UInt64
        let next = Atomic<Int>(0)
        let done = Atomic<Int>(0)
        let generation: Int

        init(body: UnsafeRawPointer, invoke: @convention(c) (UnsafeRawPointer, Int, Int) -> Void, chunks: Int, generation: Int, spin: UInt64) {
            self.body = body
            self.invoke = invoke
            self.chunks = chunks
            self.spin = spin
            self.generation = generation
        }

        /// Runs unclaimed items until none is left; `worker` is the caller's thread index.
        func help(worker: Int) {
            while true {
                let chunk = next.add(1, ordering: .relaxed).oldValue
                if chunk >= chunks { return }
                invoke(body, worker, chunk)
                done.add(1, ordering: .releasing)
            }
        }
    }

    private let generation = Atomic<Int>(0)
    /// Inference passes under way (`Parallel.inferencePass`): their loops keep workers polling longer.
    let passes = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    /// Held by the thread whose job the pool runs (jobs from several threads take turns).
    private let callLock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// The current job (guarded by `lock`).
    private var job: Job?
    private var workerCount = 0
    /// Workers with an index at or above this stay out of jobs (the thread count went down).
    private let active = Atomic<Int>(0)
    /// Workers (and inference passes' callers) keep their own CPUs unless WINNOW_PIN=0.
    static let pinning: Bool = {
        guard let raw = getenv("WINNOW_PIN") else { return true }
        return String(cString: raw) != "0"
    }()

    private static let insideKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    private init() {
        // Before any caller is bound to one CPU (inferencePass), so workers created later pick
        // their CPUs from the process's whole set, not the bound caller's single CPU.
        wn_capture_affinity()
        pthread_mutex_init(lock, nil)
        pthread_mutex_init(callLock, nil)
        pthread_cond_init(wake, nil)
    }

    /// The CPU pinning gives thread `index` (0: an inference pass's caller, 1...: workers),
    /// counted from the CPU the process ran on when the pool was made; -1 where unsupported.
    static func cpu(forIndex index: Int) -> Int { Int(wn_cpu_for_index(Int32(clamping: index))) }

    /// True on a pool worker, or inside a job on the calling thread (nested loops run inline).
    static var isInsideJob: Bool { pthread_getspecific(insideKey) != nil }

    /// Runs `body(worker, item)` for every item in `0..<chunks` on up to `threads` threads (the
    /// caller is worker 0, pool threads 1 ..< threads) and returns when all are done.
    func run(chunks: Int, threads: Int, spin: UInt64 = WorkerPool.briefSpin, _ body: (_ worker: Int, _ item: Int) -> Void) {
        if chunks <= 1 || threads <= 1 || Self.isInsideJob {
            for chunk in 0..<chunks { body(0, chunk) }
            return
        }
        // One job at a time: a second top-level caller (another thread running its own loop)
        // waits here; loops nested inside a job ran inline above.
        pthread_mutex_lock(callLock)
        defer { pthread_mutex_unlock(callLock) }
        ensureWorkers(threads - 1)
        withoutActuallyEscaping(body) { escapable in
            withUnsafePointer(to: escapable) { pointer in
                let job = Job(body: UnsafeRawPointer(pointer), invoke: { raw, worker, chunk in
                    raw.assumingMemoryBound(to: ((Int, Int) -> Void).self).pointee(worker, chunk)
                }, chunks: chunks, generation: generation.load(ordering: .relaxed) + 1,
                   spin: passes.load(ordering: .relaxed) > 0 ? Swift.max(spin, Self.inferenceSpin) : spin)
                pthread_mutex_lock(lock)
                self.job = job
                generation.store(job.generation, ordering: .releasing)
                if sleepers.load(ordering: .acquiring) > 0 { pthread_cond_broadcast(wake) }
                pthread_mutex_unlock(lock)
                pthread_setspecific(Self.insideKey, UnsafeRawPointer(bitPattern: 1))
                job.help(worker: 0)
                pthread_setspecific(Self.insideKey, nil)
                var spins = 0
                while job.done.load(ordering: .acquiring) < chunks {
                    spins += 1
                    if spins > 2000 { sched_yield() }
                }
                pthread_mutex_lock(lock)
                if self.job === job { self.job = nil }
                pthread_mutex_unlock(lock)
            }
        }
    }

    private func ensureWorkers(_ count: Int) {
        active.store(count, ordering: .relaxed)
        guard workerCount < count else { return }
        while workerCount < count {
            let index = workerCount
            workerCount += 1
            let box = Unmanaged.passRetained(WorkerStart(pool: self, index: index)).toOpaque()
            var thread = pthread_t()
            var attributes = pthread_attr_t()
            pthread_attr_init(&attributes)
            pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
            pthread_attr_setstacksize(&attributes, 8 << 20)
            let created = pthread_create(&thread, &attributes, { raw in
                let start = Unmanaged<WorkerStart>.fromOpaque(raw!).takeRetainedValue()
                start.pool.workerLoop(index: start.index)
                return nil
            }, box)
            pthread_attr_destroy(&attributes)
            if created != 0 {
                Unmanaged<WorkerStart>.fromOpaque(box).release()
                workerCount -= 1
                return
            }
        }
    }

    final class WorkerStart {
        let pool: WorkerPool
        let index: Int
        init(pool: WorkerPool, index: Int) { self.pool = pool; self.index = index }
    }

    /// Nanoseconds a worker polls for the next job before sleeping, after an inference kernel's
    /// loop: longer than the gaps between the parallel loops of an inference pass (steps that run
    /// on one thread), short enough not to hold a core long after the pass.
    static let inferenceSpin: UInt64 = 3_000_000
    /// After other loops (training kernels, which call multi-threaded BLAS between them): brief.
    static let briefSpin: UInt64 = 50_000

    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    private func workerLoop(index: Int) {
        pthread_setspecific(Self.insideKey, UnsafeRawPointer(bitPattern: 1))
        // Each worker keeps its own CPU (the caller, worker 0, is left where it is): a woken worker
        // is otherwise often placed on the caller's CPU, and the two share it for the whole
        // loop. WINNOW_PIN=0 turns this off.
        if Self.pinning { _ = wn_pin_current_thread(Int32(index + 1)) }
        var seen = generation.load(ordering: .acquiring)
        var spin = Self.briefSpin
        while true {
            var spins = 0
            let start = Self.now()
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins & 1023 != 0 || Self.now() - start < spin { continue }
                pthread_mutex_lock(lock)
                _ = sleepers.add(1, ordering: .sequentiallyConsistent)
                while generation.load(ordering: .acquiring) == seen { pthread_cond_wait(wake, lock) }
                _ = sleepers.subtract(1, ordering: .sequentiallyConsistent)
                pthread_mutex_unlock(lock)
            }
            pthread_mutex_lock(lock)
            let current = job
            seen = generation.load(ordering: .acquiring)
            pthread_mutex_unlock(lock)
            if let current {
                spin = current.spin
                if index < active.load(ordering: .relaxed) { current.help(worker: index + 1) }
            }
        }
    }
}

extension Parallel {
    /// Runs `body(worker, item)` for every item in `0..<count` on the spinning worker pool (for
    /// loops that run often and briefly: inference kernels). Items are claimed one at a time;
    /// `worker` (in `0..<threads`) names the thread, for per-thread scratch. `body` must not call
    /// a multi-threaded BLAS.
    public static func forEachPooled(_ count: Int, _ body: (_ worker: Int, _ item: Int) -> Void) {
        guard count > 0 else { return }
        if count == 1 || threads == 1 {
            for item in 0..<count { body(0, item) }
            return
        }
        WorkerPool.shared.run(chunks: count, threads: threads, spin: WorkerPool.inferenceSpin, body)
    }

    /// Runs `body` as an inference pass: every parallel loop inside it (the plan's kernels and the
    /// operators' own loops) keeps the pool's workers polling between loops instead of sleeping.
    /// With more than one thread the caller is bound to the first CPU for the pass (the workers
    /// hold the others), so it never shares a CPU with a worker; its own CPU set is restored after.
    public static func inferencePass<R>(_ body: () throws -> R) rethrows -> R {
        WorkerPool.shared.passes.add(1, ordering: .relaxed)
        let bind = threads > 1 && WorkerPool.pinning
        if bind { wn_bind_caller() }
        defer {
            if bind { wn_unbind_caller() }
            WorkerPool.shared.passes.subtract(1, ordering: .relaxed)
        }
        return try body()
    }

    /// `forEachPooled` over ranges of about `grain` items (cheap items, few claims).
    public static func forChunksPooled(_ count: Int, grain: Int = 1, _ body: (_ worker: Int, _ range: Range<Int>) -> Void) {
        guard count > 0 else { return }
        let size = Swift.max(grain, 1)
        let pieces = (count + size - 1) / size
        forEachPooled(pieces) { worker, piece in
            body(worker, (piece * size)..<Swift.min(count, (piece + 1) * size))
        }
    }
}
