import AmbientCore
import Foundation

/// Image-quality metrics exactly as fastMRI's `fastmri/evaluate.py` defines them (which calls
/// scikit-image for PSNR and SSIM). All sums run in double precision.
///
/// - NMSE = ‖gt − pred‖² / ‖gt‖² over the whole array (NaN when gt is all zero, as NumPy gives).
/// - PSNR = 10 log10(dataRange² / MSE), dataRange = gt.max() by default; +∞ when pred == gt.
/// - SSIM: scikit-image `structural_similarity` defaults — 7×7 uniform window, K1 = 0.01, K2 = 0.03,
///   sample covariances (×N/(N−1), N = 49), the mean over the pixels whose window lies inside the image
///   (skimage crops (7−1)/2 = 3 pixels at each border). On a volume [slices, H, W] it is the mean of
///   the per-slice values with dataRange = the VOLUME's gt.max(), as fastMRI does.
///
/// Reference values match scikit-image run in float64; fastMRI on float32 files lets skimage compute
/// in float32, which differs from these by float32 rounding (about 1e-5 relative for SSIM).
public enum Metrics {
    /// scikit-image's SSIM window side (`win_size = 7` for the uniform filter).
    public static let ssimWindow = 7
    public static let ssimK1 = 0.01
    public static let ssimK2 = 0.03

    /// Mean squared error over all elements.
    public static func mse(_ gt: RealArray, _ pred: RealArray) throws -> Double {
        try requireSameShape(gt, pred, "MSE")
        guard gt.count > 0 else { return .nan }
        return squaredDifference(gt, pred) / Double(gt.count)
    }

    /// Normalised mean squared error ‖gt − pred‖² / ‖gt‖².
    public static func nmse(_ gt: RealArray, _ pred: RealArray) throws -> Double {
        try requireSameShape(gt, pred, "NMSE")
        return squaredDifference(gt, pred) / gt.normSquared
    }

    /// Peak signal-to-noise ratio in dB with `dataRange` (default: gt's maximum).
    public static func psnr(_ gt: RealArray, _ pred: RealArray, dataRange: Double? = nil) throws -> Double {
        let error = try mse(gt, pred)
        let range = dataRange ?? Double(gt.maximum)
        return 10 * log10(range * range / error)
    }

    /// SSIM of one image [H, W], or the mean over slices of a volume [slices, H, W]; `dataRange`
    /// defaults to gt's maximum over the whole array (the volume maximum, as fastMRI uses).
    public static func ssim(_ gt: RealArray, _ pred: RealArray, dataRange: Double? = nil) throws -> Double {
        try requireSameShape(gt, pred, "SSIM")
        guard gt.rank == 2 || gt.rank == 3 else {
            throw AmbientError(.badShape, "SSIM", "needs [H, W] or [slices, H, W], got \(gt.shape)")
        }
        let h = gt.shape[gt.rank - 2], w = gt.shape[gt.rank - 1]
        guard h >= ssimWindow, w >= ssimWindow else {
            throw AmbientError(.badShape, "SSIM", "image \(h)×\(w) is smaller than the \(ssimWindow)×\(ssimWindow) window")
        }
        let range = dataRange ?? Double(gt.maximum)
        let slices = gt.rank == 3 ? gt.shape[0] : 1
        guard slices > 0 else { return .nan }
        let plane = h * w
        // Slices are independent: spread them over the cores, each writing its own entry.
        var perSlice = [Double](repeating: 0, count: slices)
        gt.withUnsafeBufferPointer { g in
            pred.withUnsafeBufferPointer { p in
                perSlice.withUnsafeMutableBufferPointer { out in
                    let results = out
                    DispatchQueue.concurrentPerform(iterations: slices) { s in
                        results[s] = sliceSSIM(UnsafeBufferPointer(rebasing: g[(s * plane)..<((s + 1) * plane)]),
                                               UnsafeBufferPointer(rebasing: p[(s * plane)..<((s + 1) * plane)]),
                                               height: h, width: w, dataRange: range)
                    }
                }
            }
        }
        let total = perSlice.reduce(0, +)
        return total / Double(slices)
    }

