import AmbientCore
import AmbientTorch
import Foundation

/// Seconds per slice of A-DPS posterior sampling (one sample per slice), the loop bench/dps_seconds_per_slice.sh
/// compares with the same loop in Python (diffusers + torch autograd + NumPy FFTs).
///
/// Setup, fixed so the peer can repeat it: a U-Net of `config` with 3 input channels (image + mask)
/// and 2 outputs, freshly initialised from seed 0, EDM-preconditioned (σ_data 0.5); `slices` synthetic
/// config.sample_size² slices with `coils` birdcage coils and 4× random Cartesian line masks with
/// sample_size/8 ACS lines; Fourier ambient prior with Ã = the slice's mask less 20 % of its non-ACS lines;
/// `steps` Euler steps σ 10 → 0.004 without churn, ζ = 1; all slices in one batch. So the network runs
/// `steps` forward + input-gradient passes on a batch of `slices`. One untimed warm-up step first.
/// (`ambient-ml bench-ml dps` exposes this.)
public func benchmarkPosteriorSampling(config: UNet2DConfig, slices: Int = 8, steps: Int = 10, coils: Int = 8,
                                       device: Device = .cpu) throws -> Double {
    guard let size = config.sampleSize, size > 0 else {
        throw AmbientError(.badArgument, "config.json", "the benchmark needs sample_size")
    }
    guard slices >= 1, steps >= 1, coils >= 1 else {
        throw AmbientError(.badArgument, "benchmark", "slices, steps and coils must be ≥ 1")
    }
    var networkConfig = config
    networkConfig.inChannels = 3
    networkConfig.outChannels = 2
    let network = try UNet2DModel(config: networkConfig, seed: 0, device: device)
    network.isTraining = false
    let denoiser = try EDMDenoiser(network: network, preconditioning: EDMPreconditioning(sigmaData: 0.5), imageChannels: 2)

    let maps = try Coils.birdcageSensitivities(coils: coils, height: size, width: size)
    let problems = try (0..<slices).map { n -> PosteriorSlice in
        var rng = SeededGenerator(hashing: ["bench-dps", String(n)])
        let image = ComplexArray.gaussianNoise(shape: [size, size], variance: 0.25, using: &rng)
        let mask = try MaskSpec.cartesianRandom(acceleration: 4, acsLines: max(2, size / 8)).make(height: size, width: size, using: &rng)
        return PosteriorSlice(kspace: LinearOperator.sense(maps: maps, mask: mask).forward(image), maps: maps, mask: mask, name: "bench-\(n)")
    }

    var posterior = PosteriorConfig()
    posterior.sampler = SamplerConfig(steps: steps, sigmaMin: 0.004, sigmaMax: 10, solver: .euler)
    posterior.prior = .fourier(mask: nil, further: .lineFraction(fraction: 0.2))
    posterior.batchSize = slices
    var warmup = posterior
    warmup.sampler.steps = 1
    _ = try PosteriorSampler(denoiser: denoiser, config: warmup).reconstruct(slices: problems)

    let sampler = try PosteriorSampler(denoiser: denoiser, config: posterior)
    let start = DispatchTime.now().uptimeNanoseconds
    let results = try sampler.reconstruct(slices: problems)
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    guard results.allSatisfy({ $0.mean.allFinite }) else {
        throw AmbientError(.numerical, "bench dps", "the reconstruction is not finite")
    }
    return seconds / Double(slices)
}
