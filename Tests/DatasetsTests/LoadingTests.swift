import Foundation
import XCTest
import TensorCore
@testable import Datasets

/// Sampler reproducibility and resumption, batches with ids, augmentation against numpy's
/// pad/flip/rot90, normalisation against numpy's mean/std.
final class LoadingTests: XCTestCase {
    func testSamplerIsReproducibleFromSeedAndEpoch() throws {
        var a = try EpochSampler(count: 103, batchSize: 10, seed: 42)
        var b = try EpochSampler(count: 103, batchSize: 10, seed: 42)
        var epochs: [[Int]] = []
        for _ in 0..<3 {
            var epoch: [Int] = []
            for _ in 0..<a.batchesPerEpoch {
                let x = a.next(), y = b.next()
                XCTAssertEqual(x, y)
                epoch += x.positions
            }
            XCTAssertEqual(epoch.sorted(), Array(0..<103), "an epoch visits every sample once")
            epochs.append(epoch)
        }
        XCTAssertEqual(a.batchesPerEpoch, 11)
        XCTAssertNotEqual(epochs[0], epochs[1])
        XCTAssertNotEqual(epochs[0], Array(0..<103))
        // The order of an epoch depends on (seed, epoch) only.
        XCTAssertEqual(epochs[2], a.order(epoch: 2))
        XCTAssertEqual(try EpochSampler(count: 103, batchSize: 7, seed: 42).order(epoch: 1), epochs[1])
        XCTAssertNotEqual(try EpochSampler(count: 103, batchSize: 10, seed: 43).order(epoch: 0), epochs[0])
        let dropped = try EpochSampler(count: 103, batchSize: 10, seed: 1, dropLast: true)
        XCTAssertEqual(dropped.batchesPerEpoch, 10)
        XCTAssertEqual(try EpochSampler(count: 5, batchSize: 2, seed: 1, shuffle: false).order(epoch: 3), [0, 1, 2, 3, 4])
        XCTAssertThrowsError(try EpochSampler(count: 5, batchSize: 6, seed: 1, dropLast: true))
        XCTAssertThrowsError(try EpochSampler(count: 0, batchSize: 6, seed: 1))
    }

    func testSamplerResumesFromASavedPosition() throws {
        var uninterrupted = try EpochSampler(count: 50, batchSize: 8, seed: 7)
        var reference: [EpochSampler.Draw] = []
        for _ in 0..<20 { reference.append(uninterrupted.next()) }
        var first = try EpochSampler(count: 50, batchSize: 8, seed: 7)
        for _ in 0..<9 { _ = first.next() }   // stop mid-epoch 1
        let saved = try JSONEncoder().encode(first)
        var resumed = try JSONDecoder().decode(EpochSampler.self, from: saved)
        XCTAssertEqual(resumed.position, .init(epoch: 1, batch: 2))
        for k in 9..<20 { XCTAssertEqual(resumed.next(), reference[k], "draw \(k)") }
    }

    func testLoaderBatchesCarryIdsLabelsAndScaledPixels() throws {
        let images = try Tensor(shape: [6, 1, 2, 2], scalars: (0..<24).map { UInt8($0 * 10) })
        let data = try Dataset(images: images, ids: (0..<6).map { SampleID(source: "s", index: $0) },
                               labels: [0, 1, 0, 1, 0, 1], classNames: ["a", "b"])
        let loader = try DataLoader(source: data, subset: Subset(name: "odd", ids: ["s:1", "s:3", "s:5"]), batchSize: 2, seed: 3)
        var seen: [SampleID] = []
        for _ in 0..<loader.batchesPerEpoch {
            let batch = try loader.next()
            seen += batch.ids
            XCTAssertEqual(batch.labels?.doubles(), batch.indices.map { Double(data.labels![$0]) })
            XCTAssertEqual(batch.images.doubles(), try data.gather(batch.indices).doubles().map { Double(Float($0) * (1 / Float(255))) })
        }
        XCTAssertEqual(seen.sorted(), ["s:1", "s:3", "s:5"])
        // Restoring a saved state replays the same batches.
        let state = loader.state
        let next = try loader.next()
        loader.restore(state)
        XCTAssertEqual(try loader.next().ids, next.ids)
    }