    /// NMSE, PSNR, SSIM and MSE of one volume [slices, H, W] as fastMRI reports them.
    public static func volume(target: RealArray, prediction: RealArray) throws -> VolumeMetrics {
        guard target.rank == 3 else {
            throw AmbientError(.badShape, "volume metrics", "target must be [slices, H, W], got \(target.shape)")
        }
        return VolumeMetrics(nmse: try nmse(target, prediction), psnr: try psnr(target, prediction),
                             ssim: try ssim(target, prediction), mse: try mse(target, prediction))
    }

    // MARK: - Internals

    static func requireSameShape(_ gt: RealArray, _ pred: RealArray, _ metric: String) throws {
        guard gt.shape == pred.shape else {
            throw AmbientError(.badShape, metric, "target \(gt.shape) and prediction \(pred.shape) differ in shape")
        }
    }

    static func squaredDifference(_ a: RealArray, _ b: RealArray) -> Double {
        a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in
                var sum = 0.0
                for i in 0..<x.count { let d = Double(x[i]) - Double(y[i]); sum += d * d }
                return sum
            }
        }
    }

    /// skimage's SSIM on one plane, evaluated only at the valid centres that skimage keeps after its
    /// border crop. Window sums of x, y, x², y², xy are separable running sums in double precision:
    /// horizontal 7-sums per row, accumulated down the columns over the last 7 rows.
    static func sliceSSIM(_ x: UnsafeBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>,
                          height h: Int, width w: Int, dataRange: Double) -> Double {
        let side = ssimWindow
        let n = Double(side * side)
        let covarianceNorm = n / (n - 1)
        let c1 = (ssimK1 * dataRange) * (ssimK1 * dataRange)
        let c2 = (ssimK2 * dataRange) * (ssimK2 * dataRange)
        let columns = w - side + 1
        // ring[(row % side) * 5 + q][c]: horizontal sums of quantity q for one of the last `side` rows.
        var ring = [Double](repeating: 0, count: side * 5 * columns)
        var column = [Double](repeating: 0, count: 5 * columns)
        var total = 0.0
        ring.withUnsafeMutableBufferPointer { ring in
            column.withUnsafeMutableBufferPointer { acc in
                for row in 0..<h {
                    let slot = (row % side) * 5 * columns
                    let base = row * w
                    // Retire the row that leaves the window.
                    if row >= side { for i in 0..<(5 * columns) { acc[i] -= ring[slot + i] } }
                    var sx = 0.0, sy = 0.0, sxx = 0.0, syy = 0.0, sxy = 0.0
                    for c in 0..<w {
                        let u = Double(x[base + c]), v = Double(y[base + c])
                        sx += u; sy += v; sxx += u * u; syy += v * v; sxy += u * v
                        if c >= side {
                            let u0 = Double(x[base + c - side]), v0 = Double(y[base + c - side])
                            sx -= u0; sy -= v0; sxx -= u0 * u0; syy -= v0 * v0; sxy -= u0 * v0
                        }
                        if c >= side - 1 {
                            let k = c - side + 1
                            ring[slot + k] = sx; ring[slot + columns + k] = sy; ring[slot + 2 * columns + k] = sxx
                            ring[slot + 3 * columns + k] = syy; ring[slot + 4 * columns + k] = sxy
                        }
                    }
                    for i in 0..<(5 * columns) { acc[i] += ring[slot + i] }
                    guard row >= side - 1 else { continue }
                    for k in 0..<columns {
                        let mx = acc[k] / n, my = acc[columns + k] / n
                        let vx = covarianceNorm * (acc[2 * columns + k] / n - mx * mx)
                        let vy = covarianceNorm * (acc[3 * columns + k] / n - my * my)
                        let vxy = covarianceNorm * (acc[4 * columns + k] / n - mx * my)
                        total += ((2 * mx * my + c1) * (2 * vxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
                    }
                }
            }
        }
        return total / Double((h - side + 1) * columns)
    }
}

/// fastMRI's per-volume numbers.
public struct VolumeMetrics: Codable, Sendable, Equatable {
    public var nmse: Double
    public var psnr: Double
    public var ssim: Double
    public var mse: Double

    public init(nmse: Double, psnr: Double, ssim: Double, mse: Double) {
        self.nmse = nmse; self.psnr = psnr; self.ssim = ssim; self.mse = mse
    }
}
