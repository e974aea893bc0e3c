import Foundation
import Synchronization
import XCTest
@testable import TensorCore

/// The spinning worker pool behind `Parallel.forRange` and the inference kernels.
final class WorkerPoolTests: XCTestCase {
    override func tearDown() {
        Parallel.setThreads(Parallel.defaultThreads)
        super.tearDown()
    }

    func testEveryItemRunsOnceOnAKnownWorker() {
        for threads in [1, 2, 3] {
            Parallel.setThreads(threads)
            for count in [0, 1, 2, 7, 1000] {
                let seen = UnsafeMutableBufferPointer<Int>.allocate(capacity: Swift.max(count, 1))
                seen.initialize(repeating: 0)
                defer { seen.deallocate() }
                let badWorker = Atomic<Int>(0)
                Parallel.forEachPooled(count) { worker, item in
                    if worker < 0 || worker >= threads { badWorker.add(1, ordering: .relaxed) }
                    seen[item] += 1
                }
                XCTAssertEqual(badWorker.load(ordering: .relaxed), 0, "threads \(threads)")
                XCTAssertTrue(seen.prefix(count).allSatisfy { $0 == 1 }, "threads \(threads) count \(count)")
            }
        }
    }

    /// Pinning counts from the CPU the process first ran on (so separate processes spread), stays
    /// inside the CPUs the process may use, and gives the caller and the workers distinct CPUs
    /// while there are enough.
    func testPinningPlacesCallerAndWorkersOnDistinctAllowedCPUs() throws {
        _ = WorkerPool.shared  // captures the process's CPU set
        // The allowed CPUs as the kernel lists them (e.g. "0-3,8").
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try XCTUnwrap(status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }))
        var cpus: [Int] = []
        for part in line.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces).split(separator: ",") {
            let bounds = part.split(separator: "-").compactMap { Int($0) }
            cpus += bounds.count == 2 ? Array(bounds[0]...bounds[1]) : bounds
        }
        let count = cpus.count
        let placed = (0..<count).map { WorkerPool.cpu(forIndex: $0) }
        XCTAssertTrue(placed.allSatisfy { cpus.contains($0) }, "\(placed) not all in \(cpus)")
        XCTAssertEqual(Set(placed).count, count, "indices 0..<\(count) give distinct CPUs")
        XCTAssertEqual(WorkerPool.cpu(forIndex: count), placed[0], "placement wraps around")
        XCTAssertEqual(WorkerPool.cpu(forIndex: -1), -1)
        // The pinned pool still runs every item once.
        Parallel.setThreads(2)
        let total = Atomic<Int>(0)
        Parallel.forEachPooled(100) { _, item in total.add(item, ordering: .relaxed) }
        XCTAssertEqual(total.load(ordering: .relaxed), 4950)
    }

    /// Loops started from two threads at once take turns on the pool: every item once each.
    func testConcurrentCallersEachRunEveryItemOnce() {
        Parallel.setThreads(2)
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 2) { caller in
            for round in 0..<200 {
                let count = 17 + (round + caller) % 50
                let seen = UnsafeMutableBufferPointer<Int>.allocate(capacity: count)
                seen.initialize(repeating: 0)
                Parallel.forEachPooled(count) { worker, item in
                    if worker < 0 || worker >= 2 { failures.add(1, ordering: .relaxed) }
                    seen[item] += 1
                }
                if !seen.allSatisfy({ $0 == 1 }) { failures.add(1, ordering: .relaxed) }
                seen.deallocate()
            }
        }
        XCTAssertEqual(failures.load(ordering: .relaxed), 0)
    }

    /// Single-threaded BLAS regions nest: the inner one does not give BLAS its threads back early.
    func testSingleThreadedBLASNests() {
        Parallel.setThreads(2)
        XCTAssertEqual(Parallel.blasThreads, 2)
        Parallel.withSingleThreadedBLAS {
            Parallel.withSingleThreadedBLAS { XCTAssertEqual(Parallel.blasThreads, 1) }
            XCTAssertEqual(Parallel.blasThreads, 1, "still inside the outer region")
        }
        XCTAssertEqual(Parallel.blasThreads, 2)
    }

    func testRangesTileTheCountAndNestedLoopsRunInline() {
        Parallel.setThreads(2)
        let total = Atomic<Int>(0)
        Parallel.forChunksPooled(10_000, grain: 333) { _, range in
            XCTAssertLessThanOrEqual(range.count, 333)
            total.add(range.reduce(0, +), ordering: .relaxed)
            // A loop inside a loop runs on the calling thread (no deadlock, same results).
            var inner = 0
            Parallel.forRange(64, grain: 1) { inner += $0.count }
            XCTAssertEqual(inner, 64)
        }
        XCTAssertEqual(total.load(ordering: .relaxed), (0..<10_000).reduce(0, +))
    }

    func testForRangeSplitsStaticallyWhateverThreadRunsAChunk() {
        // Chunk boundaries depend on the count, grain and thread count only (determinism).
        Parallel.setThreads(2)
        for _ in 0..<50 {
            let lows = Mutex<[Int]>([])
            Parallel.forRange(101, grain: 1) { range in lows.withLock { $0.append(range.lowerBound) } }
            XCTAssertEqual(lows.withLock { $0.sorted() }, [0, 50])
        }
    }
}
