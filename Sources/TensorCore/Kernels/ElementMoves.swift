/// Dtype-generic element movement behind the shape kernels (Concat, Split, Slice, Pad, Transpose,
/// Gather, nearest Resize). Two primitives cover them all:
/// - a strided copy between two arbitrary layouts, with axis merging and tiled transposes;
/// - a gather (and its adjoint, a scatter-add) through one index table per axis.
/// Every kernel is generic over the element and reached through an explicit switch over the
/// dtypes, so each case is specialised.
enum ElementMoves {
    /// Minimum elements per parallel chunk (these loops are memory bound).
    static let grain = 1 << 15
    /// Edge of the square tiles of a transposing copy.
    static let tile = 32

    // MARK: Strided copy

    /// Drops size-1 axes and merges neighbours that are contiguous in both layouts.
    static func mergeAxes(_ shape: [Int], _ a: [Int], _ b: [Int]) -> (shape: [Int], a: [Int], b: [Int]) {
        var s: [Int] = [], x: [Int] = [], y: [Int] = []
        for i in shape.indices where shape[i] != 1 {
            s.append(shape[i]); x.append(a[i]); y.append(b[i])
        }
        var i = s.count - 1
        while i > 0 {
            if x[i - 1] == x[i] * s[i] && y[i - 1] == y[i] * s[i] {
                s[i - 1] *= s[i]; x[i - 1] = x[i]; y[i - 1] = y[i]
                s.remove(at: i); x.remove(at: i); y.remove(at: i)
            }
            i -= 1
        }
        return (s, x, y)
    }

    /// dst[i·dstStrides] = src[i·srcStrides] for every multi-index i of `shape`.
    /// Strides may be 0 in the source (broadcast views); destination cells must not overlap.
    static func copy<T>(shape: [Int], from src: UnsafePointer<T>, strides srcStrides: [Int],
                        to dst: UnsafeMutablePointer<T>, strides dstStrides: [Int]) {
        let total = Shape.count(shape)
        if total == 0 { return }
        let (s, ss, ds) = mergeAxes(shape, srcStrides, dstStrides)
        if s.isEmpty { dst.pointee = src.pointee; return }
        let r = s.count
        let inner = s[r - 1], si = ss[r - 1], di = ds[r - 1]
        // A transpose: the destination runs along the last axis while the source runs along
        // another one. Copying square tiles keeps both sides in cache.
        if r >= 2 && di == 1 && si != 1, let p = (0..<(r - 1)).first(where: { ss[$0] == 1 }) {
            tiledCopy(shape: s, srcStrides: ss, dstStrides: ds, unitAxis: p, from: src, to: dst)
            return
        }
        let rows = total / inner
        let outerShape = Array(s[0..<(r - 1)]), outerSrc = Array(ss[0..<(r - 1)]), outerDst = Array(ds[0..<(r - 1)])
        Parallel.forRange(rows, grain: max(1, grain / inner)) { range in
            var index = [Int](repeating: 0, count: r - 1)
            var so = 0, dOff = 0
            var rem = range.lowerBound
            for a in stride(from: r - 2, through: 0, by: -1) {
                index[a] = rem % outerShape[a]
                rem /= outerShape[a]
                so += index[a] * outerSrc[a]
                dOff += index[a] * outerDst[a]
            }
            for _ in range {
                let sp = src + so, dp = dst + dOff
                if si == 1 && di == 1 {
                    dp.update(from: sp, count: inner)
                } else if si == 0 {
                    let v = sp.pointee
                    for k in 0..<inner { dp[k * di] = v }
                } else {
                    for k in 0..<inner { dp[k * di] = sp[k * si] }
                }
                var a = r - 2
                while a >= 0 {
                    index[a] += 1; so += outerSrc[a]; dOff += outerDst[a]
                    if index[a] < outerShape[a] { break }
                    so -= outerSrc[a] * outerShape[a]; dOff -= outerDst[a] * outerShape[a]
                    index[a] = 0
                    a -= 1
                }
            }
        }
    }

