// Variable-density Poisson-disc sampling of the k-space plane (as SigPy's `poisson` and
// BART's `poisson`): samples keep a minimum distance that grows linearly with the distance
// from the centre, corners outside the inscribed ellipse are dropped, and a centred
// calibration square is fully sampled. The growth rate is found by bisection so that the
// acceleration is reached within `tolerance` (relative).

public enum PoissonDisc {
    public static func mask(height: Int, width: Int, acceleration: Double, calibration: Int = 24,
                            tolerance: Double = 0.02, using rng: inout SeededGenerator) throws -> RealArray {
        try SamplingMasks.requirePlane(height, width)
        guard acceleration >= 1, acceleration.isFinite else {
            throw AmbientError(.badArgument, "poisson mask", "acceleration must be ≥ 1, got \(acceleration)")
        }
        guard calibration >= 0, calibration <= min(height, width) else {
            throw AmbientError(.badArgument, "poisson mask", "calibration size \(calibration) does not fit \(height)×\(width)")
        }
        let total = Double(height * width)
        if Double(calibration * calibration) * acceleration > total * (1 + tolerance) {
            throw AmbientError(.badArgument, "poisson mask",
                               "the \(calibration)×\(calibration) calibration square alone is below acceleration \(acceleration)")
        }
        // Every round restarts from the same random stream, so the acceleration is (nearly)
        // monotone in the slope and the bisection converges.
        let start = SeededGenerator(seed: rng.next())
        var low = 0.0, high = Double(max(height, width))
        var best: (mask: RealArray, error: Double)?
        for _ in 0..<48 {
            let slope = (low + high) / 2
            var roundRNG = start
            let mask = draw(height: height, width: width, slope: slope, calibration: calibration, rng: &roundRNG)
            let achieved = SamplingMasks.acceleration(of: mask)
            let error = abs(achieved - acceleration) / acceleration
            if best == nil || error < best!.error { best = (mask, error) }
            if error <= tolerance { break }
            if achieved < acceleration { low = slope } else { high = slope }
        }
        guard let best, best.error <= tolerance else {
            throw AmbientError(.numerical, "poisson mask",
                               "could not reach acceleration \(acceleration) within \(tolerance * 100)% on \(height)×\(width)")
        }
        return best.mask
    }

    /// One Bridson-style draw: grow from a random seed point, proposing up to 30 candidates in
    /// the elliptical annulus [r, 2r) around an active sample, accepting those with no sample
    /// inside their own ellipse of radius r.
    static func draw(height: Int, width: Int, slope: Double, calibration: Int, rng: inout SeededGenerator) -> RealArray {
        let longest = Double(max(height, width))
        // Minimum distance at each pixel (in pixels, along y and x).
        var radiusY = [Float](repeating: 1, count: height * width)
        var radiusX = [Float](repeating: 1, count: height * width)
        var inside = [Bool](repeating: false, count: height * width)
        for y in 0..<height {
            let ny = (Double(y) - Double(height / 2)) / (Double(height) / 2)
            for x in 0..<width {
                let nx = (Double(x) - Double(width / 2)) / (Double(width) / 2)
                let r = (ny * ny + nx * nx).squareRoot()
                let scale = 1 + r * slope
                radiusY[y * width + x] = Float(max(1, scale * Double(height) / longest))
                radiusX[y * width + x] = Float(max(1, scale * Double(width) / longest))
                inside[y * width + x] = r < 1
            }
        }
        var taken = [Bool](repeating: false, count: height * width)
        var active: [Int] = []
        let first = Int(rng.next() % UInt64(height * width))
        taken[first] = true
        active.append(first)
        while !active.isEmpty {
            let pick = Int(rng.next() % UInt64(active.count))
            let p = active[pick]
            let py = p / width, px = p % width
            let ry = radiusY[p], rx = radiusX[p]
            var accepted = false
            for _ in 0..<30 {
                let rho = 1 + rng.nextUniform()
                let theta = 2 * Float.pi * rng.nextUniform()
                let qy = Int((Float(py) + rho * ry * sinf(theta)).rounded())
                let qx = Int((Float(px) + rho * rx * cosf(theta)).rounded())
                guard qy >= 0, qy < height, qx >= 0, qx < width, !taken[qy * width + qx] else { continue }
                if isFree(qy, qx, radiusY[qy * width + qx], radiusX[qy * width + qx], taken, height, width) {
                    taken[qy * width + qx] = true
                    active.append(qy * width + qx)
                    accepted = true
                    break
                }
            }
            if !accepted { active.swapAt(pick, active.count - 1); active.removeLast() }
        }
        let c0y = height / 2 - calibration / 2, c0x = width / 2 - calibration / 2
        return RealArray(shape: [height, width]) { out in
            for y in 0..<height {
                for x in 0..<width {
                    let i = y * width + x
                    let inCalibration = y >= c0y && y < c0y + calibration && x >= c0x && x < c0x + calibration
                    out[i] = (inCalibration || (taken[i] && inside[i])) ? 1 : 0
                }
            }
        }
    }

    /// True when no taken pixel lies strictly inside the ellipse of radii (ry, rx) around (y, x).
    private static func isFree(_ y: Int, _ x: Int, _ ry: Float, _ rx: Float, _ taken: [Bool], _ height: Int, _ width: Int) -> Bool {
        let dyMax = Int(ry.rounded(.up)), dxMax = Int(rx.rounded(.up))
        for yy in max(0, y - dyMax)...min(height - 1, y + dyMax) {
            let ey = Float(yy - y) / ry
            for xx in max(0, x - dxMax)...min(width - 1, x + dxMax) where taken[yy * width + xx] {
                let ex = Float(xx - x) / rx
                if ey * ey + ex * ex < 1 { return false }
            }
        }
        return true
    }
}

#if canImport(Glibc)
import Glibc
#endif
