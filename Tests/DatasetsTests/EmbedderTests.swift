import Foundation
import XCTest
import TensorCore
@testable import Datasets

/// The Embedder against onnxruntime: a small encoder (Conv, Relu, GlobalAveragePool, Flatten)
/// built with pip onnx; onnxruntime runs the whole pipeline (Cast, scale, Resize linear
/// half-pixel, normalise, encoder) on the raw bytes. Then the cache: a second run reads it, a
/// changed pixel under the same id is recomputed.
final class EmbedderTests: XCTestCase {
    func makeModelAndPool(_ oracle: Oracle) throws {
        try oracle.python("""
        import numpy as np, onnx, onnxruntime as ort
        from onnx import helper, TensorProto, numpy_helper
        rng = np.random.default_rng(8)
        w = (rng.standard_normal((8, 3, 3, 3)) * 0.3).astype(np.float32)
        b = (rng.standard_normal(8) * 0.1).astype(np.float32)
        enc = [helper.make_node('Conv', ['image', 'w', 'b'], ['c'], pads=[1, 1, 1, 1], strides=[2, 2]),
               helper.make_node('Relu', ['c'], ['r']),
               helper.make_node('GlobalAveragePool', ['r'], ['g']),
               helper.make_node('Flatten', ['g'], ['features']),
               helper.make_node('ReduceSum', ['features'], ['total'], keepdims=0)]
        inits = [numpy_helper.from_array(w, 'w'), numpy_helper.from_array(b, 'b')]
        g = helper.make_graph(enc, 'enc', [helper.make_tensor_value_info('image', TensorProto.FLOAT, ['N', 3, 'H', 'W'])],
                              [helper.make_tensor_value_info('features', TensorProto.FLOAT, ['N', 8]),
                               helper.make_tensor_value_info('total', TensorProto.FLOAT, ['N'])], inits)
        onnx.save(helper.make_model(g, ir_version=8, opset_imports=[helper.make_opsetid('', 17)]), 'enc.onnx')
        mean = np.array([0.4, 0.5, 0.6], np.float32).reshape(1, 3, 1, 1); std = np.array([0.2, 0.25, 0.3], np.float32).reshape(1, 3, 1, 1)
        full = helper.make_graph([
            helper.make_node('Cast', ['x'], ['f'], to=TensorProto.FLOAT),
            helper.make_node('Mul', ['f', 'k'], ['s']),
            helper.make_node('Resize', ['s', '', '', 'sizes'], ['rs'], mode='linear', coordinate_transformation_mode='half_pixel'),
            helper.make_node('Sub', ['rs', 'mean'], ['m']),
            helper.make_node('Div', ['m', 'std'], ['image'])] + enc, 'full',
            [helper.make_tensor_value_info('x', TensorProto.UINT8, ['N', 3, 20, 20]),
             helper.make_tensor_value_info('sizes', TensorProto.INT64, [4])],
            [helper.make_tensor_value_info('features', TensorProto.FLOAT, None)],
            inits + [numpy_helper.from_array(np.array(1 / 255, np.float32), 'k'), numpy_helper.from_array(mean, 'mean'),
                     numpy_helper.from_array(std, 'std')])
        sess = ort.InferenceSession(helper.make_model(full, ir_version=8, opset_imports=[helper.make_opsetid('', 17)]).SerializeToString())
        x = rng.integers(0, 256, size=(10, 3, 20, 20)).astype(np.uint8)
        np.save('x.npy', x)
        np.save('expected.npy', sess.run(['features'], {'x': x, 'sizes': np.array([10, 3, 48, 48], np.int64)})[0].astype(np.float64))
        """)
    }

    func testFeaturesMatchOnnxRuntimeAndTheCacheIsRead() throws {
        let oracle = try Oracle("embed")
        try makeModelAndPool(oracle)
        let images = try oracle.npy("x.npy")
        let data = try Dataset(images: images, ids: (0..<10).map { SampleID(source: "p", index: $0) })
        let preprocessing = try Embedder.Preprocessing(size: 48, mean: [0.4, 0.5, 0.6], standardDeviation: [0.2, 0.25, 0.3])
        let embedder = try Embedder(model: oracle.directory.appendingPathComponent("enc.onnx"), preprocessing: preprocessing)
        let cacheRoot = oracle.directory.appendingPathComponent("cache")
        let key = FeatureCache.Key(modelSHA256: embedder.modelSHA256, output: "features", preprocessing: preprocessing.description)
        let (features, first) = try embedder.features(of: data, batchSize: 4, cache: try FeatureCache(root: cacheRoot, key: key))
        XCTAssertEqual(features.shape, [10, 8])
        let expected = try oracle.doubles("expected.npy")
        for (a, b) in zip(features.doubles(), expected) { XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b))) }
        XCTAssertEqual(first.cached, 0)
        XCTAssertEqual(first.computed, 10)

        // Second run, new cache object: everything is read back, bit for bit.
        let (again, second) = try embedder.features(of: data, batchSize: 4, cache: try FeatureCache(root: cacheRoot, key: key))
        XCTAssertEqual(second.cached, 10)
        XCTAssertEqual(second.computed, 0)
        XCTAssertEqual(try again.scalars(Float.self), try features.scalars(Float.self))

        // A different order and a subset come from the cache too.
        let (subset, third) = try embedder.features(of: data, indices: [7, 2], cache: try FeatureCache(root: cacheRoot, key: key))
        XCTAssertEqual(third.cached, 2)
        XCTAssertEqual(subset.doubles(), Array(features.doubles()[56..<64]) + Array(features.doubles()[16..<24]))

        // Same id, changed pixels: recomputed, not served stale.
        var changed = images
        changed.withMutableElements(UInt8.self) { $0[3 * 3 * 400] ^= 0xFF }
        let edited = try Dataset(images: changed, ids: data.ids)
        let (_, fourth) = try embedder.features(of: edited, cache: try FeatureCache(root: cacheRoot, key: key))
        XCTAssertEqual(fourth.cached, 9)
        XCTAssertEqual(fourth.computed, 1)

        // Another preprocessing is another key: no hits.
        let other = try Embedder.Preprocessing(size: 32, mean: [0.4, 0.5, 0.6], standardDeviation: [0.2, 0.25, 0.3])
        let otherKey = FeatureCache.Key(modelSHA256: embedder.modelSHA256, output: "features", preprocessing: other.description)
        XCTAssertEqual(try FeatureCache(root: cacheRoot, key: otherKey).count, 0)
    }

    func testBadModelsAreClearErrors() throws {
        let oracle = try Oracle("embed-bad")
        try makeModelAndPool(oracle)
        let p = try Embedder.Preprocessing.effnetLite0(size: 48)
        XCTAssertThrowsError(try Embedder(model: oracle.directory.appendingPathComponent("enc.onnx"), output: "logits", preprocessing: p)) { error in
            XCTAssertTrue("\(error)".contains("features"), "\(error)")
        }
        XCTAssertThrowsError(try Embedder(model: oracle.directory.appendingPathComponent("missing.onnx"), preprocessing: p)) { error in
            XCTAssertTrue("\(error)".contains("missing.onnx"), "\(error)")
        }
        let grey = try Dataset(images: Tensor(zeros: [2, 2, 20, 20], dtype: .uint8), ids: ["g:0", "g:1"])
        let embedder = try Embedder(model: oracle.directory.appendingPathComponent("enc.onnx"), preprocessing: p)
        XCTAssertThrowsError(try embedder.features(of: grey)) { error in
            XCTAssertTrue("\(error)".contains("channel"), "\(error)")
        }
    }
}