    /// The transposing case of `copy`: `unitAxis` has source stride 1, the last axis has
    /// destination stride 1. Work items are (outer row, tile of `unitAxis`).
    static func tiledCopy<T>(shape s: [Int], srcStrides ss: [Int], dstStrides ds: [Int], unitAxis p: Int,
                             from src: UnsafePointer<T>, to dst: UnsafeMutablePointer<T>) {
        let q = s.count - 1
        let others = (0..<s.count).filter { $0 != p && $0 != q }
        let oShape = others.map { s[$0] }, oSrc = others.map { ss[$0] }, oDst = others.map { ds[$0] }
        let rows = Shape.count(oShape)
        let np = s[p], nq = s[q]
        let pTiles = (np + tile - 1) / tile
        let pSrc = ss[p], pDst = ds[p], qSrc = ss[q], qDst = ds[q]
        Parallel.forRange(rows * pTiles, grain: max(1, grain / (tile * nq))) { range in
            for unit in range {
                var row = unit / pTiles
                let a0 = (unit % pTiles) * tile, a1 = min(a0 + tile, np)
                var so = 0, dOff = 0
                for k in stride(from: others.count - 1, through: 0, by: -1) {
                    let i = row % oShape[k]
                    row /= oShape[k]
                    so += i * oSrc[k]
                    dOff += i * oDst[k]
                }
                var b0 = 0
                while b0 < nq {
                    let b1 = min(b0 + tile, nq)
                    for a in a0..<a1 {
                        let sp = src + so + a * pSrc, dp = dst + dOff + a * pDst
                        for b in b0..<b1 { dp[b * qDst] = sp[b * qSrc] }
                    }
                    b0 = b1
                }
            }
        }
    }

    // MARK: Gather / scatter-add through per-axis index tables

    /// Gathers `src` (dense, `inShape`) through per-axis tables into dense `dst` of `maps.outShape`:
    /// dst[i0, i1, …] = src[map0[i0], map1[i1], …], or `fill` where any entry is -1.
    static func gather<T>(_ maps: AxisMaps, from src: UnsafePointer<T>, fill: T, to dst: UnsafeMutablePointer<T>) {
        let plan = maps.plan()
        if plan.total == 0 { return }
        if plan.rank == 0 || plan.lastMapped < 0 { dst.update(from: src, count: plan.total); return }
        let L = plan.lastMapped, lenL = plan.lengthL, block = plan.block
        let rowSize = lenL * block
        plan.table.withUnsafeBufferPointer { tableBuffer in
            guard let table = tableBuffer.baseAddress else { return }
            let mapL = table + plan.starts[L]
            Parallel.forRange(plan.rows, grain: max(1, grain / rowSize)) { range in
                var index = plan.rowIndex(range.lowerBound)
                for row in range {
                    let off = plan.rowOffset(index, table)
                    let d = dst + row * rowSize
                    if off < 0 {
                        d.update(repeating: fill, count: rowSize)
                    } else if block == 1 {
                        let s = src + off
                        for j in 0..<lenL {
                            let m = mapL[j]
                            d[j] = m >= 0 ? s[m] : fill
                        }
                    } else {
                        let s = src + off
                        for j in 0..<lenL {
                            let m = mapL[j]
                            if m >= 0 {
                                (d + j * block).update(from: s + m * block, count: block)
                            } else {
                                (d + j * block).update(repeating: fill, count: block)
                            }
                        }
                    }
                    plan.advance(&index)
                }
            }
        }
    }

