import ArgumentParser
import Datasets
import Foundation
import TensorCore

/// `winnow data tiles RASTER... --size 32 --stride 32 --out POOL`: patches from rasters.
struct DataTilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tiles",
        abstract: "Cut rasters into patches (nodata skipped, non-8-bit bands stretched) and pack them as a pool.",
        discussion: """
        RASTER is a file GDAL reads (TIFF of any compression, PNG, JPEG, VRT), optionally with \
        bands: scene.tif:4,3,2; single-band files stack with '+': B4.TIF+B3.TIF+B2.TIF. \
        Sample ids are SOURCE:ROW:COLUMN of the patch's top-left pixel, SOURCE the file name \
        without extension (the shared prefix for stacks).
        """)

    @Argument(help: "Raster files (PATH, PATH:B,B,B or A+B+C).")
    var rasters: [String]

    @Option(name: .long, help: "A class-per-pixel raster covering the same pixels as every RASTER.")
    var labels: String?

    @Option(name: .long, help: "Minimum fraction of a patch's pixels in its majority class (with --labels).")
    var purity = 0.5

    @Option(name: .long, help: "Names for label values, e.g. 1=developed,2=agriculture (default: the values).")
    var classNames: String?

    @Option(name: .long, help: "Bands for rasters given without a band list, e.g. 3,2,1 (default: first three, or the only band).")
    var bands: String?

    @Option(name: .long, help: "Patch side in pixels.")
    var size = 32

    @Option(name: .long, help: "Step between patches in pixels (default: --size).")
    var stride: Int?

    @Option(name: .long, help: "Percentiles stretched to 0 and 255, e.g. 2,98.")
    var percentiles = "2,98"

    @Option(name: .long, help: "auto: stretch all but 8-bit bands; always; never (round and clamp).")
    var stretch = "auto"

    @Option(name: .long, help: "Treat this value as nodata in every band (besides the files' own nodata).")
    var nodata: Double?

    @OptionGroup var output: PoolOutputOptions

    func run() throws {
        let defaultBands = try bands.map { try DataSupport.integers($0, option: "--bands") }
        let p = try DataSupport.doubles(percentiles, option: "--percentiles")
        guard p.count == 2 else { throw ValidationError("--percentiles takes two numbers, e.g. 2,98") }
        guard let mode = RasterImage.StretchMode(rawValue: stretch) else {
            throw ValidationError("--stretch \(stretch): expected one of \(RasterImage.StretchMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let options = RasterImage.Options(stretch: mode, percentiles: try PercentileStretch(low: p[0], high: p[1]), nodata: nodata)
        let tiler = try RasterTiler(size: size, stride: stride ?? size, purity: purity)
        let names = try classNames.map(Self.parseClassNames) ?? [:]

        // Everything that can be checked without pixels is checked first.
        var specs: [RasterSpec] = []
        var skipped: [String] = []
        var labelSize: (Int, Int)?
        if let labels {
            let file = try RasterFile(path: labels)
            labelSize = (file.width, file.height)
        }
        for argument in rasters {
            do {
                let spec = try RasterSpec.parse(argument, defaultBands: defaultBands)
                let (w, h) = try RasterImage.validate(spec)
                if let (lw, lh) = labelSize, lw != w || lh != h, let labels {
                    throw DatasetsError.sizeMismatch(path: labels, expected: "\(w)x\(h) like \(argument)", got: "\(lw)x\(lh)")
                }
                if let first = specs.first, first.channels.count != spec.channels.count {
                    throw DatasetsError.invalidOption("\(argument) gives \(spec.channels.count) channel(s) but \(first.name) gives \(first.channels.count); choose bands so every raster gives the same number (PATH:B,B,B)")
                }
                if tiler.gridCount(width: w, height: h) == 0 {
                    Console.info("warning: \(argument) is \(w)x\(h), smaller than one \(size)x\(size) patch")
                }
                specs.append(spec)
            } catch let error as DatasetsError {
                guard case .unreadable = error, !output.strict else { throw error }
                Console.info("warning: skipping \(argument): \(error)")
                skipped.append(argument)
            }
        }
        guard !specs.isEmpty else { throw DatasetsError.emptyResult("no readable raster among the \(rasters.count) given") }
        let grid = try specs.reduce(0) { total, spec in
            let (w, h) = try RasterImage.validate(spec)
            return total + tiler.gridCount(width: w, height: h)
        }
        guard grid > 0 else { throw DatasetsError.emptyResult("no \(size)x\(size) patch fits in any raster") }
        Self.makeUnique(&specs)

        let labelRaster = try labels.map { try LabelRaster.read(path: $0) }
        var images: [(RasterImage, [RasterTiler.Patch])] = []
        var provenance = ["command": DataSupport.commandLine, "size": "\(size)", "stride": "\(stride ?? size)",
                          "percentiles": percentiles, "stretch": stretch]
        if let labels { provenance["labels"] = labels; provenance["purity"] = "\(purity)" }
        for (k, spec) in specs.enumerated() {
            let start = DispatchTime.now().uptimeNanoseconds
            do {
                let image = try RasterImage.read(spec, options: options)
                let patches = try tiler.patches(of: image, labels: labelRaster)
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                let bounds = image.stretches.enumerated().map { c, s in
                    s.map { String(format: "band %d: %g..%g", spec.channels[c].band, $0.low, $0.high) } ?? "band \(spec.channels[c].band): as stored"
                }.joined(separator: "; ")
                Console.info(String(format: "tiles [%d/%d] %@: %dx%d, kept %d of %d patches (%.1f s; %@)", k + 1, specs.count,
                                    spec.name, image.width, image.height, patches.count,
                                    tiler.gridCount(width: image.width, height: image.height), seconds, bounds))
                provenance["source.\(spec.name)"] = spec.channels.map { "\($0.path):\($0.band)" }.joined(separator: "+") + " [\(bounds)]"
                images.append((image, patches))
            } catch let error as DatasetsError {
                guard case .unreadable = error, !output.strict else { throw error }
                let files = spec.paths.joined(separator: "+")
                Console.info("warning: skipping \(files): \(error)")
                skipped.append(files)
            }
        }
        let total = images.reduce(0) { $0 + $1.1.count }
        guard total > 0 else {
            throw DatasetsError.emptyResult("every patch touched nodata\(labels == nil ? "" : " or fell below purity \(purity)"); nothing was written")
        }
        let channels = specs[0].channels.count
        var pixels: [UInt8] = []
        pixels.reserveCapacity(total * channels * size * size)
        var ids: [SampleID] = [], patchLabels: [Int] = []
        for (image, patches) in images {
            pixels += tiler.extract(patches, from: image)
            for p in patches {
                ids.append(SampleID(source: image.name, y: p.y, x: p.x))
                if let l = p.label { patchLabels.append(l) }
            }
        }
        let tensor = try Tensor(shape: [total, channels, size, size], scalars: pixels)
        pixels = []
        let classNames = labelRaster?.classValues.map { names[$0] ?? String($0) } ?? []
        let dataset = try Dataset(images: tensor, ids: ids, labels: labelRaster == nil ? nil : patchLabels, classNames: classNames)
        try DataSupport.finish(dataset, out: output.out, provenance: provenance, overwrite: output.overwrite,
                               json: output.json, skipped: skipped)
    }

    /// "1=developed,2=agriculture" -> [1: "developed", 2: "agriculture"].
    static func parseClassNames(_ text: String) throws -> [Int: String] {
        var out: [Int: String] = [:]
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let value = Int(parts[0]), !parts[1].isEmpty else {
                throw ValidationError("--class-names \(text): expected VALUE=NAME pairs, e.g. 1=developed,2=agriculture")
            }
            out[value] = parts[1]
        }
        return out
    }

    /// Two rasters with the same file stem get -2, -3, ... so ids stay unique.
    static func makeUnique(_ specs: inout [RasterSpec]) {
        var seen: [String: Int] = [:]
        for i in specs.indices {
            let name = specs[i].name
            let n = (seen[name] ?? 0) + 1
            seen[name] = n
            if n > 1 { specs[i] = RasterSpec(channels: specs[i].channels, name: "\(name)-\(n)") }
        }
    }
}
