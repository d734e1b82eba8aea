import AmbientCore
import Foundation

/// A denoiser seen through each image's fixed corruptions: D̄(x) = (1/K) Σ_k D(P_k x; σ, Ã_k).
/// K = 1 is the Ambient Diffusion sampler; K > 1 averages over several masks (reconstruction
/// guidance by averaging). All B·K inputs go through one network call.
struct ConditionedDenoiser {
    let base: ImageDenoiser
    /// Per image, its K corruptions (the same K for every image).
    let corruptions: [[FixedCorruption]]
    let height: Int, width: Int

    init(base: ImageDenoiser, corruptions: [[FixedCorruption]], height: Int, width: Int) throws {
        guard let k = corruptions.first?.count, k >= 1, corruptions.allSatisfy({ $0.count == k }) else {
            throw AmbientError(.badArgument, "sampler", "every image needs the same number (≥ 1) of fixed masks")
        }
        self.base = base
        self.corruptions = corruptions
        self.height = height
        self.width = width
    }

    var masksPerImage: Int { corruptions[0].count }
    private var plane: Int { height * width }
    private var isPlain: Bool { corruptions.allSatisfy { $0.allSatisfy(\.isIdentity) } }

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

    /// (1/K) Σ_k of per-entry images [B·K, H, W] → [B, H, W], each first mapped by `map(image, k-index)`.
    private func average(_ entries: ComplexArray, map: ((ComplexArray, Int) -> ComplexArray)?) -> ComplexArray {
        let b = corruptions.count, k = masksPerImage
        if k == 1 && map == nil { return entries }
        var out = ComplexArray(zeros: [b, height, width])
        var mapped = [ComplexArray](repeating: ComplexArray(zeros: [height, width]), count: b * k)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: b * k) { j in
            let image = entries.slice(j)
            let value = map?(image, j) ?? image
            lock.lock(); mapped[j] = value; lock.unlock()
        }
        let scale = 1 / Float(k)
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

    func denoise(_ x: ComplexArray, sigma: Float) throws -> ComplexArray {
        let (batch, sigmas, masks) = try inputs(x, sigma: sigma)
        return average(try base.denoise(batch, sigma: sigmas, mask: masks), map: nil)
    }

    /// D̄(x) and v ↦ J_D̄ᵀ v = (1/K) Σ_k P_k J_kᵀ v (P_k self-adjoint).
    func denoiseWithPullback(_ x: ComplexArray, sigma: Float) throws -> (ComplexArray, (ComplexArray) throws -> ComplexArray) {
        guard let differentiable = base as? DifferentiableImageDenoiser else {
            throw AmbientError(.unsupported, "sampler", "posterior sampling needs a denoiser with gradients")
        }
        let (batch, sigmas, masks) = try inputs(x, sigma: sigma)
        let (denoised, pullback) = try differentiable.denoiseWithPullback(batch, sigma: sigmas, mask: masks)
        let b = corruptions.count, k = masksPerImage
        let plain = isPlain
        let corruptions = self.corruptions
        return (average(denoised, map: nil), { v in
            // Every entry of image i receives v_i; the 1/K of the average is applied in `average`.
            var perEntry = v
            if k > 1 {
                perEntry = ComplexArray(zeros: [b * k] + Array(v.shape.suffix(2)))
                for j in 0..<(b * k) { perEntry.setSlice(j, to: v.slice(j / k)) }
            }
            let entryGradients = try pullback(perEntry)
            return self.average(entryGradients, map: plain ? nil : { image, j in corruptions[j / k][j % k].input(image) })
        })
    }
}
