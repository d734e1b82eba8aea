import Foundation

// ESPIRiT coil sensitivity estimation (Uecker et al., MRM 71:990, 2014), following the
// behaviour of BART's `ecalib -m1`: calibration region from the fully sampled k-space centre,
// calibration (Hankel) matrix of k×k×C patches, its signal subspace (singular values above
// √threshold of the largest), the image-domain operator G(x) = (1/k²) Σ_n a_n(x) a_n(x)ᴴ
// built from those kernels, and per pixel the leading eigenvector of G(x) — the coil
// sensitivities where its eigenvalue is close to 1, zero where it is ≤ `crop`.
//
// G(x) is a trigonometric polynomial of degree k−1 per axis; its coefficients are diagonal
// sums of the kernel projector, so it is evaluated exactly at every pixel with small DFTs
// (BART computes the same on a 2k grid and sinc-interpolates).

/// ESPIRiT settings; the defaults are BART's `ecalib` defaults.
public struct ESPIRiTConfig: Codable, Sendable, Equatable {
    /// Kernel width k (BART -k).
    public var kernelSize: Int
    /// Largest calibration region per axis (BART -r).
    public var calibrationSize: Int
    /// true: grow the fully sampled centre region up to `calibrationSize` (BART's default);
    /// false: take the centred calibrationSize² block as is (BART -C).
    public var detectCalibration: Bool
    /// Singular values σ with σ/σ₀ > √threshold span the signal subspace (BART -t).
    public var threshold: Float
    /// Maps are zeroed where the eigenvalue is ≤ crop (BART -c).
    public var crop: Float
    /// Power iterations per pixel for the leading eigenvector (BART's orthiter uses 30).
    public var powerIterations: Int
    /// Rotate the phase so each map's projection on the first principal coil component is
    /// real and positive (BART's default phase normalisation).
    public var rotatePhase: Bool

    public init(kernelSize: Int = 6, calibrationSize: Int = 24, detectCalibration: Bool = true,
                threshold: Float = 0.001, crop: Float = 0.8, powerIterations: Int = 30, rotatePhase: Bool = true) {
        self.kernelSize = kernelSize
        self.calibrationSize = calibrationSize
        self.detectCalibration = detectCalibration
        self.threshold = threshold
        self.crop = crop
        self.powerIterations = powerIterations
        self.rotatePhase = rotatePhase
    }

    private enum CodingKeys: String, CodingKey {
        case kernelSize, calibrationSize, detectCalibration, threshold, crop, powerIterations, rotatePhase
    }

    /// Missing keys take the defaults, so a protocol names only what it changes.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ESPIRiTConfig()
        kernelSize = try c.decodeIfPresent(Int.self, forKey: .kernelSize) ?? d.kernelSize
        calibrationSize = try c.decodeIfPresent(Int.self, forKey: .calibrationSize) ?? d.calibrationSize
        detectCalibration = try c.decodeIfPresent(Bool.self, forKey: .detectCalibration) ?? d.detectCalibration
        threshold = try c.decodeIfPresent(Float.self, forKey: .threshold) ?? d.threshold
        crop = try c.decodeIfPresent(Float.self, forKey: .crop) ?? d.crop
        powerIterations = try c.decodeIfPresent(Int.self, forKey: .powerIterations) ?? d.powerIterations
        rotatePhase = try c.decodeIfPresent(Bool.self, forKey: .rotatePhase) ?? d.rotatePhase
    }
}

/// The result of an ESPIRiT calibration.
public struct ESPIRiTMaps: Sendable {
    /// Sensitivities [C, H, W]: unit norm over coils where kept, zero where cropped.
    public let maps: ComplexArray
    /// Leading eigenvalue of G(x) per pixel [H, W] (≈ 1 inside the object).
    public let eigenvalues: RealArray
    /// The calibration block used, in k-space indices.
    public let calibration: CalibrationRegion
    /// Singular values of the calibration matrix, descending.
    public let singularValues: [Float]
    /// Number of kernels kept (signal-subspace dimension).
    public let kernelCount: Int
}

