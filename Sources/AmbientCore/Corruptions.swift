// Ambient Diffusion's further corruption Ã = B·A: from an observed sampling mask A, remove
// extra samples so that the network learns to predict samples it cannot see. The
// auto-calibration (ACS) region is never removed, so coil maps stay estimable, and the
// result is always a subset of A.

/// A rectangle of the k-space plane [rows (ky), columns (kx)].
public struct CalibrationRegion: Codable, Sendable, Equatable {
    public var rows: Range<Int>
    public var columns: Range<Int>

    public init(rows: Range<Int>, columns: Range<Int>) {
        self.rows = rows
        self.columns = columns
    }

    public var shape: [Int] { [rows.count, columns.count] }

    public func contains(row: Int, column: Int) -> Bool { rows.contains(row) && columns.contains(column) }

    /// The largest fully sampled rectangle around the centre (H/2, W/2) of a [ky, kx] mask,
    /// grown one row or column at a time on each side while the new edge is fully sampled.
    /// For a Cartesian line mask this is all rows × the ACS columns; for a Poisson mask, the
    /// calibration square. Nil when the centre itself is not sampled.
    public static func detect(in mask: RealArray) -> CalibrationRegion? {
        precondition(mask.rank == 2, "CalibrationRegion.detect: mask must be [ky, kx], got \(mask.shape)")
        let h = mask.shape[0], w = mask.shape[1]
        return mask.withUnsafeBufferPointer { m in
            detect(height: h, width: w) { m[$0 * w + $1] != 0 }
        }
    }

    /// As `detect(in:)` for the sampling pattern of multi-coil k-space [C, ky, kx]: a position
    /// counts as sampled when any coil is non-zero there (BART's pattern estimate).
    public static func detect(inKSpace kspace: ComplexArray) -> CalibrationRegion? {
        precondition(kspace.rank == 3, "CalibrationRegion.detect: k-space must be [coils, ky, kx], got \(kspace.shape)")
        return detect(in: samplingPattern(of: kspace))
    }

    /// 1 where any coil of [C, ky, kx] k-space is non-zero.
    public static func samplingPattern(of kspace: ComplexArray) -> RealArray {
        let c = kspace.shape[0], plane = kspace.shape[1] * kspace.shape[2]
        return kspace.withUnsafeBufferPointer { k in
            RealArray(shape: [kspace.shape[1], kspace.shape[2]]) { out in
                for i in 0..<plane {
                    var any = false
                    for coil in 0..<c where k[coil * plane + i] != .zero { any = true; break }
                    out[i] = any ? 1 : 0
                }
            }
        }
    }

    static func detect(height h: Int, width w: Int, sampled: (Int, Int) -> Bool) -> CalibrationRegion? {
        guard h > 0, w > 0, sampled(h / 2, w / 2) else { return nil }
        var top = h / 2, bottom = h / 2 + 1, left = w / 2, right = w / 2 + 1
        var grew = true
        while grew {
            grew = false
            if top > 0, (left..<right).allSatisfy({ sampled(top - 1, $0) }) { top -= 1; grew = true }
            if bottom < h, (left..<right).allSatisfy({ sampled(bottom, $0) }) { bottom += 1; grew = true }
            if left > 0, (top..<bottom).allSatisfy({ sampled($0, left - 1) }) { left -= 1; grew = true }
            if right < w, (top..<bottom).allSatisfy({ sampled($0, right) }) { right += 1; grew = true }
        }
        return CalibrationRegion(rows: top..<bottom, columns: left..<right)
    }
}

/// How many further samples to remove from an observed mask.
public enum FurtherCorruption: Codable, Sendable, Equatable {
    /// Each sampled position outside the calibration region is removed with probability δ.
    case pixels(probability: Double)
    /// This many sampled columns outside the ACS columns are removed (a line mask is required).
    case lines(count: Int)
    /// round(fraction · number of sampled non-ACS columns) are removed (a line mask is required).
    case lineFraction(fraction: Double)
}

public enum Corruptions {
    /// Ã = B·A: removes further samples from `mask` ([ky, kx], 0/1) as `corruption` says,
    /// never inside `protected` (default: the detected centre calibration region).
    /// The result is a subset of `mask`.
    public static func furtherCorrupt(_ mask: RealArray, by corruption: FurtherCorruption,
                                      protecting protected: CalibrationRegion? = nil,
                                      using rng: inout SeededGenerator) throws -> RealArray {
        guard mask.rank == 2 else { throw AmbientError(.badShape, "mask", "mask must be [ky, kx], got \(mask.shape)") }
        let h = mask.shape[0], w = mask.shape[1]
        let region = protected ?? CalibrationRegion.detect(in: mask)
        var out = mask
        switch corruption {
        case let .pixels(delta):
            guard delta >= 0, delta <= 1 else {
                throw AmbientError(.badArgument, "further corruption", "pixel probability must be in [0, 1], got \(delta)")
            }
            out.withUnsafeMutableBufferPointer { m in
                for y in 0..<h {
                    for x in 0..<w where m[y * w + x] != 0 {
                        if region?.contains(row: y, column: x) == true { continue }
                        if Double(rng.nextUniform()) < delta { m[y * w + x] = 0 }
                    }
                }
            }
        case let .lines(count):
            try removeLines(from: &out, count: { _ in count }, acs: region?.columns, rng: &rng)
        case let .lineFraction(fraction):
            guard fraction >= 0, fraction <= 1 else {
                throw AmbientError(.badArgument, "further corruption", "line fraction must be in [0, 1], got \(fraction)")
            }
            try removeLines(from: &out, count: { Int((Double($0) * fraction).rounded()) }, acs: region?.columns, rng: &rng)
        }
        return out
    }

    /// The sampled columns of a line mask (throws when the mask is not constant along ky).
    public static func sampledColumns(of mask: RealArray) throws -> [Int] {
        guard mask.rank == 2 else { throw AmbientError(.badShape, "mask", "mask must be [ky, kx], got \(mask.shape)") }
        let h = mask.shape[0], w = mask.shape[1]
        return try mask.withUnsafeBufferPointer { m in
            var columns: [Int] = []
            for x in 0..<w {
                let first = m[x]
                for y in 1..<max(h, 1) where m[y * w + x] != first {
                    throw AmbientError(.badArgument, "mask",
                                       "line corruption needs a Cartesian line mask (columns constant along ky); column \(x) is not")
                }
                if first != 0 { columns.append(x) }
            }
            return columns
        }
    }

    private static func removeLines(from mask: inout RealArray, count: (Int) -> Int, acs: Range<Int>?,
                                    rng: inout SeededGenerator) throws {
        var candidates = try sampledColumns(of: mask).filter { !(acs?.contains($0) ?? false) }
        let n = count(candidates.count)
        guard n >= 0, n <= candidates.count else {
            throw AmbientError(.badArgument, "further corruption",
                               "cannot remove \(n) lines: only \(candidates.count) sampled non-ACS lines")
        }
        // Partial Fisher–Yates: the first n of a uniform random permutation.
        for i in 0..<n {
            let j = i + Int(rng.next() % UInt64(candidates.count - i))
            candidates.swapAt(i, j)
        }
        let h = mask.shape[0], w = mask.shape[1]
        mask.withUnsafeMutableBufferPointer { m in
            for x in candidates.prefix(n) { for y in 0..<h { m[y * w + x] = 0 } }
        }
    }
}