    /// The adjoint of `gather`: dst[map0[i0], …] += g[i0, …] for entries that are not -1.
    /// `dst` is dense `maps.inShape` and already initialised (zeros for a gradient).
    /// Work is split only over leading axes whose tables are injective, so no two threads
    /// ever add into the same cell and the summation order is fixed.
    static func scatterAdd<T: AdditiveArithmetic>(_ maps: AxisMaps, from g: UnsafePointer<T>, into dst: UnsafeMutablePointer<T>) {
        let plan = maps.plan()
        if plan.total == 0 { return }
        if plan.rank == 0 || plan.lastMapped < 0 {
            for i in 0..<plan.total { dst[i] += g[i] }
            return
        }
        let L = plan.lastMapped, lenL = plan.lengthL, block = plan.block
        let rowSize = lenL * block
        var injective = 0
        while injective < L && maps.isInjective(axis: injective) { injective += 1 }
        let groups = Shape.count(Array(plan.outShape[0..<injective]))
        let rowsPerGroup = plan.rows / groups
        plan.table.withUnsafeBufferPointer { tableBuffer in
            guard let table = tableBuffer.baseAddress else { return }
            let mapL = table + plan.starts[L]
            Parallel.forRange(groups, grain: max(1, grain / max(1, rowsPerGroup * rowSize))) { groupRange in
                let first = groupRange.lowerBound * rowsPerGroup, end = groupRange.upperBound * rowsPerGroup
                var index = plan.rowIndex(first)
                for row in first..<end {
                    let off = plan.rowOffset(index, table)
                    if off >= 0 {
                        let gp = g + row * rowSize, s = dst + off
                        if block == 1 {
                            for j in 0..<lenL {
                                let m = mapL[j]
                                if m >= 0 { s[m] += gp[j] }
                            }
                        } else {
                            for j in 0..<lenL {
                                let m = mapL[j]
                                guard m >= 0 else { continue }
                                let t = s + m * block, u = gp + j * block
                                for k in 0..<block { t[k] += u[k] }
                            }
                        }
                    }
                    plan.advance(&index)
                }
            }
        }
    }
}

/// One index table per axis: output cell (i0, i1, …) reads input cell (maps[0][i0], maps[1][i1], …);
/// an entry of -1 reads nothing (a fill value, or no gradient). Shared by Slice, Pad, Split,
/// Gather and nearest Resize.
struct AxisMaps: Sendable {
    /// Shape of the dense tensor being read.
    let inShape: [Int]
    /// maps[a][i] ∈ -1 ..< inShape[a].
    var maps: [[Int]]

    /// Identity tables (the output equals the input) to be edited axis by axis.
    init(identity inShape: [Int]) {
        self.inShape = inShape
        self.maps = inShape.map { Array(0..<$0) }
    }

    /// Shape of the gathered tensor.
    var outShape: [Int] { maps.map(\.count) }

    func isIdentity(axis: Int) -> Bool {
        let m = maps[axis]
        guard m.count == inShape[axis] else { return false }
        for i in m.indices where m[i] != i { return false }
        return true
    }

    func isInjective(axis: Int) -> Bool {
        var seen = [Bool](repeating: false, count: inShape[axis])
        for m in maps[axis] where m >= 0 {
            if seen[m] { return false }
            seen[m] = true
        }
        return true
    }

    /// Precomputed traversal: rows over the axes before the last non-identity axis L; each row
    /// walks L's table and moves blocks made of all the (identity) axes after L.
    func plan() -> AxisMapPlan {
        let rank = inShape.count
        let outShape = self.outShape
        var b = rank
        while b > 0 && isIdentity(axis: b - 1) { b -= 1 }
        let L = b - 1
        let block = Shape.count(Array(inShape[b...]))
        var table: [Int] = [], starts: [Int] = []
        for a in 0..<max(L + 1, 0) {
            starts.append(table.count)
            table += maps[a]
        }
        let total = Shape.count(outShape)
        let lengthL = L >= 0 ? outShape[L] : 0
        let rows = L >= 0 && lengthL * block > 0 ? total / (lengthL * block) : 0
        return AxisMapPlan(rank: rank, outShape: outShape, inStrides: Shape.contiguousStrides(inShape),
                           lastMapped: L, lengthL: lengthL, block: block, rows: rows, total: total,
                           table: table, starts: starts)
    }
}

/// The traversal `AxisMaps.plan()` computes (see there).
struct AxisMapPlan: Sendable {
    let rank: Int
    let outShape: [Int]
    let inStrides: [Int]
    /// Last axis whose table is not the identity (-1 when all are).
    let lastMapped: Int
    let lengthL: Int
    /// Elements moved per table entry of axis L.
    let block: Int
    let rows: Int
    let total: Int
    /// Tables of axes 0...L, concatenated.
    let table: [Int]
    let starts: [Int]