public enum ESPIRiT {
    /// Estimates one set of coil sensitivity maps from multi-coil k-space [C, ky, kx]
    /// (as `bart ecalib -m1`). `subject` names the input in errors.
    public static func calibrate(kspace: ComplexArray, config: ESPIRiTConfig = ESPIRiTConfig(),
                                 subject: String = "k-space") throws -> ESPIRiTMaps {
        guard kspace.rank == 3, kspace.shape.allSatisfy({ $0 > 0 }) else {
            throw AmbientError(.badShape, subject, "ESPIRiT needs k-space [coils, ky, kx], got \(kspace.shape)")
        }
        try kspace.requireFinite(subject, what: "k-space")
        let coils = kspace.shape[0], h = kspace.shape[1], w = kspace.shape[2]
        let k = config.kernelSize
        guard k >= 1, 2 * (k - 1) < min(h, w) else {
            throw AmbientError(.badArgument, subject, "kernel size \(k) does not fit a \(h)×\(w) plane")
        }
        guard config.threshold >= 0, config.threshold < 1, config.crop >= 0, config.crop <= 1, config.powerIterations >= 1 else {
            throw AmbientError(.badArgument, subject, "ESPIRiT needs threshold in [0, 1), crop in [0, 1] and ≥ 1 power iteration")
        }

        let region = calibrationRegion(kspace, config: config)
        guard region.rows.count >= k, region.columns.count >= k else {
            throw AmbientError(.badArgument, subject,
                               "fully sampled calibration region \(region.rows.count)×\(region.columns.count) is smaller than the \(k)×\(k) kernel")
        }
        let calibration = extract(kspace, region)

        // Calibration matrix: one row per k×k patch position, columns (coil, dy, dx).
        let ch = region.rows.count, cw = region.columns.count
        let n = coils * k * k
        let patchRows = (ch - k + 1) * (cw - k + 1)
        var matrix = [Complex32](repeating: .zero, count: patchRows * n)
        calibration.withUnsafeBufferPointer { cal in
            var row = 0
            for py in 0...(ch - k) {
                for px in 0...(cw - k) {
                    for c in 0..<coils {
                        for dy in 0..<k {
                            for dx in 0..<k {
                                matrix[row * n + (c * k + dy) * k + dx] = cal[(c * ch + py + dy) * cw + px + dx]
                            }
                        }
                    }
                    row += 1
                }
            }
        }
        let (eigenvalues, vectors) = try DenseLinearAlgebra.hermitianEigen(
            DenseLinearAlgebra.gram(matrix, rows: patchRows, columns: n), size: n)
        let singular = eigenvalues.map { $0 > 0 ? $0.squareRoot() : 0 }
        guard singular[0] > 0 else {
            throw AmbientError(.numerical, subject, "no signal in the \(ch)×\(cw) calibration region")
        }
        let cutoff = config.threshold.squareRoot()
        let kernelCount = singular.filter { $0 / singular[0] > cutoff }.count

        // Patches (rows of A = U Σ Vᴴ) lie in the span of conj(v_n), so the projector onto the
        // patch signal subspace is P[j, j'] = Σ_n conj(v_n[j]) v_n[j'] = (VᴴV)[j, j'] over the kept rows.
        let kept = Array(vectors.prefix(kernelCount * n))
        let projector = DenseLinearAlgebra.gram(kept, rows: kernelCount, columns: n)
        let operatorRows = ImageOperatorRows(projector: projector, coils: coils, kernel: k, height: h, width: w)

        let reference = config.rotatePhase ? try principalCoilComponent(calibration) : nil
        var maps = ComplexArray(zeros: [coils, h, w])
        var values = RealArray(zeros: [h, w])
        maps.withUnsafeMutableBufferPointer { mp in
            values.withUnsafeMutableBufferPointer { vp in
                let output = PixelOutput(maps: mp.baseAddress!, values: vp.baseAddress!)
                let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, h))
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    let solver = PixelEigenSolver(coils: coils, iterations: config.powerIterations)
                    var row = [Complex32](repeating: .zero, count: operatorRows.pairCount * w)
                    var y = worker
                    while y < h {
                        operatorRows.evaluate(row: y, into: &row)
                        row.withUnsafeBufferPointer { r in
                            for x in 0..<w {
                                solver.solve(r, pixel: x, width: w)
                                output.store(solver, y: y, x: x, height: h, width: w,
                                             crop: config.crop, reference: reference)
                            }
                        }
                        y += workers
                    }
                }
            }
        }
        return ESPIRiTMaps(maps: maps, eigenvalues: values, calibration: region,
                           singularValues: singular, kernelCount: kernelCount)
    }

    /// Convenience for commands: the [C, H, W] maps only.
    public static func sensitivities(kspace: ComplexArray, config: ESPIRiTConfig = ESPIRiTConfig(),
                                     subject: String = "k-space") throws -> ComplexArray {
        try calibrate(kspace: kspace, config: config, subject: subject).maps
    }

    /// BART's calibration geometry: a centred block (start (N − n)/2) grown one column then
    /// one row at a time while fully sampled, up to calibrationSize per axis; or the centred
    /// calibrationSize² block when detection is off.
    static func calibrationRegion(_ kspace: ComplexArray, config: ESPIRiTConfig) -> CalibrationRegion {
        let h = kspace.shape[1], w = kspace.shape[2]
        let cap = max(1, config.calibrationSize)
        func block(_ size: [Int]) -> CalibrationRegion {
            let top = (h - size[0]) / 2, left = (w - size[1]) / 2
            return CalibrationRegion(rows: top..<(top + size[0]), columns: left..<(left + size[1]))
        }
        guard config.detectCalibration else { return block([min(cap, h), min(cap, w)]) }
        let pattern = CalibrationRegion.samplingPattern(of: kspace)
        var size = [1, 1]
        var stopped = [false, false]
        let dims = [h, w]
        while !(stopped[0] && stopped[1]) {
            for axis in [1, 0] {  // BART grows its first axis (our kx) first
                if size[axis] >= dims[axis] || size[axis] >= cap { stopped[axis] = true }
                if stopped[axis] { continue }
                size[axis] += 1
                let r = block(size)
                let full = pattern.withUnsafeBufferPointer { p in
                    r.rows.allSatisfy { y in r.columns.allSatisfy { x in p[y * w + x] != 0 } }
                }
                if !full { size[axis] -= 1; stopped[axis] = true }
            }
        }
        return block(size)
    }

    static func extract(_ kspace: ComplexArray, _ region: CalibrationRegion) -> ComplexArray {
        let c = kspace.shape[0], h = kspace.shape[1], w = kspace.shape[2]
        let ch = region.rows.count, cw = region.columns.count
        return kspace.withUnsafeBufferPointer { k in
            ComplexArray(shape: [c, ch, cw]) { out in
                for coil in 0..<c {
                    for y in 0..<ch {
                        for x in 0..<cw {
                            out[(coil * ch + y) * cw + x] = k[(coil * h + region.rows.lowerBound + y) * w + region.columns.lowerBound + x]
                        }
                    }
                }
            }
        }
    }

    /// The dominant eigenvector of the coil covariance of the calibration data.
    static func principalCoilComponent(_ calibration: ComplexArray) throws -> [Complex32] {
        let c = calibration.shape[0]
        let covariance = DenseLinearAlgebra.outerGram(calibration.elements, rows: c, columns: calibration.count / c)
        return Array(try DenseLinearAlgebra.hermitianEigen(covariance, size: c).vectors.prefix(c))
    }
}

