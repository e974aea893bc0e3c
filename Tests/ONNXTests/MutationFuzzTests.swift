import Foundation
import XCTest
import WinnowTestSupport
import ModelGraph
@testable import ONNX
#if canImport(Glibc)
import Glibc
#endif

/// A seeded mutation fuzzer over real model bytes (issue 8, Bad input): truncations, bit flips,
/// byte overwrites and corrupted varint length fields. Every mutant must either load or throw a
/// typed error; the process must not crash, and protobuf must not log to stderr.
final class MutationFuzzTests: XCTestCase {
    /// One mutated file and what became of it.
    enum Outcome { case loaded, refused }

    /// What each stage does with a mutant; a stage throws only typed errors.
    typealias Stage = @Sendable (_ bytes: Data, _ source: String, _ directory: URL) throws -> Void

    /// Reads through ONNXReader (external data loaded from `directory`).
    static let readStage: Stage = { bytes, source, directory in
        _ = try ONNXReader.read(bytes: bytes, source: source, directory: directory)
    }

    /// Reads and imports into a `Graph` with constant folding, which runs operators on the
    /// (mutated) constants: an output of absurd size (ConstantOfShape of [10^13], cnn.onnx#877)
    /// must be refused with an error before allocation. WINNOW_FUZZ_FOLD=0 turns folding off.
    static let importStage: Stage = { bytes, source, directory in
        let model = try ONNXReader.read(bytes: bytes, source: source, directory: directory)
        _ = try ONNXImporter.graph(from: model, source: source, options: .init(foldConstants: fold))
    }

    static let fold = ProcessInfo.processInfo.environment["WINNOW_FUZZ_FOLD"] != "0"

    /// Errors a stage may throw: Winnow's typed errors; ONNX errors name the mutant, graph
    /// errors name the node or value instead.
    static func isTyped(_ error: Error, source: String) -> Bool {
        if let error = error as? ONNXError { return error.description.contains(source) }
        return error is ModelGraphError
    }

    struct Corpus {
        let name: String
        let bytes: Data
        let directory: URL
        /// Positions and sizes of varint length prefixes of length-delimited fields.
        let lengthFields: [(position: Int, size: Int, value: UInt64)]
        /// Mutations land only below this offset (all of a small model).
        let window: Int
    }

    static func corpus(_ name: String, _ url: URL, window: Int? = nil) throws -> Corpus {
        let bytes = try Data(contentsOf: url)
        let limit = min(window ?? bytes.count, bytes.count)
        var fields: [(Int, Int, UInt64)] = []
        _ = ProtobufScanner(Array(bytes.prefix(limit))).scan(from: 0, to: limit, depth: 0, partial: limit < bytes.count, into: &fields)
        return Corpus(name: name, bytes: bytes, directory: url.deletingLastPathComponent(), lengthFields: fields, window: limit)
    }

    /// Applies mutation number `index` (its kind cycles through the five kinds) to `corpus`.
    static func mutate(_ corpus: Corpus, index: Int, random: inout SplitMix) -> (Data, String) {
        var bytes = corpus.bytes
        let window = corpus.window
        switch index % 5 {
        case 0:
            let cut = random.below(window)
            return (bytes.prefix(cut), "truncate@\(cut)")
        case 1:
            let flips = 1 + random.below(8)
            for _ in 0..<flips {
                let position = random.below(window)
                bytes[bytes.startIndex + position] ^= UInt8(1) << UInt8(random.below(8))
            }
            return (bytes, "flip×\(flips)")
        case 2:
            let position = random.below(window)
            let run = 1 + random.below(16)
            for offset in 0..<run where position + offset < window {
                bytes[bytes.startIndex + position + offset] = UInt8(truncatingIfNeeded: random.next())
            }
            return (bytes, "overwrite@\(position)+\(run)")
        case 3:
            guard !corpus.lengthFields.isEmpty else { return (bytes, "none") }
            let field = corpus.lengthFields[random.below(corpus.lengthFields.count)]
            let choices: [UInt64] = [0, field.value &+ 1, field.value &- 1, field.value &* 2 &+ 7, UInt64(Int32.max),
                                     UInt64(UInt32.max), UInt64(Int64.max), UInt64.max, UInt64(random.below(window + 64))]
            let value = choices[random.below(choices.count)]
            // Half of them also in a padded (non-minimal) varint encoding.
            var encoded = ProtobufScanner.varint(value)
            if random.below(2) == 0 && encoded.count < 10 {
                encoded[encoded.count - 1] |= 0x80
                encoded.append(contentsOf: [UInt8](repeating: 0x80, count: 9 - encoded.count))
                encoded.append(0)
            }
            let start = bytes.startIndex + field.position
            bytes.replaceSubrange(start..<(start + field.size), with: encoded)
            return (bytes, "length@\(field.position)=\(value)")
        default:
            // Delete or duplicate a short span: shifts every later field.
            let position = random.below(window)
            let span = 1 + random.below(8)
            let start = bytes.startIndex + position
            let end = min(start + span, bytes.endIndex)
            if random.below(2) == 0 {
                bytes.removeSubrange(start..<end)
                return (bytes, "delete@\(position)+\(span)")
            }
            bytes.insert(contentsOf: bytes[start..<end], at: start)
            return (bytes, "duplicate@\(position)+\(span)")
        }
    }

