import AmbientCore

/// Orthogonal Daubechies wavelets by number of vanishing moments (PyWavelets names).
public enum DaubechiesWavelet: String, Codable, Sendable, CaseIterable {
    case haar = "db1", db2, db3, db4

    /// The orthonormal low-pass (scaling) filter h, Σh = √2, Σh² = 1, Σ hₖhₖ₊₂ₘ = 0 (m ≠ 0).
    public var lowPass: [Float] {
        switch self {
        case .haar: return [0.70710678118654752, 0.70710678118654752]
        case .db2: return [0.48296291314453414, 0.83651630373780790, 0.22414386804201339, -0.12940952255126037]
        case .db3: return [0.33267055295008261, 0.80689150931109257, 0.45987750211849154,
                           -0.13501102001025458, -0.08544127388202666, 0.03522629188570953]
        case .db4: return [0.23037781330889650, 0.71484657055291540, 0.63088076792985890, -0.02798376941685985,
                           -0.18703481171909308, 0.03084138183556076, 0.03288301166688520, -0.01059740178506903]
        }
    }

    /// The quadrature-mirror high-pass filter gₖ = (−1)ᵏ h_{L−1−k}.
    public var highPass: [Float] {
        let h = lowPass
        return h.indices.map { k in (k % 2 == 0 ? 1 : -1) * h[h.count - 1 - k] }
    }
}

/// A multilevel separable 2-D discrete wavelet transform with periodic boundaries on the last
/// two axes of `[H, W]` planes (batched over leading axes), stored in place in the Mallat layout
/// (the coarsest approximation in the top-left corner).
///
/// With periodic extension an orthonormal filter pair gives an orthogonal transform: Ψᴴ = Ψ⁻¹,
/// so `inverse` is both the exact inverse and the adjoint, and ‖Ψx‖ = ‖x‖. Every level halves
/// both axes, so H and W must be divisible by 2^levels.
public struct WaveletTransform2D: Sendable {
    public let wavelet: DaubechiesWavelet
    public let levels: Int
    let low: [Float]
    let high: [Float]

    /// - Parameters:
    ///   - levels: number of decomposition levels (0 is the identity).
    public init(wavelet: DaubechiesWavelet, levels: Int) {
        precondition(levels >= 0, "WaveletTransform2D: negative number of levels")
        self.wavelet = wavelet
        self.levels = levels
        low = wavelet.lowPass
        high = wavelet.highPass
    }

    /// The most levels that keep both axes divisible and the coarsest band at least
    /// `minimumCoarseSize` on each axis (BART uses 16).
    public static func maximumLevels(height: Int, width: Int, minimumCoarseSize: Int = 16) -> Int {
        var h = height, w = width, levels = 0
        while h % 2 == 0 && w % 2 == 0 && h / 2 >= minimumCoarseSize && w / 2 >= minimumCoarseSize {
            h /= 2
            w /= 2
            levels += 1
        }
        return levels
    }

    /// Throws when the plane cannot be decomposed `levels` times.
    public func validate(shape: [Int], subject: String = "wavelet") throws {
        guard shape.count >= 2 else {
            throw AmbientError(.badShape, subject, "wavelet transform needs [.., H, W], got \(shape)")
        }
        let h = shape[shape.count - 2], w = shape[shape.count - 1], factor = 1 << levels
        guard h % factor == 0, w % factor == 0 else {
            throw AmbientError(.badShape, subject, "plane \(h)×\(w) is not divisible by 2^\(levels) for \(levels) wavelet levels")
        }
    }

    /// Ψ x, in place.
    public func forward(_ x: inout ComplexArray) {
        transform(&x, inverse: false)
    }

    /// Ψᴴ c = Ψ⁻¹ c, in place.
    public func inverse(_ c: inout ComplexArray) {
        transform(&c, inverse: true)
    }

    private func transform(_ x: inout ComplexArray, inverse: Bool) {
        precondition(x.rank >= 2, "WaveletTransform2D: needs [.., H, W], got \(x.shape)")
        let h = x.shape[x.rank - 2], w = x.shape[x.rank - 1]
        precondition(h % (1 << levels) == 0 && w % (1 << levels) == 0,
                     "WaveletTransform2D: \(h)×\(w) not divisible by 2^\(levels)")
        guard levels > 0, x.count > 0 else { return }
        let planes = x.count / (h * w)
        let taps = low.count
        // Scratch: one plane plus `taps` wrapped rows (columns pass) — reused across levels.
        var scratch = [Complex32](repeating: .zero, count: (h + taps) * w + 2 * (w + taps))
        x.withUnsafeMutableBufferPointer { data in
            scratch.withUnsafeMutableBufferPointer { work in
                for plane in 0..<planes {
                    let base = data.baseAddress! + plane * h * w
                    if inverse {
                        for level in stride(from: levels - 1, through: 0, by: -1) {
                            let lh = h >> level, lw = w >> level
                            synthesizeColumns(base, rows: lh, cols: lw, stride: w, work: work.baseAddress!)
                            synthesizeRows(base, rows: lh, cols: lw, stride: w, work: work.baseAddress!)
                        }
                    } else {
                        for level in 0..<levels {
                            let lh = h >> level, lw = w >> level
                            analyzeRows(base, rows: lh, cols: lw, stride: w, work: work.baseAddress!)
                            analyzeColumns(base, rows: lh, cols: lw, stride: w, work: work.baseAddress!)
                        }
                    }
                }
            }
        }
    }