    /// Multi-index over axes 0..<L of a row number.
    func rowIndex(_ row: Int) -> [Int] {
        var index = [Int](repeating: 0, count: max(lastMapped, 0))
        var rem = row
        for a in stride(from: lastMapped - 1, through: 0, by: -1) {
            index[a] = rem % outShape[a]
            rem /= outShape[a]
        }
        return index
    }

    /// Input element offset of a row's start, or -1 when a table entry of the row is -1.
    @inline(__always)
    func rowOffset(_ index: [Int], _ table: UnsafePointer<Int>) -> Int {
        var off = 0
        for a in 0..<lastMapped {
            let m = table[starts[a] + index[a]]
            if m < 0 { return -1 }
            off += m * inStrides[a]
        }
        return off
    }

    @inline(__always)
    func advance(_ index: inout [Int]) {
        var a = lastMapped - 1
        while a >= 0 {
            index[a] += 1
            if index[a] < outShape[a] { return }
            index[a] = 0
            a -= 1
        }
    }
}

extension Tensor {
    /// Typed start of this tensor's elements (its storage plus offset).
    @inline(__always)
    func elementPointer<T: TensorElement>(_: T.Type) -> UnsafeMutablePointer<T> {
        storage.pointer(as: T.self) + offset
    }

    /// A new dense tensor gathered from `x` through `maps` (-1 entries take `fill`). Any dtype.
    static func gatheringAxes(_ x: Tensor, _ maps: AxisMaps, fill: Double = 0) -> Tensor {
        let source = x.contiguous()
        let out = Tensor(uninitialized: maps.outShape, dtype: x.dtype)
        func run<T: TensorElement>(_: T.Type) {
            ElementMoves.gather(maps, from: source.elementPointer(T.self), fill: T(fromDouble: fill),
                                to: out.storage.pointer(as: T.self))
        }
        switch x.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        case .float16: run(Float16.self)
        case .int64: run(Int64.self)
        case .int32: run(Int32.self)
        case .int8: run(Int8.self)
        case .uint8: run(UInt8.self)
        case .bool: run(Bool.self)
        }
        return out
    }

    /// Zeros of `maps.inShape` with `g` (of `maps.outShape`) scatter-added through `maps`:
    /// the gradient of `gatheringAxes`. Floating dtypes only.
    static func scatterAddingAxes(_ g: Tensor, _ maps: AxisMaps, op: String) throws -> Tensor {
        guard g.shape == maps.outShape else {
            throw TensorError.shapeMismatch(op: op, detail: "gradient shape \(g.shape) differs from output shape \(maps.outShape)")
        }
        let source = g.contiguous()
        let out = Tensor(zeros: maps.inShape, dtype: g.dtype)
        func run<T: TensorElement & AdditiveArithmetic>(_: T.Type) {
            ElementMoves.scatterAdd(maps, from: source.elementPointer(T.self), into: out.storage.pointer(as: T.self))
        }
        switch g.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        case .float16: run(Float16.self)
        default: throw TensorError.unsupportedDType(op: "\(op) gradient", dtype: g.dtype)
        }
        return out
    }

    /// Copies `x` (any layout, read through its own strides) into `out`, viewed from element
    /// `dstOffset` with `dstStrides` over `x.shape` permuted by `permutation` (source axis
    /// `permutation[i]` becomes destination axis i).
    static func copyElements(of x: Tensor, permutation: [Int], into out: Tensor, at dstOffset: Int, strides dstStrides: [Int]) {
        let shape = permutation.map { x.shape[$0] }
        let srcStrides = permutation.map { x.strides[$0] }
        func run<T: TensorElement>(_: T.Type) {
            ElementMoves.copy(shape: shape, from: x.elementPointer(T.self), strides: srcStrides,
                              to: out.storage.pointer(as: T.self) + dstOffset, strides: dstStrides)
        }
        switch x.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        case .float16: run(Float16.self)
        case .int64: run(Int64.self)
        case .int32: run(Int32.self)
        case .int8: run(Int8.self)
        case .uint8: run(UInt8.self)
        case .bool: run(Bool.self)
        }
    }
}
