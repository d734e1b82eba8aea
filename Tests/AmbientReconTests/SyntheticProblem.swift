import AmbientCore
import Foundation

/// A small, fully known multi-coil problem: a piecewise-constant ellipse phantom with a smooth
/// phase, smooth coil maps normalised to Σ_c |s_c|² = 1, and a seeded variable-density mask
/// of columns with a fully sampled centre: random columns (fastMRI-style, for compressed sensing)
/// or every `acceleration`-th column (classic SENSE).
struct SyntheticProblem {
    let image: ComplexArray     // [H, W]
    let maps: ComplexArray      // [C, H, W]
    let mask: RealArray         // [H, W]
    let fullKspace: ComplexArray // [C, H, W]
    var kspace: ComplexArray { LinearOperator.mask(mask, shape: fullKspace.shape).forward(fullKspace) }

    init(size n: Int = 64, coils: Int = 8, acceleration: Int = 3, centerLines: Int = 8, uniform: Bool = false, seed: UInt64 = 1) {
        image = SyntheticProblem.phantom(n)
        maps = SyntheticProblem.coilMaps(coils: coils, size: n)
        var rng = SeededGenerator(seed: seed)
        var columns = [Float](repeating: 0, count: n)
        for x in 0..<n {
            let central = abs(x - n / 2) < centerLines / 2
            let picked = uniform ? x % acceleration == 0 : rng.nextUniform() < 1 / Float(acceleration)
            columns[x] = central || picked ? 1 : 0
        }
        mask = RealArray(shape: [n, n]) { columns[$0 % n] }
        fullKspace = LinearOperator.sense(maps: maps, mask: RealArray(shape: [n, n], repeating: 1)).forward(image)
    }

    static func phantom(_ n: Int) -> ComplexArray {
        // (centre y, centre x, radius y, radius x, value), in units of the half-size.
        let ellipses: [(Float, Float, Float, Float, Float)] = [
            (0, 0, 0.85, 0.65, 1.0), (0, 0, 0.78, 0.58, -0.6), (-0.25, -0.2, 0.2, 0.12, 0.5),
            (0.3, 0.15, 0.15, 0.25, 0.35), (0.05, 0.25, 0.08, 0.08, 0.6),
        ]
        return ComplexArray(shape: [n, n]) { i in
            let y = (Float(i / n) - Float(n) / 2) / (Float(n) / 2)
            let x = (Float(i % n) - Float(n) / 2) / (Float(n) / 2)
            var value: Float = 0
            for (cy, cx, ry, rx, v) in ellipses {
                let dy = (y - cy) / ry, dx = (x - cx) / rx
                if dy * dy + dx * dx <= 1 { value += v }
            }
            return Complex32.unit(phase: 0.6 * x - 0.3 * y) * value
        }
    }

    static func coilMaps(coils: Int, size n: Int) -> ComplexArray {
        var raw = ComplexArray(zeros: [coils, n, n])
        for c in 0..<coils {
            let angle = 2 * Float.pi * Float(c) / Float(coils)
            let cy = 0.9 * sinf(angle), cx = 0.9 * cosf(angle)
            for i in 0..<(n * n) {
                let y = (Float(i / n) - Float(n) / 2) / (Float(n) / 2)
                let x = (Float(i % n) - Float(n) / 2) / (Float(n) / 2)
                let d2 = (y - cy) * (y - cy) + (x - cx) * (x - cx)
                raw[flat: c * n * n + i] = Complex32.unit(phase: angle + 0.5 * x) * expf(-d2 / 0.4)
            }
        }
        // Normalise so that Σ_c |s_c|² = 1 at every pixel (as ESPIRiT maps inside the support).
        for i in 0..<(n * n) {
            var sum: Float = 0
            for c in 0..<coils { sum += raw[flat: c * n * n + i].magnitudeSquared }
            let s = 1 / sum.squareRoot()
            for c in 0..<coils { raw[flat: c * n * n + i] = raw[flat: c * n * n + i] * s }
        }
        return raw
    }
}

/// ‖x − truth‖ / ‖truth‖
func nrmse(_ x: ComplexArray, _ truth: ComplexArray) -> Double {
    (x - truth).norm / truth.norm
}