/// Rows of the image-domain ESPIRiT operator. For each coil pair t = (c ≤ c'):
/// G_t(y, x) = Σ_{fy, fx} coef_t[fy, fx] e^{2πi (fy u_y + fx u_x)}, u = (index − N/2)/N, the
/// centring of our FFT. The x-sums are done once (`partial`); each row then costs one short
/// sum over fy per pixel.
private struct ImageOperatorRows: Sendable {
    let coils: Int, pairCount: Int, frequencies: Int, height: Int, width: Int
    /// partial[(t · F + iy) · W + x] = Σ_fx coef_t[fy, fx] e^{2πi fx u_x}, fy = iy − (k − 1).
    let partial: [Complex32]

    init(projector p: [Complex32], coils: Int, kernel k: Int, height: Int, width: Int) {
        self.coils = coils
        self.height = height
        self.width = width
        pairCount = coils * (coils + 1) / 2
        frequencies = 2 * k - 1
        let f = frequencies, n = coils * k * k
        let norm = 1 / Float(k * k)
        // coef_t[fy, fx] = (1/k²) Σ_d P[(c, d), (c', d − f)]
        var coefficients = [Complex32](repeating: .zero, count: pairCount * f * f)
        var t = 0
        for c in 0..<coils {
            for c2 in c..<coils {
                for iy in 0..<f {
                    let fy = iy - (k - 1)
                    for ix in 0..<f {
                        let fx = ix - (k - 1)
                        var sum = Complex32.zero
                        for dy in max(0, fy)..<min(k, k + fy) {
                            for dx in max(0, fx)..<min(k, k + fx) {
                                sum += p[((c * k + dy) * k + dx) * n + (c2 * k + dy - fy) * k + dx - fx]
                            }
                        }
                        coefficients[(t * f + iy) * f + ix] = sum * norm
                    }
                }
                t += 1
            }
        }
        var partial = [Complex32](repeating: .zero, count: pairCount * f * width)
        let twiddle = ImageOperatorRows.twiddles(frequencies: f, size: width)
        for t in 0..<pairCount {
            for iy in 0..<f {
                for x in 0..<width {
                    var sum = Complex32.zero
                    for ix in 0..<f { sum += coefficients[(t * f + iy) * f + ix] * twiddle[x * f + ix] }
                    partial[(t * f + iy) * width + x] = sum
                }
            }
        }
        self.partial = partial
        rowTwiddles = ImageOperatorRows.twiddles(frequencies: f, size: height)
    }

