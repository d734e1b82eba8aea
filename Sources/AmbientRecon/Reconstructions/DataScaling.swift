import AmbientCore

/// How the k-space is scaled before a regularised reconstruction, which fixes what λ means.
public enum DataScaling: String, Codable, Sendable {
    /// λ in the units of the data as given: the problem is solved exactly as written.
    case none
    /// As BART's `pics`: divide y by `bartDataScale(kspace:mask:)` (≈ the 90th-percentile
    /// magnitude of a low-resolution coil-combined image), solve, multiply the result back
    /// (`pics -S`). λ then has the same meaning as `pics -r λ` and is independent of the data's
    /// overall scale. Equivalent to `.none` with λ_abs = λ · scale.
    case bart
}

/// BART's data scale estimate (`estimate_scaling` in src/sense/optcom.c, used by `pics` unless
/// `-w` is given), for k-space [C, H, W] and mask [H, W]:
///
/// 1. the largest centred, fully sampled block of k-space of at most 32×32 (grown one line at a
///    time on each axis while the mask is all ones; the full centre 32×32 when the mask has no
///    fully sampled centre);
/// 2. the root-sum-of-squares over coils of its centred unitary inverse FFT, divided by
///    √(H·W / (h·w)) so that it estimates the full-resolution image's magnitudes;
/// 3. with the sorted magnitudes' median, 90th percentile p90 and maximum:
///    scale = p90 when max − p90 < 2(p90 − median), else max.
///
/// BART also slides the block along the readout to the position of highest energy; this
/// estimate keeps it centred, which differs only for off-centre echoes. Returns 1 for all-zero data.
public func bartDataScale(kspace: ComplexArray, mask: RealArray) throws -> Float {
    guard kspace.rank == 3, kspace.count > 0, Array(kspace.shape.suffix(2)) == mask.shape else {
        throw AmbientError(.badShape, "kspace", "data scale needs k-space [coils, ky, kx] and a mask [ky, kx], got \(kspace.shape) and \(mask.shape)")
    }
    let coils = kspace.shape[0], h = kspace.shape[1], w = kspace.shape[2]
    let limitY = min(32, h), limitX = min(32, w)

    func fullySampled(_ bh: Int, _ bw: Int) -> Bool {
        let y0 = (h - bh) / 2, x0 = (w - bw) / 2
        for y in y0..<(y0 + bh) { for x in x0..<(x0 + bw) where mask[y, x] == 0 { return false } }
        return true
    }
    // Grow along each axis in turn ("diagonals first"), stopping an axis when it would include
    // an unsampled point.
    var bh = 0, bw = 0
    var stopY = false, stopX = false
    while !(stopY && stopX) {
        if !stopY {
            if bh >= limitY || !fullySampled(bh + 1, max(bw, 1)) { stopY = true } else { bh += 1 }
        }
        if !stopX {
            if bw >= limitX || !fullySampled(max(bh, 1), bw + 1) { stopX = true } else { bw += 1 }
        }
    }
    if bh < 2 || bw < 2 { bh = limitY; bw = limitX }

    let y0 = (h - bh) / 2, x0 = (w - bw) / 2
    let block = ComplexArray(shape: [coils, bh, bw]) { i in
        let coil = i / (bh * bw), y = (i / bw) % bh, x = i % bw
        return kspace[coil, y0 + y, x0 + x] * mask[y0 + y, x0 + x]
    }
    let images = FFT.inverse(block)
    let rescale = (Float(h * w) / Float(bh * bw)).squareRoot()
    var magnitudes = [Float](repeating: 0, count: bh * bw)
    images.withUnsafeBufferPointer { p in
        for i in 0..<(bh * bw) {
            var sum: Float = 0
            for coil in 0..<coils { sum += p[coil * bh * bw + i].magnitudeSquared }
            magnitudes[i] = sum.squareRoot() / rescale
        }
    }
    magnitudes.sort()
    let n = magnitudes.count
    let median = magnitudes[n / 2], p90 = magnitudes[Int(Double(n) * 0.9)], maximum = magnitudes[n - 1]
    let scale = (maximum - p90) < 2 * (p90 - median) ? p90 : maximum
    return scale > 0 && scale.isFinite ? scale : 1
}
