import AmbientCore
import Foundation

/// How the K estimates D_k = D(P_k x; σ, Ã_k) of one image are combined.
public enum MaskCombination: String, Codable, Sendable, CaseIterable {
    /// D̄ = (1/K) Σ_k D_k (reconstruction guidance by averaging).
    case average
    /// Each k-space line (pixel, for image-domain masks) from the estimates whose Ã kept it — where the
    /// network denoised an entry it saw instead of inpainting one it did not; entries no Ã kept take the
    /// average: D̄ = Σ_k W_k D_k, W_k = F⁻¹ diag(w_k) F, w_k = M̃_k / Σ_j M̃_j (1/K where Σ_j M̃_j = 0).
    case selective
}

/// A denoiser seen through each image's fixed corruptions: D̄(x) = Σ_k W_k D(P_k x; σ, Ã_k) with
/// W_k = 1/K (`MaskCombination`). K = 1 is the Ambient Diffusion sampler; K > 1 combines several
/// masks (reconstruction guidance). All B·K inputs go through one network call.
struct ConditionedDenoiser {
    let base: ImageDenoiser
    /// Per image, its K corruptions (the same K for every image).
    let corruptions: [[FixedCorruption]]
    let height: Int, width: Int
    /// w_k of entry j = i·K + k for the selective combination (nil: the average).
    private let selectiveWeights: [RealArray]?

    init(base: ImageDenoiser, corruptions: [[FixedCorruption]], height: Int, width: Int,
         combination: MaskCombination = .average) throws {
        guard let k = corruptions.first?.count, k >= 1, corruptions.allSatisfy({ $0.count == k }) else {
            throw AmbientError(.badArgument, "sampler", "every image needs the same number (≥ 1) of fixed masks")
        }
        self.base = base
        self.corruptions = corruptions
        self.height = height
        self.width = width
        selectiveWeights = combination == .selective && k > 1 && !Self.isPlain(corruptions)
            ? corruptions.flatMap { Self.selectiveWeights($0) } : nil
    }

    /// w_k = M̃_k / Σ_j M̃_j, or 1/K where no mask keeps the entry.
    private static func selectiveWeights(_ masks: [FixedCorruption]) -> [RealArray] {
        let coverage = masks.dropFirst().reduce(masks[0].mask) { $0 + $1.mask }
        let uniform = 1 / Float(masks.count)
        return masks.map { m in m.mask.zipMap(coverage) { kept, total in total > 0 ? kept / total : uniform } }
    }

    /// W_k applied to one image (entry j): in k-space for Fourier masks, pixel-wise for image masks.
    private func weigh(_ image: ComplexArray, entry j: Int, weights: [RealArray]) -> ComplexArray {
        let corruption = corruptions[j / masksPerImage][j % masksPerImage]
        return corruption.maskInKSpace ? FFT.inverse(FFT.forward(image).multiplied(by: weights[j])) : image.multiplied(by: weights[j])
    }

    var masksPerImage: Int { corruptions[0].count }
    private var plane: Int { height * width }
    private var isPlain: Bool { Self.isPlain(corruptions) }
    private static func isPlain(_ corruptions: [[FixedCorruption]]) -> Bool { corruptions.allSatisfy { $0.allSatisfy(\.isIdentity) } }

