import AmbientCore
import Foundation

/// Reconstruction of undersampled multi-coil k-space with a learned prior (`PosteriorConfig.method`):
/// A-DPS posterior samples (mean and pixel-wise std over seeds) or the A-OS one-step estimate.
///
/// Each slice is scaled so that its zero-filled image's 99th-percentile magnitude is 1 (the network's
/// units), sampled, optionally projected onto the data, and scaled back. The A-DPS step, per sample:
///   D = D(P x̂; t̂, Ã) (gradient tracked through the network only), r = A D − y (FFTW),
///   x_{i+1} = EDM step(x̂, D) − ζ/‖r‖ · J_Dᵀ (2 Aᴴ r) · P.
/// Samples of all slices are batched (`batch_size` per network call) since many images per call pay
/// on CPU; each sample's noise and fixed Ã come from (slice name, seed) only.
public final class PosteriorSampler {
    public let denoiser: ImageDenoiser
    public let config: PosteriorConfig

    public init(denoiser: ImageDenoiser, config: PosteriorConfig = PosteriorConfig()) throws {
        self.config = try config.validated()
        if self.config.method == .dps && !(denoiser is DifferentiableImageDenoiser) {
            throw AmbientError(.unsupported, "posterior sampler", "A-DPS needs a denoiser with gradients")
        }
        self.denoiser = denoiser
    }

    /// One result per slice. `seeds` name the samples of every slice (nil: 0..<config.samples);
    /// `progress` gets (steps done, total) over all batches.
    public func reconstruct(slices: [PosteriorSlice], seeds: [UInt64]? = nil,
                            progress: ((_ step: Int, _ total: Int) -> Void)? = nil) throws -> [PosteriorResult] {
        guard !slices.isEmpty else { return [] }
        for slice in slices {
            try slice.validate()
            if config.method == .dps && config.startSigma != nil && slice.initial == nil {
                throw AmbientError(.badArgument, slice.name.isEmpty ? "slice" : slice.name, "a warm start (start_sigma) needs an initial image for every slice")
            }
        }
        let seeds = seeds ?? (0..<UInt64(config.samples)).map { $0 }
        guard !seeds.isEmpty else { throw AmbientError(.badArgument, "--seeds", "no seeds given") }
        guard Set(seeds).count == seeds.count else { throw AmbientError(.badArgument, "--seeds", "seeds repeat") }
        let prepared = try slices.map { try PreparedSlice($0, percentile: config.scalePercentile) }
        switch config.method {
        case .dps:
            var jobs: [(slice: Int, seed: UInt64)] = []
            for s in 0..<slices.count { for seed in seeds { jobs.append((s, seed)) } }
            let images = try sampleDPS(prepared, jobs: jobs, progress: progress)
            return (0..<slices.count).map { s in
                summarise(images[(s * seeds.count)..<((s + 1) * seeds.count)].map { $0 }, scale: prepared[s].scale)
            }
        case .oneStep:
            let images = try oneStep(prepared, progress: progress)
            return zip(images, prepared).map { summarise([$0], scale: $1.scale) }
        }
    }

    // MARK: A-DPS

    private func sampleDPS(_ slices: [PreparedSlice], jobs: [(slice: Int, seed: UInt64)],
                           progress: ((Int, Int) -> Void)?) throws -> [ComplexArray] {
        let chunks = Self.chunksBySize(jobs.indices.map { slices[jobs[$0].slice].plane }, batchSize: config.batchSize)
        let steps = config.sampler.steps, total = chunks.count * steps
        var results = [ComplexArray](repeating: ComplexArray(zeros: []), count: jobs.count)
        var done = 0
        for chunk in chunks {
            let images = try sampleChunk(chunk.map { (slices[jobs[$0].slice], jobs[$0].seed) }, onStep: { progress?(done + $0, total) })
            done += steps
            for (j, job) in chunk.enumerated() { results[job] = images.slice(j) }
        }
        return results
    }

