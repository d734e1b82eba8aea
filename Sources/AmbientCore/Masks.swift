import Foundation

// Sampling masks over the k-space plane [ky, kx] (1 = sampled) and image-domain inpainting
// masks [y, x] (1 = observed). Cartesian lines are columns: the last axis (kx) is the
// phase-encoding direction, as fastMRI's 1-D masks of length W (docs/conventions.md).

/// A 1-D Cartesian line mask: which phase-encoding columns are sampled.
public struct CartesianLineMask: Sendable, Equatable {
    /// [W]: 1 where the column is sampled.
    public let columns: RealArray
    /// The fully sampled centre block (auto-calibration signal lines).
    public let acsColumns: Range<Int>

    public var width: Int { columns.count }

    /// The [H, W] mask: every row repeats `columns`.
    public func expanded(height: Int) -> RealArray {
        let w = width
        return columns.withUnsafeBufferPointer { c in
            RealArray(shape: [height, w]) { out in
                for y in 0..<height { for x in 0..<w { out[y * w + x] = c[x] } }
            }
        }
    }
}

public enum SamplingMasks {
    /// fastMRI's RandomMaskFunc: a block of ACS columns at the centre, every other column
    /// drawn independently with the probability that makes the expected acceleration R.
    /// Give the ACS block as `centerFraction` (of W, rounded) or as `acsLines`.
    public static func cartesianRandom(width: Int, acceleration: Double, centerFraction: Double? = nil,
                                       acsLines: Int? = nil, using rng: inout SeededGenerator) throws -> CartesianLineMask {
        let acs = try centreColumns(width: width, acceleration: acceleration, centerFraction: centerFraction, acsLines: acsLines)
        let low = acs.count
        // P(sampled) for outer columns so that (low + p (W − low)) = W / R on average.
        let p = low < width ? min(1, max(0, (Double(width) / acceleration - Double(low)) / Double(width - low))) : 0
        var columns = [Float](repeating: 0, count: width)
        for x in 0..<width where Double(rng.nextUniform()) < p { columns[x] = 1 }
        for x in acs { columns[x] = 1 }
        return CartesianLineMask(columns: RealArray(shape: [width], elements: columns), acsColumns: acs)
    }

    /// fastMRI's EquispacedMaskFunc: the ACS block plus columns at a constant spacing (the
    /// spacing is adjusted so that, with the ACS block, the acceleration is R), random offset.
    public static func cartesianEquispaced(width: Int, acceleration: Double, centerFraction: Double? = nil,
                                           acsLines: Int? = nil, using rng: inout SeededGenerator) throws -> CartesianLineMask {
        let acs = try centreColumns(width: width, acceleration: acceleration, centerFraction: centerFraction, acsLines: acsLines)
        let low = Double(acs.count), w = Double(width)
        var columns = [Float](repeating: 0, count: width)
        let denominator = low * acceleration - w
        if denominator < 0 {  // otherwise the ACS block alone already reaches R
            let spacing = acceleration * (low - w) / denominator
            let offsetRange = max(1, Int(spacing.rounded()))
            let offset = Int(rng.next() % UInt64(offsetRange))
            var position = Double(offset)
            while position < w - 1 {
                let x = Int(position.rounded())
                if x < width { columns[x] = 1 }
                position += spacing
            }
        }
        for x in acs { columns[x] = 1 }
        return CartesianLineMask(columns: RealArray(shape: [width], elements: columns), acsColumns: acs)
    }

    /// The centred ACS block: `acsLines` columns, or round(W · centerFraction); starts at
    /// (W − n + 1) / 2 as in fastMRI.
    static func centreColumns(width: Int, acceleration: Double, centerFraction: Double?, acsLines: Int?) throws -> Range<Int> {
        guard width > 0 else { throw AmbientError(.badArgument, "mask", "width must be positive, got \(width)") }
        guard acceleration >= 1, acceleration.isFinite else {
            throw AmbientError(.badArgument, "mask", "acceleration must be ≥ 1, got \(acceleration)")
        }
        let count: Int
        switch (centerFraction, acsLines) {
        case let (f?, nil):
            guard f >= 0, f <= 1 else { throw AmbientError(.badArgument, "mask", "centre fraction must be in [0, 1], got \(f)") }
            count = Int((Double(width) * f).rounded())
        case let (nil, n?):
            guard n >= 0, n <= width else { throw AmbientError(.badArgument, "mask", "ACS lines must be in 0...\(width), got \(n)") }
            count = n
        case (nil, nil):
            throw AmbientError(.badArgument, "mask", "give either a centre fraction or a number of ACS lines")
        default:
            throw AmbientError(.badArgument, "mask", "give a centre fraction or a number of ACS lines, not both")
        }
        let start = (width - count + 1) / 2
        return start..<(start + count)
    }

    /// Each pixel observed independently with probability 1 − `missingProbability`.
    public static func randomPixels(height: Int, width: Int, missingProbability p: Double,
                                    using rng: inout SeededGenerator) throws -> RealArray {
        guard p >= 0, p <= 1 else { throw AmbientError(.badArgument, "mask", "missing probability must be in [0, 1], got \(p)") }
        try requirePlane(height, width)
        return RealArray(shape: [height, width]) { out in
            for i in 0..<out.count { out[i] = Double(rng.nextUniform()) < p ? 0 : 1 }
        }
    }

