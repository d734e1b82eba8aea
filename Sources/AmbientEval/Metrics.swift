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
        var total = 0.0
        gt.withUnsafeBufferPointer { g in
            pred.withUnsafeBufferPointer { p in
                for s in 0..<slices {
                    total += sliceSSIM(UnsafeBufferPointer(rebasing: g[(s * plane)..<((s + 1) * plane)]),
                                       UnsafeBufferPointer(rebasing: p[(s * plane)..<((s + 1) * plane)]),
                                       height: h, width: w, dataRange: range)
                }
            }
        }
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

    /// skimage's SSIM on one plane: window means from summed-area tables (exact in double for
    /// these sizes), evaluated only at the valid centres that skimage keeps after its border crop.
    static func sliceSSIM(_ x: UnsafeBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>,
                          height h: Int, width w: Int, dataRange: Double) -> Double {
        let tables = SummedAreaTables(x, y, height: h, width: w)
        let n = Double(ssimWindow * ssimWindow)
        let covarianceNorm = n / (n - 1)
        let c1 = (ssimK1 * dataRange) * (ssimK1 * dataRange)
        let c2 = (ssimK2 * dataRange) * (ssimK2 * dataRange)
        let radius = (ssimWindow - 1) / 2
        var total = 0.0
        for row in radius..<(h - radius) {
            for column in radius..<(w - radius) {
                let m = tables.windowMeans(top: row - radius, left: column - radius, side: ssimWindow)
                let vx = covarianceNorm * (m.xx - m.x * m.x)
                let vy = covarianceNorm * (m.yy - m.y * m.y)
                let vxy = covarianceNorm * (m.xy - m.x * m.y)
                let numerator = (2 * m.x * m.y + c1) * (2 * vxy + c2)
                let denominator = (m.x * m.x + m.y * m.y + c1) * (vx + vy + c2)
                total += numerator / denominator
            }
        }
        return total / Double((h - 2 * radius) * (w - 2 * radius))
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

/// Summed-area tables of x, y, x², y², xy over one plane, (h+1) × (w+1) with a zero first row/column.
private struct SummedAreaTables {
    let stride: Int
    var x, y, xx, yy, xy: [Double]

    init(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>, height h: Int, width w: Int) {
        stride = w + 1
        let size = (h + 1) * (w + 1)
        x = [Double](repeating: 0, count: size); y = x; xx = x; yy = x; xy = x
        for row in 0..<h {
            var sx = 0.0, sy = 0.0, sxx = 0.0, syy = 0.0, sxy = 0.0
            for column in 0..<w {
                let u = Double(a[row * w + column]), v = Double(b[row * w + column])
                sx += u; sy += v; sxx += u * u; syy += v * v; sxy += u * v
                let here = (row + 1) * stride + column + 1, above = row * stride + column + 1
                x[here] = x[above] + sx; y[here] = y[above] + sy
                xx[here] = xx[above] + sxx; yy[here] = yy[above] + syy; xy[here] = xy[above] + sxy
            }
        }
    }

    func windowMeans(top: Int, left: Int, side: Int) -> (x: Double, y: Double, xx: Double, yy: Double, xy: Double) {
        let a = top * stride + left, b = a + side, c = a + side * stride, d = c + side
        let scale = 1 / Double(side * side)
        func mean(_ t: [Double]) -> Double { (t[d] - t[b] - t[c] + t[a]) * scale }
        return (mean(x), mean(y), mean(xx), mean(yy), mean(xy))
    }
}