    /// Indices grouped by plane size (a network call needs one size), in order, cut into batches.
    static func chunksBySize(_ planes: [[Int]], batchSize: Int) -> [[Int]] {
        var order: [[Int]] = [], groups: [[Int]: [Int]] = [:]
        for (i, plane) in planes.enumerated() {
            if groups[plane] == nil { order.append(plane) }
            groups[plane, default: []].append(i)
        }
        return order.flatMap { plane -> [[Int]] in
            let members = groups[plane]!
            return stride(from: 0, to: members.count, by: batchSize).map { Array(members[$0..<min($0 + batchSize, members.count)]) }
        }
    }

    private func sampleChunk(_ jobs: [(slice: PreparedSlice, seed: UInt64)], onStep: @escaping (Int) -> Void) throws -> ComplexArray {
        let h = jobs[0].slice.plane[0], w = jobs[0].slice.plane[1]
        let corruptions = try jobs.map { job in
            try (0..<config.masksPerSample).map { k in
                var rng = SeededGenerator(hashing: ["ambient-posterior-mask", job.slice.name, String(job.seed), String(k)])
                return try config.prior.fixedCorruption(height: h, width: w, maps: job.slice.maps, measuredMask: job.slice.mask, using: &rng)
            }
        }
        let conditioned = try ConditionedDenoiser(base: denoiser, corruptions: corruptions, height: h, width: w,
                                                  combination: config.maskCombination)
        var generators = jobs.map { SeededGenerator(hashing: ["ambient-posterior-noise", $0.slice.name, String($0.seed)]) }
        let zeta = config.stepSize
        var schedule = config.sampler
        var start: ComplexArray?
        if let sigma = config.startSigma {
            schedule.sigmaMax = sigma
            start = ComplexArray.stack(jobs.map { $0.slice.initial! })
        }
        // The predictor's D and pullback at (x̂, t̂), consumed by the likelihood step after the update.
        var pending: (denoised: ComplexArray, pullback: (ComplexArray) throws -> ComplexArray)?
        let x = try EDMIntegrator(config: schedule).run(
            height: h, width: w, generators: &generators, start: start,
            denoise: { x, sigma, evaluation in
                guard evaluation == .predictor, zeta > 0 else { return try conditioned.denoise(x, sigma: sigma) }
                let (denoised, pullback) = try conditioned.denoiseWithPullback(x, sigma: sigma)
                pending = (denoised, pullback)
                return denoised
            },
            afterStep: { next, _ in
                guard let (denoised, pullback) = pending else { return }
                pending = nil
                let (residualGradient, residualNorms) = Self.dataGradient(denoised, jobs: jobs.map(\.slice))
                let gradient = try pullback(residualGradient)
                let factors = residualNorms.map { $0 > 0 ? -zeta / Float($0) : 0 }
                next += try scalePerImage(gradient, factors)
            },
            onStep: onStep)
        // Optional projection onto the data, in the network's units.
        var out = x
        if config.dataConsistency != .none {
            for j in 0..<jobs.count {
                let s = jobs[j].slice
                out.setSlice(j, to: config.dataConsistency.apply(x.slice(j), kspace: s.kspace, maps: s.maps, mask: s.mask))
            }
        }
        return out
    }