    /// Runs `count` mutants of `corpus` through every stage; returns (loaded, refused).
    func fuzz(_ corpus: Corpus, count: Int, seed: UInt64, stages: [(String, Stage)]) -> (loaded: Int, refused: Int) {
        var random = SplitMix(seed: seed)
        var loaded = 0
        var refused = 0
        var failures = 0
        for index in 0..<count {
            let (bytes, mutation) = Self.mutate(corpus, index: index, random: &random)
            let source = "\(corpus.name)#\(index)[\(mutation)]"
            var outcome = Outcome.loaded
            if Self.trace {
                // Names the mutant on stdout before it runs, so a crash can be reproduced.
                print("mutant \(source)")
                fflush(nil)
            }
            for (stageName, stage) in stages {
                do {
                    try stage(bytes, source, corpus.directory)
                } catch {
                    if !Self.isTyped(error, source: source) {
                        failures += 1
                        if failures <= 10 { XCTFail("\(stageName) on \(source): untyped or unnamed error: \(error)") }
                    }
                    outcome = .refused
                    break
                }
            }
            if outcome == .loaded { loaded += 1 } else { refused += 1 }
        }
        return (loaded, refused)
    }

    /// Runs `body` with stderr captured; returns what was written there.
    func capturingStandardError(_ body: () throws -> Void) throws -> String {
        let capture = try makeTemporaryDirectory(self).appendingPathComponent("stderr.txt")
        fflush(nil)
        let saved = dup(2)
        let fd = open(capture.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        dup2(fd, 2)
        close(fd)
        defer {
            fflush(nil)
            dup2(saved, 2)
            close(saved)
        }
        try body()
        fflush(nil)
        return (try? String(contentsOf: capture, encoding: .utf8)) ?? ""
    }

    func testMutantsOfSmallModelsNeverCrash() throws {
        let directory = try makeTemporaryDirectory(self)
        try TestModels.build(in: directory)
        let cnn = try Self.corpus("cnn.onnx", directory.appendingPathComponent("cnn.onnx"))
        let dynamo = try Self.corpus("dynamo.onnx", directory.appendingPathComponent("dynamo.onnx"))
        XCTAssertGreaterThan(cnn.lengthFields.count, 50)
        XCTAssertGreaterThan(dynamo.lengthFields.count, 20)
        // The unmutated files load.
        XCTAssertNoThrow(try Self.importStage(cnn.bytes, "cnn.onnx", directory))
        XCTAssertNoThrow(try Self.importStage(dynamo.bytes, "dynamo.onnx", directory))

        var totals = (loaded: 0, refused: 0)
        let start = Date()
        let logged = try capturingStandardError {
            for (corpus, count, seed) in [(cnn, 20000, UInt64(1)), (dynamo, 10000, UInt64(2))] {
                let result = fuzz(corpus, count: count, seed: seed, stages: Self.stages)
                totals.loaded += result.loaded
                totals.refused += result.refused
            }
        }
        let seconds = Date().timeIntervalSince(start)
        print("fuzz: \(totals.loaded + totals.refused) mutants, \(totals.loaded) loaded, \(totals.refused) refused, \(String(format: "%.1f", seconds)) s")
        XCTAssertEqual(totals.loaded + totals.refused, 30000)
        // Both outcomes occur: the fuzzer reaches past the parser and the checks refuse.
        XCTAssertGreaterThan(totals.loaded, 500)
        XCTAssertGreaterThan(totals.refused, 2000)
        XCTAssertEqual(logged, "", "protobuf or a stage wrote to stderr")
    }

    /// effnet-lite0 from ../shared (skipped when absent: a fresh clone has no shared folder).
    func testMutantsOfEffnetHeaderNeverCrash() throws {
        let url = URL(fileURLWithPath: "/work/shared/models/effnet-lite0.onnx")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("\(url.path) is absent")
        }
        let window = 200 * 1024
        let corpus = try Self.corpus("effnet-lite0.onnx", url, window: window)
        XCTAssertGreaterThan(corpus.lengthFields.count, 100)
        // Truncations inside the first 200 KB parse only the prefix: cheap, so many.
        var random = SplitMix(seed: 3)
        var truncated = 0
        let logged = try capturingStandardError {
            for index in 0..<1000 {
                let cut = random.below(window)
                let source = "effnet-lite0.onnx#cut\(index)@\(cut)"
                do {
                    try Self.readStage(corpus.bytes.prefix(cut), source, corpus.directory)
                } catch {
                    if !Self.isTyped(error, source: source) { XCTFail("\(source): \(error)") }
                    truncated += 1
                }
            }
            // Mutations in the header region of the whole 18 MB file: each parse reads it all.
            let result = fuzz(corpus, count: 150, seed: 4, stages: Self.stages)
            print("fuzz effnet: 1000 truncations (\(truncated) refused), 150 whole-file mutants: \(result.loaded) loaded, \(result.refused) refused")
        }
        XCTAssertEqual(truncated, 1000, "a prefix of effnet cannot hold its whole graph")
        XCTAssertEqual(logged, "")
    }