    // MARK: 1-D passes on the top-left rows × cols block of a plane with row stride `stride`.

    /// Each row r of length n → [a | d] with a[k] = Σⱼ hⱼ r[(2k+j) mod n], d likewise with g.
    private func analyzeRows(_ p: UnsafeMutablePointer<Complex32>, rows: Int, cols n: Int, stride: Int,
                             work: UnsafeMutablePointer<Complex32>) {
        let taps = low.count, half = n / 2
        low.withUnsafeBufferPointer { h in
            high.withUnsafeBufferPointer { g in
                for r in 0..<rows {
                    let row = p + r * stride
                    for i in 0..<(n + taps) { work[i] = row[i % n] }  // periodic extension
                    for k in 0..<half {
                        var a = Complex32.zero, d = Complex32.zero
                        let src = work + 2 * k
                        for j in 0..<taps {
                            a += src[j] * h[j]
                            d += src[j] * g[j]
                        }
                        row[k] = a
                        row[half + k] = d
                    }
                }
            }
        }
    }

    /// Adjoint of `analyzeRows`: r[(2k+j) mod n] = Σ hⱼ a[k] + gⱼ d[k].
    private func synthesizeRows(_ p: UnsafeMutablePointer<Complex32>, rows: Int, cols n: Int, stride: Int,
                                work: UnsafeMutablePointer<Complex32>) {
        let taps = low.count, half = n / 2
        low.withUnsafeBufferPointer { h in
            high.withUnsafeBufferPointer { g in
                for r in 0..<rows {
                    let row = p + r * stride
                    let acc = work
                    acc.update(repeating: .zero, count: n + taps)
                    for k in 0..<half {
                        let a = row[k], d = row[half + k]
                        let dst = acc + 2 * k
                        for j in 0..<taps { dst[j] += a * h[j] + d * g[j] }
                    }
                    for i in 0..<n { row[i] = acc[i] }
                    for i in n..<(n + taps) { row[i % n] += acc[i] }  // fold the periodic wrap back
                }
            }
        }
    }

    /// Columns of the block: row k of the low band = Σⱼ hⱼ · row (2k+j) mod rows. Works on whole
    /// rows at a time so the inner loop runs over contiguous Floats.
    private func analyzeColumns(_ p: UnsafeMutablePointer<Complex32>, rows n: Int, cols: Int, stride: Int,
                                work: UnsafeMutablePointer<Complex32>) {
        let taps = low.count, half = n / 2
        // Copy the block (plus `taps` wrapped rows) contiguously into the scratch.
        for i in 0..<(n + taps) { (work + i * cols).update(from: p + (i % n) * stride, count: cols) }
        let floats = 2 * cols
        low.withUnsafeBufferPointer { h in
            high.withUnsafeBufferPointer { g in
                UnsafeMutableRawPointer(work).withMemoryRebound(to: Float.self, capacity: (n + taps) * floats) { src in
                    UnsafeMutableRawPointer(p).withMemoryRebound(to: Float.self, capacity: n * stride * 2) { dst in
                        for k in 0..<half {
                            let a = dst + k * 2 * stride, d = dst + (half + k) * 2 * stride
                            for c in 0..<floats { a[c] = 0; d[c] = 0 }
                            for j in 0..<taps {
                                let s = src + (2 * k + j) * floats
                                let hj = h[j], gj = g[j]
                                for c in 0..<floats {
                                    a[c] += hj * s[c]
                                    d[c] += gj * s[c]
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adjoint of `analyzeColumns`.
    private func synthesizeColumns(_ p: UnsafeMutablePointer<Complex32>, rows n: Int, cols: Int, stride: Int,
                                   work: UnsafeMutablePointer<Complex32>) {
        let taps = low.count, half = n / 2
        let floats = 2 * cols
        work.update(repeating: .zero, count: (n + taps) * cols)
        low.withUnsafeBufferPointer { h in
            high.withUnsafeBufferPointer { g in
                UnsafeMutableRawPointer(work).withMemoryRebound(to: Float.self, capacity: (n + taps) * floats) { acc in
                    UnsafeMutableRawPointer(p).withMemoryRebound(to: Float.self, capacity: n * stride * 2) { src in
                        for k in 0..<half {
                            let a = src + k * 2 * stride, d = src + (half + k) * 2 * stride
                            for j in 0..<taps {
                                let out = acc + (2 * k + j) * floats
                                let hj = h[j], gj = g[j]
                                for c in 0..<floats { out[c] += hj * a[c] + gj * d[c] }
                            }
                        }
                    }
                }
            }
        }
        for i in 0..<n { (p + i * stride).update(from: work + i * cols, count: cols) }
        for i in n..<(n + taps) {
            let dst = p + (i % n) * stride, src = work + i * cols
            for c in 0..<cols { dst[c] += src[c] }
        }
    }
}
