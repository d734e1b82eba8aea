import Foundation

// Coil tools on coil images [C, H, W] (or with leading slice axes) and maps [C, H, W].

public enum Coils {
    /// Root-sum-of-squares over the coil axis (third from last): [..., C, H, W] → [..., H, W].
    public static func rootSumOfSquares(_ coilImages: ComplexArray) throws -> RealArray {
        guard coilImages.rank >= 3 else {
            throw AmbientError(.badShape, "coil images", "need [..., coils, H, W], got \(coilImages.shape)")
        }
        let r = coilImages.rank
        let c = coilImages.shape[r - 3], plane = coilImages.shape[r - 2] * coilImages.shape[r - 1]
        let batch = coilImages.count / max(c * plane, 1)
        let outShape = Array(coilImages.shape.prefix(r - 3)) + Array(coilImages.shape.suffix(2))
        return coilImages.withUnsafeBufferPointer { x in
            RealArray(shape: outShape) { out in
                for b in 0..<batch {
                    for i in 0..<plane {
                        var s: Float = 0
                        for coil in 0..<c { s += x[(b * c + coil) * plane + i].magnitudeSquared }
                        out[b * plane + i] = s.squareRoot()
                    }
                }
            }
        }
    }

    /// Sensitivity-weighted combination Σ_c conj(s_c) x_c / Σ_c |s_c|² of coil images
    /// [C, H, W] with maps [C, H, W] → [H, W]; 0 where the maps vanish (cropped pixels).
    public static func combine(_ coilImages: ComplexArray, sensitivities maps: ComplexArray) throws -> ComplexArray {
        guard coilImages.rank == 3 else {
            throw AmbientError(.badShape, "coil images", "need [coils, H, W], got \(coilImages.shape)")
        }
        guard maps.shape == coilImages.shape else {
            throw AmbientError(.badShape, "sensitivity maps", "shape \(maps.shape) does not match coil images \(coilImages.shape)")
        }
        let c = maps.shape[0], plane = maps.shape[1] * maps.shape[2]
        return coilImages.withUnsafeBufferPointer { x in
            maps.withUnsafeBufferPointer { s in
                ComplexArray(shape: [maps.shape[1], maps.shape[2]]) { out in
                    for i in 0..<plane {
                        var num = Complex32.zero
                        var den: Float = 0
                        for coil in 0..<c {
                            let sc = s[coil * plane + i]
                            num += sc.conjugate * x[coil * plane + i]
                            den += sc.magnitudeSquared
                        }
                        out[i] = den > 0 ? num / den : .zero
                    }
                }
            }
        }
    }

    /// Smooth simulated receive sensitivities [C, H, W] of C loops evenly spaced on a circle
    /// of `radius` (in units of the half field of view) around the image centre, in the
    /// manner of SigPy's `birdcage_maps`: magnitude falls as 1/distance from the loop and the
    /// phase turns with the angle around it. Normalised so Σ_c |s_c|² = 1 at every pixel.
    public static func birdcageSensitivities(coils: Int, height: Int, width: Int, radius: Float = 1.5) throws -> ComplexArray {
        guard coils >= 1, height >= 1, width >= 1 else {
            throw AmbientError(.badArgument, "birdcage maps", "need ≥ 1 coil and a positive size, got \(coils) coils on \(height)×\(width)")
        }
        guard radius > 1 else {
            throw AmbientError(.badArgument, "birdcage maps", "coil radius must be > 1 (outside the field of view), got \(radius)")
        }
        let plane = height * width
        var maps = ComplexArray(zeros: [coils, height, width])
        maps.withUnsafeMutableBufferPointer { s in
            for coil in 0..<coils {
                let angle = Float(coil) * 2 * Float.pi / Float(coils)
                let cx = radius * cosf(angle), cy = radius * sinf(angle)
                for y in 0..<height {
                    let ny = (Float(y) - Float(height / 2)) / (Float(height) / 2) - cy
                    for x in 0..<width {
                        let nx = (Float(x) - Float(width / 2)) / (Float(width) / 2) - cx
                        let distance = (nx * nx + ny * ny).squareRoot()
                        let phase = atan2f(nx, -ny) - angle
                        s[coil * plane + y * width + x] = Complex32.unit(phase: phase) * (1 / distance)
                    }
                }
            }
            for i in 0..<plane {
                var norm: Float = 0
                for coil in 0..<coils { norm += s[coil * plane + i].magnitudeSquared }
                let scale = 1 / norm.squareRoot()
                for coil in 0..<coils { s[coil * plane + i] *= scale }
            }
        }
        return maps
    }

    /// SVD coil compression: the [V, C] matrix whose rows combine the C physical coils into
    /// V virtual coils carrying the most energy of `data` ([C, ...], typically the
    /// calibration region). Rows are the conjugated leading left singular vectors of the
    /// C × samples data matrix (from the eigen-decomposition of its C × C Gram matrix).
    public static func compressionMatrix(_ data: ComplexArray, virtualCoils v: Int) throws -> ComplexArray {
        guard data.rank >= 2 else { throw AmbientError(.badShape, "coil data", "need [coils, ...], got \(data.shape)") }
        let c = data.shape[0]
        guard v >= 1, v <= c else {
            throw AmbientError(.badArgument, "coil compression", "virtual coils must be in 1...\(c), got \(v)")
        }
        let samples = data.count / max(c, 1)
        let covariance = DenseLinearAlgebra.outerGram(data.elements, rows: c, columns: samples)
        let (_, vectors) = try DenseLinearAlgebra.hermitianEigen(covariance, size: c)
        return ComplexArray(shape: [v, c]) { i in vectors[i].conjugate }
    }

    /// Applies a [V, C] compression matrix to coil data [C, ...] → [V, ...].
    public static func compress(_ data: ComplexArray, matrix: ComplexArray) throws -> ComplexArray {
        guard matrix.rank == 2, data.rank >= 1, matrix.shape[1] == data.shape[0] else {
            throw AmbientError(.badShape, "coil compression", "matrix \(matrix.shape) does not fit data \(data.shape)")
        }
        let v = matrix.shape[0], c = matrix.shape[1]
        let n = data.count / max(c, 1)
        var out = ComplexArray(zeros: [v] + data.shape.dropFirst())
        data.withUnsafeBufferPointer { x in
            matrix.withUnsafeBufferPointer { m in
                out.withUnsafeMutableBufferPointer { y in
                    // Y (V × n) = M (V × C) · X (C × n), all row-major.
                    var one = Complex32.one, zero = Complex32.zero
                    cblas_cgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(v), Int32(n), Int32(c),
                                &one, m.baseAddress, Int32(c), x.baseAddress, Int32(n), &zero, y.baseAddress, Int32(n))
                }
            }
        }
        return out
    }
}

import CLAPACK
