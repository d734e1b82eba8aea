import AmbientCore
import AmbientIO
import Foundation

/// Ambient Diffusion's memorisation check: a model trained on corrupted data should generate images
/// that are not copies of its training set. For each generated sample, the training image with the
/// highest normalised cross-correlation
///
///     NCC(a, b) = Σ (a − ā)(b − b̄) / (‖a − ā‖ ‖b − b̄‖)      (−1 … 1; 1 = identical up to gain and offset)
///
/// is found, and the SSIM of the pair reported. A constant image has no defined NCC; it scores 0.
///
/// `samples` [N, H, W] (or one [H, W]) and `training` [M, H, W] are magnitudes. The search normalises
/// every image once (zero mean, unit norm) so that all N·M correlations are one matrix product
/// (BLAS sgemm, in blocks of training images to bound memory); the winning pair's NCC is then
/// recomputed in double precision. SSIM uses the training image's maximum as data range (NaN for
/// images smaller than the 7×7 SSIM window).
public func auditMemorization(samples: RealArray, training: RealArray,
                              nearDuplicateThreshold: Double = 0.95) throws -> MemorizationReport {
    let samples = samples.rank == 2 ? samples.reshaped([1] + samples.shape) : samples
    guard samples.rank == 3, samples.shape[0] > 0 else {
        throw AmbientError(.badShape, "samples", "must be [N, H, W] with N ≥ 1, got \(samples.shape)")
    }
    guard training.rank == 3, training.shape[0] > 0 else {
        throw AmbientError(.badShape, "training images", "must be [M, H, W] with M ≥ 1, got \(training.shape)")
    }
    guard samples.shape.dropFirst() == training.shape.dropFirst() else {
        throw AmbientError(.badShape, "samples",
                           "image size \(Array(samples.shape.dropFirst())) differs from the training images' \(Array(training.shape.dropFirst()))")
    }
    try samples.requireFiniteValues("samples")
    try training.requireFiniteValues("training images")

    let pixels = samples.trailingCount(after: 1)
    let a = NearestNeighbourSearch.normalizedRows(samples)
    let b = NearestNeighbourSearch.normalizedRows(training)
    let best = NearestNeighbourSearch.bestMatches(a, b, rows: samples.shape[0], candidates: training.shape[0], length: pixels)

    var matches: [MemorizationMatch] = []
    matches.reserveCapacity(best.count)
    for (i, j) in best.enumerated() {
        let sample = samples.slice(i), image = training.slice(j)
        let ssim = pixels > 0 && samples.shape[1] >= Metrics.ssimWindow && samples.shape[2] >= Metrics.ssimWindow
            ? try Metrics.ssim(image, sample, dataRange: Double(image.maximum)) : .nan
        matches.append(MemorizationMatch(sample: i, trainingIndex: j,
                                         ncc: NearestNeighbourSearch.exactNCC(sample, image), ssim: ssim))
    }
    return MemorizationReport(matches: matches, nearDuplicateThreshold: nearDuplicateThreshold)
}

/// A generated sample and its nearest training image.
public struct MemorizationMatch: Codable, Sendable, Equatable {
    /// Index of the sample in the generated set.
    public var sample: Int
    /// Index of its nearest training image (highest NCC; the lowest index on ties).
    public var trainingIndex: Int
    public var ncc: Double
    public var ssim: Double

    public init(sample: Int, trainingIndex: Int, ncc: Double, ssim: Double) {
        self.sample = sample; self.trainingIndex = trainingIndex; self.ncc = ncc; self.ssim = ssim
    }
}

/// Per-sample nearest training images and summary statistics of their similarity.
public struct MemorizationReport: Codable, Sendable {
    /// One entry per sample, in sample order.
    public var matches: [MemorizationMatch]
    /// NCC above which a sample counts as a near-copy (0.95 by default).
    public var nearDuplicateThreshold: Double
    public var meanNCC: Double
    public var maxNCC: Double
    /// Fraction of samples whose best NCC exceeds `nearDuplicateThreshold`.
    public var fractionAboveThreshold: Double
    public var meanSSIM: Double

