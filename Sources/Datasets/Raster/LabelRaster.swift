/// A class-per-pixel raster (band 1): integer class values, nodata pixels carry no class.
public struct LabelRaster: Sendable {
    public let path: String
    public let width: Int
    public let height: Int
    /// The distinct class values present, ascending; `codes` index into it.
    public let classValues: [Int]
    /// H×W dense class index per pixel, −1 for nodata.
    public let codes: [Int32]

    /// Reads band 1 of `path`; throws when a valid value is not an integer.
    public static func read(path: String) throws -> LabelRaster {
        let file = try RasterFile(path: path)
        let values = try file.read(band: 1)
        let mask = try file.readMask(band: 1)
        var present = Set<Int>()
        for i in values.indices where (mask?[i] ?? 1) != 0 && !values[i].isNaN {
            let v = values[i]
            guard v == v.rounded(), abs(v) < 1e9 else {
                throw DatasetsError.malformed(path: path, reason: "label value \(v) at pixel \(i % file.width),\(i / file.width) is not an integer class")
            }
            present.insert(Int(v))
        }
        let classValues = present.sorted()
        guard classValues.count <= 65536 else {
            throw DatasetsError.malformed(path: path, reason: "\(classValues.count) distinct label values; a label raster holds classes, not measurements")
        }
        var index: [Int: Int32] = [:]
        for (i, v) in classValues.enumerated() { index[v] = Int32(i) }
        var codes = [Int32](repeating: -1, count: values.count)
        for i in values.indices where (mask?[i] ?? 1) != 0 && !values[i].isNaN {
            codes[i] = index[Int(values[i])] ?? -1
        }
        return LabelRaster(path: path, width: file.width, height: file.height, classValues: classValues, codes: codes)
    }

    public init(path: String, width: Int, height: Int, classValues: [Int], codes: [Int32]) {
        self.path = path; self.width = width; self.height = height
        self.classValues = classValues; self.codes = codes
    }
}