    /// WINNOW_FUZZ_TRACE=1 prints every mutant before it runs.
    static let trace = ProcessInfo.processInfo.environment["WINNOW_FUZZ_TRACE"] == "1"

    /// The stages every mutant goes through.
    static var stages: [(String, Stage)] { [("ONNXImporter", importStage)] }
}

/// Finds length-delimited fields in protobuf wire format, recursing into those whose payload
/// itself parses as a message.
struct ProtobufScanner {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var out: [UInt8] = []
        repeat {
            var byte = UInt8(value & 0x7F)
            value >>= 7
            if value != 0 { byte |= 0x80 }
            out.append(byte)
        } while value != 0
        return out
    }

    private func readVarint(_ position: inout Int, _ end: Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while position < end && shift < 64 {
            let byte = bytes[position]
            position += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        return nil
    }

    /// Scans [from, to) as a message; appends every length field; false when it is not one.
    /// With `partial`, the last field may run past `to` (a large file scanned in part).
    func scan(from: Int, to end: Int, depth: Int, partial: Bool = true, into fields: inout [(Int, Int, UInt64)]) -> Bool {
        var position = from
        var found: [(Int, Int, UInt64)] = []
        var children: [(start: Int, stop: Int, partial: Bool)] = []
        while position < end {
            guard let tag = readVarint(&position, end), tag >> 3 != 0 else { return partial }
            switch tag & 7 {
            case 0: guard readVarint(&position, end) != nil else { return false }
            case 1: position += 8
            case 5: position += 4
            case 2:
                let lengthPosition = position
                guard let length = readVarint(&position, end) else { return false }
                found.append((lengthPosition, position - lengthPosition, length))
                if length > UInt64(end - position) {
                    guard partial else { return false }
                    children.append((position, end, true))
                    position = end
                } else {
                    children.append((position, position + Int(length), false))
                    position += Int(length)
                }
            default: return false
            }
        }
        guard position == end || partial else { return false }
        fields.append(contentsOf: found)
        if depth < 12 {
            for child in children where child.stop - child.start >= 2 {
                var nested: [(Int, Int, UInt64)] = []
                if scan(from: child.start, to: child.stop, depth: depth + 1, partial: child.partial, into: &nested) {
                    fields.append(contentsOf: nested)
                }
            }
        }
        return true
    }
}
