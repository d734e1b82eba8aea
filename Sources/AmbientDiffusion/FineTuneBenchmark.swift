import AmbientCore
import AmbientTorch
import Foundation

/// Throughput of Fourier ambient fine-tuning and where the time goes (per step, seconds).
public struct FineTuneBenchmarkResult: Codable, Sendable {
    public var stepsPerSecond: Double
    /// Waiting for the loader (0 when it keeps up).
    public var dataWaitSeconds: Double
    /// Preparing a batch on the loader thread (overlaps with the network).
    public var dataPreparationSeconds: Double
    /// Network forward + backward + clipping + AdamW + EMA.
    public var networkSeconds: Double
    /// FFTW loss and gradient (AᴴA twice per slice).
    public var fourierLossSeconds: Double

    enum CodingKeys: String, CodingKey {
        case stepsPerSecond = "steps_per_s", dataWaitSeconds = "data_wait_s", dataPreparationSeconds = "data_preparation_s"
        case networkSeconds = "network_s", fourierLossSeconds = "fourier_loss_s"
    }
}

/// Fine-tuning steps with the Fourier ambient objective on synthetic multi-coil data: a base U-Net of
/// `config` (2 channels) gains the mask channel, then trains on `batch` slices of config.sample_size²
/// with `coils` birdcage coils and 4× Cartesian masks. `warmup` untimed steps first.
/// (The command line exposes this as `ambient bench-finetune`.)
public func benchmarkFineTuneSteps(config: UNet2DConfig, batch: Int = 16, coils: Int = 8, steps: Int = 5, warmup: Int = 1,
                                   device: Device = .cpu) throws -> FineTuneBenchmarkResult {
    guard let size = config.sampleSize, size > 0 else {
        throw AmbientError(.badArgument, "config.json", "the benchmark needs sample_size")
    }
    guard batch >= 1, coils >= 1, steps >= 1, warmup >= 0 else {
        throw AmbientError(.badArgument, "benchmark", "batch, coils and steps must be ≥ 1, warmup ≥ 0")
    }
    var baseConfig = config
    baseConfig.inChannels = 2
    baseConfig.outChannels = 2
    let base = try UNet2DModel(config: baseConfig, seed: 0, device: device)
    let network = try ChannelAdaptation.adapt(base, inputChannels: 3, outputChannels: 2)

    let slices = 2 * batch
    let maps = try Coils.birdcageSensitivities(coils: coils, height: size, width: size)
    var kspace = ComplexArray(zeros: [slices, coils, size, size])
    var masks = RealArray(zeros: [slices, size, size])
    for n in 0..<slices {
        var rng = SeededGenerator(hashing: ["bench-finetune", String(n)])
        let image = ComplexArray.gaussianNoise(shape: [size, size], variance: 0.25, using: &rng)
        let mask = try MaskSpec.cartesianRandom(acceleration: 4, acsLines: max(2, size / 8)).make(height: size, width: size, using: &rng)
        kspace.setSlice(n, to: LinearOperator.sense(maps: maps, mask: mask).forward(image))
        masks.setSlice(n, to: mask)
    }
    let dataset = try InMemoryKSpaceDataset(kspace: kspace, maps: ComplexArray.stack(Array(repeating: maps, count: slices)), masks: masks)

    var options = TrainingOptions()
    options.objective = .ambient
    options.corruption = .fourier
    options.batchSize = batch
    options.steps = warmup + steps
    options.warmupSteps = 0
    options.checkpointEvery = 0
    options.logEvery = warmup + steps
    options.showProgress = false
    let run = FileManager.default.temporaryDirectory.appendingPathComponent("ambient-bench-finetune-\(getpid())")
    defer { try? FileManager.default.removeItem(at: run) }
    let trainer = try Trainer(network: network, dataset: dataset, options: options, runDirectory: run, device: device)
    if warmup > 0 { try trainer.run(stopAfter: warmup, writeCheckpoints: false) }
    let timed = try trainer.run(stopAfter: steps, writeCheckpoints: false)
    return FineTuneBenchmarkResult(stepsPerSecond: timed.stepsPerSecond, dataWaitSeconds: timed.dataWaitSeconds,
                                   dataPreparationSeconds: timed.preparationSeconds, networkSeconds: timed.networkSeconds,
                                   fourierLossSeconds: timed.fourierLossSeconds)
}
