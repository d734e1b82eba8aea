import AmbientCore

/// Proximal maps used by the reconstructions (SigPy's `prox` layer). Each works in place.
public enum Proximal {
    /// Complex soft thresholding, prox of t‖·‖₁: z ↦ z · max(|z| − t, 0) / |z|
    /// (shrinks the magnitude, keeps the phase).
    public static func softThreshold(_ x: inout ComplexArray, threshold t: Float) {
        guard t > 0 else { return }
        x.withUnsafeMutableBufferPointer { p in
            for i in 0..<p.count {
                let z = p[i]
                let m = z.magnitude
                p[i] = m > t ? z * ((m - t) / m) : .zero
            }
        }
    }

    /// Projection of a stacked field [K, H, W] onto {u : |u(y, x)|₂ ≤ radius} where |·|₂ is the
    /// Euclidean norm over the K components at each pixel: the prox of the conjugate of
    /// radius·‖·‖₂,₁ (isotropic TV's dual constraint).
    public static func projectPixelNorms(_ u: inout ComplexArray, radius: Float) {
        precondition(u.rank == 3, "projectPixelNorms: expects [components, H, W], got \(u.shape)")
        let components = u.shape[0], plane = u.shape[1] * u.shape[2]
        u.withUnsafeMutableBufferPointer { p in
            for i in 0..<plane {
                var sum: Float = 0
                for c in 0..<components { sum += p[c * plane + i].magnitudeSquared }
                let norm = sum.squareRoot()
                if norm > radius {
                    let s = radius / norm
                    for c in 0..<components { p[c * plane + i] *= s }
                }
            }
        }
    }

    /// prox of t‖Ψ S_shift x‖₁ for an orthogonal wavelet Ψ after a circular shift S_shift of the
    /// plane: S⁻¹Ψᴴ soft(Ψ S x, t). The shift (cycle spinning, as BART's random wavelet shifts)
    /// keeps Ψ S orthogonal, so this is the exact prox for the shifted basis.
    public static func waveletSoftThreshold(_ x: inout ComplexArray, threshold t: Float,
                                            transform: WaveletTransform2D, shiftY: Int = 0, shiftX: Int = 0) {
        if shiftY != 0 || shiftX != 0 { x = circularShift(x, dy: shiftY, dx: shiftX) }
        transform.forward(&x)
        softThreshold(&x, threshold: t)
        transform.inverse(&x)
        if shiftY != 0 || shiftX != 0 { x = circularShift(x, dy: -shiftY, dx: -shiftX) }
    }

    /// out[.., (y + dy) mod H, (x + dx) mod W] = x[.., y, x]
    static func circularShift(_ x: ComplexArray, dy: Int, dx: Int) -> ComplexArray {
        let h = x.shape[x.rank - 2], w = x.shape[x.rank - 1]
        let sy = ((dy % h) + h) % h, sx = ((dx % w) + w) % w
        return x.withUnsafeBufferPointer { src in
            ComplexArray(shape: x.shape) { dst in
                for b in 0..<(src.count / (h * w)) {
                    let base = b * h * w
                    for y in 0..<h {
                        let from = src.baseAddress! + base + y * w
                        let to = dst.baseAddress! + base + ((y + sy) % h) * w
                        (to + sx).update(from: from, count: w - sx)
                        to.update(from: from + (w - sx), count: sx)
                    }
                }
            }
        }
    }
}