    /// The network batch [B·K, H, W] (image-major), σ per entry and the mask channel.
    private func inputs(_ x: ComplexArray, sigma: Float) throws -> (ComplexArray, [Float], RealArray?) {
        let b = corruptions.count, k = masksPerImage
        guard x.shape == [b, height, width] else {
            throw AmbientError(.badShape, "sampler", "state must be [\(b), \(height), \(width)], got \(x.shape)")
        }
        let sigmas = [Float](repeating: sigma, count: b * k)
        if isPlain && k == 1 {
            return (x, sigmas, base.takesMaskChannel ? RealArray(shape: x.shape, repeating: 1) : nil)
        }
        var batch = ComplexArray(zeros: [b * k, height, width])
        var masks = RealArray(zeros: [b * k, height, width])
        let images = (0..<b).map { x.slice($0) }
        var entries = [ComplexArray](repeating: ComplexArray(zeros: [height, width]), count: b * k)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: b * k) { j in
            let input = corruptions[j / k][j % k].input(images[j / k])
            lock.lock(); entries[j] = input; lock.unlock()
        }
        for j in 0..<(b * k) {
            batch.setSlice(j, to: entries[j])
            masks.setSlice(j, to: corruptions[j / k][j % k].mask)
        }
        return (batch, sigmas, base.takesMaskChannel ? masks : nil)
    }

    /// scale · Σ_k of per-entry images [B·K, H, W] → [B, H, W], each first mapped by `map(image, entry)`.
    private func sum(_ entries: ComplexArray, scale: Float, map: ((ComplexArray, Int) -> ComplexArray)?) -> ComplexArray {
        let b = corruptions.count, k = masksPerImage
        if k == 1 && map == nil && scale == 1 { return entries }
        var out = ComplexArray(zeros: [b, height, width])
        var mapped = [ComplexArray](repeating: ComplexArray(zeros: [height, width]), count: b * k)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: b * k) { j in
            let image = entries.slice(j)
            let value = map?(image, j) ?? image
            lock.lock(); mapped[j] = value; lock.unlock()
        }
        out.withUnsafeMutableBufferPointer { o in
            for j in 0..<(b * k) {
                mapped[j].withUnsafeBufferPointer { m in
                    let base = (j / k) * plane
                    for i in 0..<plane { o[base + i] += m[i] * scale }
                }
            }
        }
        return out
    }

    /// Σ_k W_k e_k over the entries e of each image.
    private func combine(_ entries: ComplexArray) -> ComplexArray {
        guard let weights = selectiveWeights else { return sum(entries, scale: 1 / Float(masksPerImage), map: nil) }
        return sum(entries, scale: 1, map: { image, j in self.weigh(image, entry: j, weights: weights) })
    }

    func denoise(_ x: ComplexArray, sigma: Float) throws -> ComplexArray {
        let (batch, sigmas, masks) = try inputs(x, sigma: sigma)
        return combine(try base.denoise(batch, sigma: sigmas, mask: masks))
    }

    /// D̄(x) and v ↦ J_D̄ᵀ v = Σ_k P_k J_kᵀ W_k v (P_k and W_k self-adjoint).
    func denoiseWithPullback(_ x: ComplexArray, sigma: Float) throws -> (ComplexArray, (ComplexArray) throws -> ComplexArray) {
        guard let differentiable = base as? DifferentiableImageDenoiser else {
            throw AmbientError(.unsupported, "sampler", "posterior sampling needs a denoiser with gradients")
        }
        let (batch, sigmas, masks) = try inputs(x, sigma: sigma)
        let (denoised, pullback) = try differentiable.denoiseWithPullback(batch, sigma: sigmas, mask: masks)
        let b = corruptions.count, k = masksPerImage
        let plain = isPlain
        let corruptions = self.corruptions
        let weights = selectiveWeights
        return (combine(denoised), { v in
            // Entry j of image i receives W_j v_i; the average's 1/K is applied in the sum instead.
            var perEntry = v
            if k > 1 {
                perEntry = ComplexArray(zeros: [b * k] + Array(v.shape.suffix(2)))
                for j in 0..<(b * k) {
                    let share = v.slice(j / k)
                    perEntry.setSlice(j, to: weights.map { self.weigh(share, entry: j, weights: $0) } ?? share)
                }
            }
            let entryGradients = try pullback(perEntry)
            return self.sum(entryGradients, scale: weights == nil ? 1 / Float(k) : 1,
                            map: plain ? nil : { image, j in corruptions[j / k][j % k].input(image) })
        })
    }
}