    /// Per image b: g_b = ∇_D ‖A_b D_b − y_b‖² = 2 A_bᴴ (A_b D_b − y_b) and ‖A_b D_b − y_b‖.
    static func dataGradient(_ denoised: ComplexArray, jobs: [PreparedSlice]) -> (ComplexArray, [Double]) {
        let b = jobs.count
        var gradients = [ComplexArray](repeating: ComplexArray(zeros: []), count: b)
        var norms = [Double](repeating: 0, count: b)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: b) { j in
            let a = jobs[j].operator_
            let residual = a.forward(denoised.slice(j)) - jobs[j].kspace
            let gradient = a.adjoint(residual) * 2
            let norm = residual.norm
            lock.lock(); gradients[j] = gradient; norms[j] = norm; lock.unlock()
        }
        return (ComplexArray.stack(gradients), norms)
    }

    // MARK: A-OS

    private func oneStep(_ slices: [PreparedSlice], progress: ((Int, Int) -> Void)?) throws -> [ComplexArray] {
        if case .imageMask = config.prior {
            throw AmbientError(.unsupported, "posterior sampler", "the one-step estimate needs a k-space (Fourier) or plain prior, not an image-mask prior")
        }
        var out = [ComplexArray](repeating: ComplexArray(zeros: []), count: slices.count)
        let chunks = Self.chunksBySize(slices.map(\.plane), batchSize: config.batchSize)
        for (n, indices) in chunks.enumerated() {
            let chunk = indices.map { slices[$0] }
            let zeroFilled = ComplexArray.stack(chunk.map(\.zeroFilled))
            // The network was trained on Ãᴴ(Ã x_t) with Ã's mask beside it; at σ → 0 with Ã = A that is Aᴴy with M.
            let masks: RealArray? = denoiser.takesMaskChannel
                ? RealArray.stack(chunk.map { config.prior == .plain ? RealArray(shape: $0.plane, repeating: 1) : $0.mask })
                : nil
            let denoised = try denoiser.denoise(zeroFilled, sigma: [Float](repeating: config.oneStepSigma, count: chunk.count), mask: masks)
            for j in 0..<chunk.count {
                let s = chunk[j]
                out[indices[j]] = config.dataConsistency.apply(denoised.slice(j), kspace: s.kspace, maps: s.maps, mask: s.mask)
            }
            progress?(n + 1, chunks.count)
        }
        return out
    }

    // MARK: Summary

    /// Mean and pixel-wise std of the samples, back in the slice's units.
    private func summarise(_ samples: [ComplexArray], scale: Float) -> PosteriorResult {
        let n = samples.count
        var mean = samples[0]
        for s in samples.dropFirst() { mean += s }
        mean.scale(by: 1 / Float(n))
        var std: RealArray?
        if n > 1 {
            var variance = RealArray(zeros: mean.shape)
            variance.withUnsafeMutableBufferPointer { v in
                mean.withUnsafeBufferPointer { m in
                    for s in samples {
                        s.withUnsafeBufferPointer { p in for i in 0..<v.count { v[i] += (p[i] - m[i]).magnitudeSquared } }
                    }
                }
            }
            std = variance.map { ($0 / Float(n)).squareRoot() * scale }
        }
        mean.scale(by: scale)
        return PosteriorResult(mean: mean, std: std,
                               samples: config.keepSamples ? ComplexArray.stack(samples) * scale : nil, scale: scale)
    }
}

/// A slice in the network's units: y/scale (masked), its operator and zero-filled image.
struct PreparedSlice {
    let name: String
    let kspace: ComplexArray
    let maps: ComplexArray
    let mask: RealArray
    let scale: Float
    let operator_: LinearOperator
    let zeroFilled: ComplexArray
    /// The warm start's estimate in network units.
    let initial: ComplexArray?
    var plane: [Int] { mask.shape }

    init(_ slice: PosteriorSlice, percentile: Double) throws {
        name = slice.name
        maps = slice.maps
        mask = slice.mask
        operator_ = LinearOperator.sense(maps: slice.maps, mask: slice.mask)
        let measured = LinearOperator.mask(slice.mask, shape: slice.kspace.shape).forward(slice.kspace)
        scale = try zeroFilledScale(kspace: measured, maps: slice.maps, mask: slice.mask, percentile: percentile,
                                    subject: slice.name.isEmpty ? "slice" : slice.name)
        kspace = measured * (1 / scale)
        zeroFilled = operator_.adjoint(kspace)
        let toNetworkUnits = 1 / scale
        initial = slice.initial.map { $0 * toNetworkUnits }
    }
}
