import AmbientCore

/// Unconditional generation (EDM's generate.py; for networks trained on corrupted data, the
/// fixed-mask sampler of Daras et al. 2023): each image draws its fixed Ã once from its seed and the
/// network sees P·x_t and Ã at every step (`PriorInput`). With `masksPerImage` K > 1 the denoiser is
/// averaged over K fixed masks per image. Images are seeded one by one (`seeds`), so an image does
/// not depend on the batch it ran in; batches only share network calls.
public final class PriorSampler {
    public let denoiser: ImageDenoiser
    public let config: SamplerConfig

    public init(denoiser: ImageDenoiser, config: SamplerConfig = SamplerConfig()) throws {
        self.denoiser = denoiser
        self.config = try config.validated()
    }

    /// One image per seed, [seeds.count, height, width], in the network's units.
    /// - Parameters:
    ///   - input: how the network sees its input (`.plain` for EDM/oracle networks).
    ///   - maps: coil maps [C, H, W] for a Fourier prior's Ã = M̃FS (nil: one coil of ones).
    ///   - batchSize: images per network call.
    ///   - progress: (steps done, total steps) over all batches.
    public func generate(seeds: [UInt64], height: Int, width: Int, input: PriorInput = .plain, masksPerImage: Int = 1,
                         maps: ComplexArray? = nil, batchSize: Int = 16,
                         progress: ((_ step: Int, _ total: Int) -> Void)? = nil) throws -> ComplexArray {
        guard !seeds.isEmpty else { throw AmbientError(.badArgument, "--seeds", "no seeds given") }
        guard height > 0, width > 0 else { throw AmbientError(.badArgument, "sampler", "image size must be positive, got \(height)×\(width)") }
        guard batchSize >= 1 else { throw AmbientError(.badArgument, "batch", "must be ≥ 1, got \(batchSize)") }
        guard masksPerImage >= 1 else { throw AmbientError(.badArgument, "masks", "must be ≥ 1, got \(masksPerImage)") }
        if input == .plain && masksPerImage > 1 {
            throw AmbientError(.badArgument, "masks", "averaging over several masks needs an ambient prior input, not plain")
        }
        if let maps, maps.rank != 3 || Array(maps.shape.suffix(2)) != [height, width] {
            throw AmbientError(.badShape, "maps", "coil maps must be [C, \(height), \(width)], got \(maps.shape)")
        }
        let batches = stride(from: 0, to: seeds.count, by: batchSize).map { Array(seeds[$0..<min($0 + batchSize, seeds.count)]) }
        let total = batches.count * config.steps
        var out = ComplexArray(zeros: [seeds.count, height, width])
        var done = 0, written = 0
        for batch in batches {
            let corruptions = try batch.map { seed in
                try (0..<masksPerImage).map { k in
                    var rng = SeededGenerator(hashing: ["ambient-sampler-mask", String(seed), String(k)])
                    return try input.fixedCorruption(height: height, width: width, maps: maps, measuredMask: nil, using: &rng)
                }
            }
            let conditioned = try ConditionedDenoiser(base: denoiser, corruptions: corruptions, height: height, width: width)
            var generators = batch.map { SeededGenerator(hashing: ["ambient-sampler-noise", String($0)]) }
            let images = try EDMIntegrator(config: config).run(
                height: height, width: width, generators: &generators,
                denoise: { x, sigma, _ in try conditioned.denoise(x, sigma: sigma) },
                onStep: { step in progress?(done + step, total) })
            done += config.steps
            for j in 0..<batch.count { out.setSlice(written + j, to: images.slice(j)) }
            written += batch.count
        }
        try out.requireFinite("sampler", what: "generated images")
        return out
    }
}
