/// Turning clean images into simulated multi-coil acquisitions: matrix resizing, smooth random
/// phase, coil sensitivities, k-space noise at a given SNR and undersampling.
public enum Simulation {
    /// Resizes a complex image [.., H, W] by cropping or zero-padding its centred k-space
    /// (band-limited resampling, no interpolation blur), keeping the image intensity scale.
    public static func resizeInKSpace(_ image: ComplexArray, to size: [Int]) -> ComplexArray {
        precondition(image.rank >= 2 && size.count == 2, "resizeInKSpace: needs [.., H, W] and [H, W]")
        let h = image.shape[image.rank - 2], w = image.shape[image.rank - 1]
        if [h, w] == size { return image }
        return FFT.inverse(resizedKSpace(FFT.forward(image), to: size))
    }

    /// k-space [.., H, W] moved to a [H', W'] grid as `resizeInKSpace` moves an image's: recentred and
    /// scaled by √(H'W'/HW), so that the unitary FFT keeps pixel values (A'x' = y' for the resized image).
    public static func resizedKSpace(_ k: ComplexArray, to size: [Int]) -> ComplexArray {
        precondition(k.rank >= 2 && size.count == 2, "resizedKSpace: needs [.., H, W] and [H, W]")
        let h = k.shape[k.rank - 2], w = k.shape[k.rank - 1]
        return recentred(k, to: size, scale: (Float(size[0] * size[1]) / Float(h * w)).squareRoot())
    }

    /// k-space [.., H, W] on a [H', W'] grid with the same centre (index ⌊N/2⌋ goes to ⌊N'/2⌋),
    /// zero-padded or cropped, times `scale`.
    public static func recentred(_ k: ComplexArray, to size: [Int], scale: Float = 1) -> ComplexArray {
        precondition(k.rank >= 2 && size.count == 2, "recentred: needs [.., H, W] and [H, W]")
        let h = k.shape[k.rank - 2], w = k.shape[k.rank - 1]
        let batch = k.count / max(h * w, 1)
        let (nh, nw) = (size[0], size[1])
        var out = ComplexArray(zeros: Array(k.shape.dropLast(2)) + size)
        let dy = nh / 2 - h / 2, dx = nw / 2 - w / 2
        k.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for b in 0..<batch {
                    for y in 0..<h {
                        let ty = y + dy
                        guard ty >= 0 && ty < nh else { continue }
                        for x in 0..<w {
                            let tx = x + dx
                            guard tx >= 0 && tx < nw else { continue }
                            dst[(b * nh + ty) * nw + tx] = src[(b * h + y) * w + x] * scale
                        }
                    }
                }
            }
        }
        return out
    }

    /// Bilinear resampling of a real image [H, W] to `size` (for magnitude volumes whose k-space
    /// crop would ring: anti-aliased by averaging when shrinking by ≥ 2).
    public static func resampleBilinear(_ image: RealArray, to size: [Int]) -> RealArray {
        precondition(image.rank == 2 && size.count == 2, "resampleBilinear: needs [H, W]")
        var source = image
        // Box-filter by 2 while the target is at most half the size (simple anti-aliasing).
        while source.shape[0] >= 2 * size[0] && source.shape[1] >= 2 * size[1] {
            let h = source.shape[0] / 2, w = source.shape[1] / 2, sw = source.shape[1]
            source = source.withUnsafeBufferPointer { s in
                RealArray(shape: [h, w]) { out in
                    for y in 0..<h { for x in 0..<w {
                        out[y * w + x] = 0.25 * (s[2 * y * sw + 2 * x] + s[2 * y * sw + 2 * x + 1]
                                                 + s[(2 * y + 1) * sw + 2 * x] + s[(2 * y + 1) * sw + 2 * x + 1])
                    } }
                }
            }
        }
        let h = source.shape[0], w = source.shape[1]
        return source.withUnsafeBufferPointer { s in
            RealArray(shape: size) { out in
                for y in 0..<size[0] {
                    let fy = max(0, min(Float(h - 1), (Float(y) + 0.5) * Float(h) / Float(size[0]) - 0.5))
                    let y0 = Int(fy), y1 = min(y0 + 1, h - 1), ty = fy - Float(y0)
                    for x in 0..<size[1] {
                        let fx = max(0, min(Float(w - 1), (Float(x) + 0.5) * Float(w) / Float(size[1]) - 0.5))
                        let x0 = Int(fx), x1 = min(x0 + 1, w - 1), tx = fx - Float(x0)
                        let top = s[y0 * w + x0] * (1 - tx) + s[y0 * w + x1] * tx
                        let bottom = s[y1 * w + x0] * (1 - tx) + s[y1 * w + x1] * tx
                        out[y * size[1] + x] = top * (1 - ty) + bottom * ty
                    }
                }
            }
        }
    }

    /// A smooth random phase map e^{iφ(y,x)} with φ a random low-frequency field of peak
    /// |φ| = `amplitude` radians (MR phase varies slowly across the field of view).
    public static func smoothPhase(height: Int, width: Int, amplitude: Float = .pi,
                                   using rng: inout SeededGenerator) -> ComplexArray {
        var k = ComplexArray(zeros: [height, width])
        let radius = 2
        for dy in -radius...radius {
            for dx in -radius...radius {
                let y = height / 2 + dy, x = width / 2 + dx
                guard y >= 0, y < height, x >= 0, x < width else { continue }
                k[y, x] = Complex32(rng.nextNormal(), rng.nextNormal())
            }
        }
        let field = FFT.inverse(k).realPart
        let peak = max(abs(field.maximum), abs(field.minimum), .leastNormalMagnitude)
        return field.withUnsafeBufferPointer { f in
            ComplexArray(shape: [height, width]) { out in
                for i in 0..<out.count { out[i] = .unit(phase: f[i] / peak * amplitude) }
            }
        }
    }

    /// Noise variance per k-space sample for a given SNR in dB: mean |k|² over the fully
    /// sampled k-space divided by 10^(SNR/10).
    public static func noiseVariance(forSNR snrDB: Float, kspace: ComplexArray) -> Float {
        let power = Float(kspace.normSquared / Double(max(kspace.count, 1)))
        return power / powf(10, snrDB / 10)
    }

    /// One simulated acquisition of a complex image [H, W]: fully sampled multi-coil k-space
    /// F S x (+ noise), and its undersampled version M (F S x + n) with zeros where not sampled.
    public static func acquire(image: ComplexArray, maps: ComplexArray, mask: RealArray, snrDB: Float?,
                               using rng: inout SeededGenerator) -> (full: ComplexArray, undersampled: ComplexArray) {
        var full = LinearOperator.fft(maps.shape).forward(LinearOperator.coilSensitivities(maps).forward(image))
        if let snrDB {
            let variance = noiseVariance(forSNR: snrDB, kspace: full)
            full += ComplexArray.gaussianNoise(shape: full.shape, variance: variance, using: &rng)
        }
        return (full, LinearOperator.mask(mask, shape: full.shape).forward(full))
    }
}

#if canImport(Glibc)
import Glibc
#endif