    /// Ones with `count` boxes of zeros (each boxHeight × boxWidth, top-left corner uniform
    /// over the positions where the box fits). Boxes may overlap.
    public static func boxes(height: Int, width: Int, count: Int, boxHeight: Int, boxWidth: Int,
                             using rng: inout SeededGenerator) throws -> RealArray {
        try requirePlane(height, width)
        guard count >= 0 else { throw AmbientError(.badArgument, "mask", "box count must be ≥ 0, got \(count)") }
        guard boxHeight >= 1, boxWidth >= 1, boxHeight <= height, boxWidth <= width else {
            throw AmbientError(.badArgument, "mask", "box \(boxHeight)×\(boxWidth) does not fit a \(height)×\(width) image")
        }
        var mask = RealArray(shape: [height, width], repeating: 1)
        mask.withUnsafeMutableBufferPointer { m in
            for _ in 0..<count {
                let top = Int(rng.next() % UInt64(height - boxHeight + 1))
                let left = Int(rng.next() % UInt64(width - boxWidth + 1))
                for y in top..<(top + boxHeight) { for x in left..<(left + boxWidth) { m[y * width + x] = 0 } }
            }
        }
        return mask
    }

    static func requirePlane(_ height: Int, _ width: Int) throws {
        guard height > 0, width > 0 else {
            throw AmbientError(.badArgument, "mask", "mask size must be positive, got \(height)×\(width)")
        }
    }

    /// The acceleration of a mask: number of positions / number sampled (∞ when none are).
    public static func acceleration(of mask: RealArray) -> Double {
        let sampled = mask.withUnsafeBufferPointer { p in p.reduce(0) { $0 + ($1 != 0 ? 1 : 0) } }
        return sampled == 0 ? .infinity : Double(mask.count) / Double(sampled)
    }
}

/// A mask described as data, so that experiment protocols (JSON) can name masks.
/// JSON form (Swift's enum coding): `{"cartesianRandom": {"acceleration": 4, "centerFraction": 0.08}}`,
/// `{"poisson": {"acceleration": 6, "calibration": 24}}`, `{"full": {}}`.
public enum MaskSpec: Codable, Sendable, Equatable {
    case cartesianRandom(acceleration: Double, centerFraction: Double? = nil, acsLines: Int? = nil)
    case cartesianEquispaced(acceleration: Double, centerFraction: Double? = nil, acsLines: Int? = nil)
    case poisson(acceleration: Double, calibration: Int = 24)
    case randomPixels(missingProbability: Double)
    case boxes(count: Int, height: Int, width: Int)
    case full

    /// The [height, width] mask this spec describes, drawn from `rng`.
    public func make(height: Int, width: Int, using rng: inout SeededGenerator) throws -> RealArray {
        switch self {
        case let .cartesianRandom(r, f, n):
            return try SamplingMasks.cartesianRandom(width: width, acceleration: r, centerFraction: f, acsLines: n, using: &rng)
                .expanded(height: height)
        case let .cartesianEquispaced(r, f, n):
            return try SamplingMasks.cartesianEquispaced(width: width, acceleration: r, centerFraction: f, acsLines: n, using: &rng)
                .expanded(height: height)
        case let .poisson(r, calibration):
            return try PoissonDisc.mask(height: height, width: width, acceleration: r, calibration: calibration, using: &rng)
        case let .randomPixels(p):
            return try SamplingMasks.randomPixels(height: height, width: width, missingProbability: p, using: &rng)
        case let .boxes(count, h, w):
            return try SamplingMasks.boxes(height: height, width: width, count: count, boxHeight: h, boxWidth: w, using: &rng)
        case .full:
            try SamplingMasks.requirePlane(height, width)
            return RealArray(shape: [height, width], repeating: 1)
        }
    }
}

extension MaskSpec {
    /// A random Cartesian spec with the masks' mean acceleration and their narrowest fully sampled
    /// centre block: how a prior trained on these acquisitions describes them. Nil unless every mask is
    /// a column mask ([H, W], each column all sampled or all not) of one width.
    public static func cartesianDescription(of masks: [RealArray]) -> MaskSpec? {
        guard let first = masks.first, first.rank == 2, first.shape[1] >= 2 else { return nil }
        let (h, w) = (first.shape[0], first.shape[1])
        var sampled = 0, acs = w
        for mask in masks {
            guard mask.shape == first.shape else { return nil }
            var columns = [Bool](repeating: false, count: w)
            for x in 0..<w {
                let on = mask[0, x] != 0
                for y in 1..<h where (mask[y, x] != 0) != on { return nil }
                columns[x] = on
            }
            sampled += columns.filter { $0 }.count
            // The block around the centre column, as fastMRI places ACS lines.
            var lo = w / 2, hi = w / 2
            guard columns[lo] else { return nil }
            while lo > 0 && columns[lo - 1] { lo -= 1 }
            while hi + 1 < w && columns[hi + 1] { hi += 1 }
            acs = min(acs, hi - lo + 1)
        }
        guard sampled > 0 else { return nil }
        return .cartesianRandom(acceleration: Double(w * masks.count) / Double(sampled), acsLines: acs)
    }
}