    func testAugmentationMatchesNumPy() throws {
        let oracle = try Oracle("augment")
        let c = 2, s = 5, padding = 2
        let values = (0..<(c * s * s)).map { Float($0 + 1) }
        let augmentation = try Augmentation(padding: padding, horizontalFlip: true, verticalFlip: true, rotate90: true)
        var choices: [Augmentation.Choice] = []
        var outputs: [[Float]] = []
        for slot in 0..<40 {
            let choice = augmentation.choice(seed: 5, epoch: 1, slot: slot)
            choices.append(choice)
            var out = [Float](repeating: -1, count: values.count)
            values.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    Augmentation.apply(choice, padding: padding, source: src.baseAddress!, destination: dst.baseAddress!,
                                       channels: c, height: s, width: s)
                }
            }
            outputs.append(out)
        }
        let table = choices.map { "\($0.dy),\($0.dx),\($0.flipHorizontal ? 1 : 0),\($0.flipVertical ? 1 : 0),\($0.quarterTurns)" }.joined(separator: ";")
        try oracle.python("""
        import numpy as np
        x = np.arange(1, \(c * s * s + 1), dtype=np.float32).reshape(\(c), \(s), \(s))
        p = \(padding)
        out = []
        for item in '\(table)'.split(';'):
            dy, dx, h, v, k = map(int, item.split(','))
            y = np.pad(x, ((0, 0), (p, p), (p, p)))[:, dy:dy + \(s), dx:dx + \(s)]
            if h: y = y[:, :, ::-1]
            if v: y = y[:, ::-1, :]
            y = np.rot90(y, k, axes=(1, 2))
            out.append(y)
        np.save('aug.npy', np.stack(out).astype(np.float64))
        """)
        XCTAssertEqual(outputs.flatMap { $0.map(Double.init) }, try oracle.doubles("aug.npy"))
        // The choices vary: every flip, every turn and several crop offsets occur.
        XCTAssertEqual(Set(choices.map(\.quarterTurns)), [0, 1, 2, 3])
        XCTAssertEqual(Set(choices.map(\.flipHorizontal)), [false, true])
        XCTAssertEqual(Set(choices.map(\.flipVertical)), [false, true])
        XCTAssertEqual(Set(choices.map(\.dy)), Set(0...4))
        XCTAssertThrowsError(try DataLoader(source: try Dataset(images: Tensor(zeros: [1, 1, 2, 3], dtype: .uint8), ids: ["a:0"]),
                                            batchSize: 1, seed: 0, augmentation: augmentation))
    }

    func testComputedNormalisationMatchesNumPyAndApplies() throws {
        let oracle = try Oracle("normalise")
        try oracle.python("""
        import numpy as np
        a = np.random.default_rng(4).integers(0, 256, size=(30, 3, 4, 5)).astype(np.uint8)
        np.save('a.npy', a)
        x = a.astype(np.float64) / 255
        np.save('stats.npy', np.concatenate([x.mean(axis=(0, 2, 3)), x.std(axis=(0, 2, 3))]))
        """)
        let images = try oracle.npy("a.npy")
        let data = try Dataset(images: images, ids: (0..<30).map { SampleID(source: "n", index: $0) })
        let norm = try Normalization.computed(from: data, scale: 1.0 / 255)
        let stats = try oracle.doubles("stats.npy")
        for c in 0..<3 {
            XCTAssertEqual(Double(norm.mean[c]), stats[c], accuracy: 1e-6)
            XCTAssertEqual(Double(norm.standardDeviation[c]), stats[3 + c], accuracy: 1e-6)
        }
        let loader = try DataLoader(source: data, batchSize: 30, seed: 0, shuffle: false, normalization: norm)
        let batch = try loader.next().images.doubles()
        // Normalised data has mean ≈ 0 and std ≈ 1 per channel.
        for c in 0..<3 {
            var xs: [Double] = []
            for n in 0..<30 { xs += batch[(n * 3 + c) * 20 ..< (n * 3 + c + 1) * 20] }
            let m = xs.reduce(0, +) / Double(xs.count)
            let v = xs.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(xs.count)
            XCTAssertEqual(m, 0, accuracy: 1e-5)
            XCTAssertEqual(v, 1, accuracy: 1e-4)
        }
        XCTAssertThrowsError(try Normalization(mean: [0.5], standardDeviation: [0]))
    }
}