    /// rowTwiddles[y · F + iy] = e^{2πi fy u_y}
    let rowTwiddles: [Complex32]

    /// table[i · F + j] = e^{2πi (j − (F − 1)/2)(i − N/2)/N}
    static func twiddles(frequencies f: Int, size: Int) -> [Complex32] {
        var table = [Complex32](repeating: .zero, count: size * f)
        for i in 0..<size {
            let u = Double(i - size / 2) / Double(size)
            for j in 0..<f {
                let angle = 2 * Double.pi * Double(j - (f - 1) / 2) * u
                table[i * f + j] = Complex32(Float(cos(angle)), Float(sin(angle)))
            }
        }
        return table
    }

    /// out[t · W + x] = G_t(y, x) for every coil pair t.
    func evaluate(row y: Int, into out: inout [Complex32]) {
        let f = frequencies, w = width
        partial.withUnsafeBufferPointer { p in
            rowTwiddles.withUnsafeBufferPointer { tw in
                out.withUnsafeMutableBufferPointer { o in
                    for t in 0..<pairCount {
                        for x in 0..<w { o[t * w + x] = .zero }
                        for iy in 0..<f {
                            let e = tw[y * f + iy]
                            let base = (t * f + iy) * w
                            for x in 0..<w { o[t * w + x] += p[base + x] * e }
                        }
                    }
                }
            }
        }
    }
}

/// Leading eigenpair of one pixel's C × C Hermitian matrix by power iteration. Each worker
/// owns one solver; its buffers are allocated once and freed with it.
private final class PixelEigenSolver {
    let coils: Int, iterations: Int
    private let matrix: UnsafeMutablePointer<Complex32>
    let vector: UnsafeMutablePointer<Complex32>
    private let next: UnsafeMutablePointer<Complex32>
    private(set) var value: Float = 0

    init(coils: Int, iterations: Int) {
        self.coils = coils
        self.iterations = iterations
        matrix = .allocate(capacity: coils * coils)
        vector = .allocate(capacity: coils)
        next = .allocate(capacity: coils)
        vector.initialize(repeating: .zero, count: coils)
    }

    deinit {
        matrix.deallocate()
        vector.deallocate()
        next.deallocate()
    }

    /// Unpacks pixel x of an evaluated row (upper-triangle pairs, t · W + x) and iterates.
    func solve(_ row: UnsafeBufferPointer<Complex32>, pixel x: Int, width w: Int) {
        let c = coils, m = matrix, v = vector, nx = next
        var t = 0
        for i in 0..<c {
            for j in i..<c {
                let g = row[t * w + x]
                m[i * c + j] = g
                m[j * c + i] = g.conjugate
                t += 1
            }
        }
        // Start from G e₀ as BART's orthogonal iteration does, so that pixels where the two
        // leading eigenvalues nearly coincide (objects touching the FOV edge) come out alike.
        for i in 0..<c { v[i] = m[i * c] }
        value = Self.normalise(v, c)
        guard value > 0 else { return }
        for _ in 0..<iterations {
            for i in 0..<c {
                var s = Complex32.zero
                for j in 0..<c { s += m[i * c + j] * v[j] }
                nx[i] = s
            }
            value = Self.normalise(nx, c)
            guard value > 0 else { return }
            var change: Float = 0
            for i in 0..<c { change += (nx[i] - v[i]).magnitudeSquared; v[i] = nx[i] }
            if change < 1e-12 { break }
        }
    }

    private static func normalise(_ v: UnsafeMutablePointer<Complex32>, _ n: Int) -> Float {
        var s: Float = 0
        for i in 0..<n { s += v[i].magnitudeSquared }
        let norm = s.squareRoot()
        if norm > 0 { for i in 0..<n { v[i] *= 1 / norm } }
        return norm
    }
}

/// Output pointers shared by the workers; each writes disjoint pixels.
private struct PixelOutput: @unchecked Sendable {
    let maps: UnsafeMutablePointer<Complex32>
    let values: UnsafeMutablePointer<Float>

    func store(_ solver: PixelEigenSolver, y: Int, x: Int, height: Int, width: Int, crop: Float, reference: [Complex32]?) {
        let plane = height * width, i = y * width + x
        values[i] = solver.value
        guard solver.value > crop else { return }  // maps are zero-initialised
        var rotation = Complex32.one
        if let reference {
            var z = Complex32.zero
            for c in 0..<solver.coils { z += reference[c].conjugate * solver.vector[c] }
            let m = z.magnitude
            if m > 0 { rotation = z.conjugate / m }
        }
        for c in 0..<solver.coils { maps[c * plane + i] = solver.vector[c] * rotation }
    }
}