    public init(matches: [MemorizationMatch], nearDuplicateThreshold: Double) {
        self.matches = matches
        self.nearDuplicateThreshold = nearDuplicateThreshold
        let n = Double(max(matches.count, 1))
        meanNCC = matches.isEmpty ? .nan : matches.reduce(0) { $0 + $1.ncc } / n
        maxNCC = matches.map(\.ncc).max() ?? .nan
        fractionAboveThreshold = matches.isEmpty ? .nan : Double(matches.filter { $0.ncc > nearDuplicateThreshold }.count) / n
        meanSSIM = matches.isEmpty ? .nan : matches.reduce(0) { $0 + $1.ssim } / n
    }

    /// The `count` most similar pairs, highest NCC first.
    public func topMatches(_ count: Int) -> [MemorizationMatch] {
        Array(matches.sorted { ($0.ncc, -$0.sample) > ($1.ncc, -$1.sample) }.prefix(max(count, 0)))
    }

    public func writeJSON(to path: String) throws {
        try AtomicWrite.write(try reportJSON(self), to: path)
    }

    /// One line for logs.
    public var summaryLine: String {
        "\(matches.count) samples: NCC mean \(format(meanNCC)), max \(format(maxNCC)), "
            + "\(format(100 * fractionAboveThreshold))% above \(format(nearDuplicateThreshold)); SSIM mean \(format(meanSSIM))"
    }
}

/// The NCC search: normalised rows and a blocked matrix product.
enum NearestNeighbourSearch {
    /// Each image as a zero-mean, unit-norm row (all zeros for a constant image), flattened [count · pixels].
    static func normalizedRows(_ images: RealArray) -> [Float] {
        let count = images.shape[0], pixels = images.trailingCount(after: 1)
        var out = [Float](repeating: 0, count: count * pixels)
        images.withUnsafeBufferPointer { p in
            for k in 0..<count {
                let row = UnsafeBufferPointer(rebasing: p[(k * pixels)..<((k + 1) * pixels)])
                let mean = row.reduce(0.0) { $0 + Double($1) } / Double(max(pixels, 1))
                let norm = row.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) }.squareRoot()
                guard norm > 0 else { continue }
                for i in 0..<pixels { out[k * pixels + i] = Float((Double(row[i]) - mean) / norm) }
            }
        }
        return out
    }

    /// For each row of `a`, the index of the row of `b` with the largest dot product.
    static func bestMatches(_ a: [Float], _ b: [Float], rows: Int, candidates: Int, length: Int,
                            maxBlockElements: Int = 1 << 24) -> [Int] {
        var bestIndex = [Int](repeating: 0, count: rows)
        var bestValue = [Float](repeating: -.infinity, count: rows)
        let block = max(1, min(candidates, maxBlockElements / max(rows, 1)))
        var start = 0
        while start < candidates {
            let end = min(start + block, candidates)
            let products = matrixMultiply(a, Array(b[(start * length)..<(end * length)]),
                                          m: rows, n: end - start, k: length, transposeB: true)
            for i in 0..<rows {
                for j in 0..<(end - start) where products[i * (end - start) + j] > bestValue[i] {
                    bestValue[i] = products[i * (end - start) + j]
                    bestIndex[i] = start + j
                }
            }
            start = end
        }
        return bestIndex
    }

    /// NCC of two images in double precision (0 when either is constant).
    static func exactNCC(_ x: RealArray, _ y: RealArray) -> Double {
        x.withUnsafeBufferPointer { a in
            y.withUnsafeBufferPointer { b in
                let n = Double(max(a.count, 1))
                let ma = a.reduce(0.0) { $0 + Double($1) } / n, mb = b.reduce(0.0) { $0 + Double($1) } / n
                var ab = 0.0, aa = 0.0, bb = 0.0
                for i in 0..<a.count {
                    let u = Double(a[i]) - ma, v = Double(b[i]) - mb
                    ab += u * v; aa += u * u; bb += v * v
                }
                return aa > 0 && bb > 0 ? ab / (aa * bb).squareRoot() : 0
            }
        }
    }
}
