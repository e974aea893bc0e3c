import Foundation

/// Which file bands make one image, in output channel order: one file with a band list
/// (`scene.tif:3,2,1`) or single bands stacked from several files (`B4.TIF+B3.TIF+B2.TIF`).
public struct RasterSpec: Sendable, Equatable {
    /// One output channel: band `band` (1-based) of `path`.
    public struct Channel: Sendable, Equatable {
        public var path: String
        public var band: Int
        public init(path: String, band: Int) { self.path = path; self.band = band }
    }

    /// Output channels in order.
    public var channels: [Channel]
    /// The source name used in sample ids (no ':' inside).
    public var name: String

    public init(channels: [Channel], name: String) {
        self.channels = channels
        self.name = RasterSpec.sanitized(name)
    }

    /// The files the spec reads, each once, in order of first use.
    public var paths: [String] {
        var seen = Set<String>(), out: [String] = []
        for c in channels where seen.insert(c.path).inserted { out.append(c.path) }
        return out
    }

    /// Parses a command-line raster argument. An existing path is taken literally; otherwise
    /// `PATH:B,B,...` picks bands and `A+B+C` stacks files (each part may carry `:B`).
    /// Bands left unnamed come from `defaultBands` (nil: the file's first three bands, or its
    /// only band; an alpha band is never picked by default).
    public static func parse(_ argument: String, defaultBands: [Int]?,
                             fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) throws -> RasterSpec {
        func part(_ text: String) throws -> (path: String, bands: [Int]?) {
            if fileExists(text) { return (text, nil) }
            if let colon = text.lastIndex(of: ":") {
                let path = String(text[..<colon]), list = String(text[text.index(after: colon)...])
                if fileExists(path) {
                    let bands = list.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
                    guard !bands.isEmpty, bands.allSatisfy({ $0 != nil }) else {
                        throw DatasetsError.invalidOption("cannot read the band list '\(list)' in '\(text)': write bands as 1-based numbers, e.g. \(path):3,2,1")
                    }
                    return (path, bands.compactMap { $0 })
                }
            }
            throw DatasetsError.unreadable(path: text, reason: "no such file")
        }
        if fileExists(argument) || !argument.contains("+") {
            let (path, bands) = try part(argument)
            let chosen = try bands ?? defaultBands ?? defaultChoice(path)
            return RasterSpec(channels: chosen.map { Channel(path: path, band: $0) }, name: stem(path))
        }
        var channels: [Channel] = []
        var stems: [String] = []
        for piece in argument.split(separator: "+").map(String.init) {
            let (path, bands) = try part(piece)
            for b in bands ?? [1] { channels.append(Channel(path: path, band: b)) }
            stems.append(stem(path))
        }
        return RasterSpec(channels: channels, name: commonName(stems))
    }

    /// First three non-alpha bands, or the single band of a grey file.
    static func defaultChoice(_ path: String) throws -> [Int] {
        let file = try RasterFile(path: path)
        let alpha = try file.alphaBand()
        let usable = (1...file.bandCount).filter { $0 != alpha }
        return usable.count >= 3 ? Array(usable.prefix(3)) : [usable.first ?? 1]
    }

    /// The file name without folder and extension.
    public static func stem(_ path: String) -> String {
        let file = (path as NSString).lastPathComponent
        let ext = (file as NSString).pathExtension
        return ext.isEmpty ? file : String(file.dropLast(ext.count + 1))
    }

    /// The shared start of the stems, cut back to a separator (`X_RT_B4`, `X_RT_B3` -> `X_RT`).
    static func commonName(_ stems: [String]) -> String {
        guard var prefix = stems.first else { return "stack" }
        for s in stems.dropFirst() {
            prefix = String(zip(prefix, s).prefix { $0 == $1 }.map(\.0))
        }
        if stems.allSatisfy({ $0 == prefix }) { return prefix }
        let separators: Set<Character> = ["_", "-", ".", " "]
        if let cut = prefix.lastIndex(where: { separators.contains($0) }) { prefix = String(prefix[..<cut]) }
        return prefix.isEmpty ? stems.joined(separator: "+") : prefix
    }

    /// Replaces characters that would break an id (`:` separates the source from the position).
    static func sanitized(_ name: String) -> String {
        String(name.map { $0 == ":" || $0 == "\n" || $0 == "," || $0 == "\"" ? "_" : $0 })
    }
}
