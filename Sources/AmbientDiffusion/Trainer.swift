import AmbientCore
import AmbientIO
import AmbientTorch
import Foundation

/// Trains (or fine-tunes) an EDM-preconditioned diffusers U-Net with one of the objectives on one
/// kind of corrupted data. The run folder holds training_log.jsonl, checkpoints/step-NNNNNNNNN/ (see
/// `Checkpoint`) and loss_curve.png (redrawn at each log entry).
public final class Trainer {
    public let options: TrainingOptions
    public let runDirectory: URL
    public let denoiser: EDMDenoiser
    public var network: UNet2DModel { denoiser.network }
    public let dataset: TrainingDataset
    public let device: Device
    /// Steps completed.
    public private(set) var step: Int = 0
    /// Called after each log entry with the path for the loss curve and the log so far; by default
    /// a log-scale line plot (AmbientIO's `Figures`). Set to nil to skip it.
    public var lossCurveWriter: ((URL, [TrainingLogEntry]) throws -> Void)?

    let optimizer: AdamW
    let ema: ExponentialMovingAverage
    let builder: BatchBuilder
    private var log: TrainingLogWriter?
    private var history: [TrainingLogEntry] = []

    /// A run from `network` (fresh, or a base adapted with `ChannelAdaptation`). The network must take
    /// `options.networkInputChannels` channels and predict 2. `trainOnlyPrefixes` freezes the rest.
    public init(network: UNet2DModel, dataset: TrainingDataset, options: TrainingOptions, runDirectory: URL,
                device: Device = .cpu) throws {
        let resolved = try options.resolved()
        guard network.config.inChannels == resolved.networkInputChannels else {
            throw AmbientError(.badArgument, "network", "takes \(network.config.inChannels) input channels; the \(resolved.objective.rawValue) objective with mask_channel=\(resolved.maskChannel!) needs \(resolved.networkInputChannels) (adapt it with ChannelAdaptation)")
        }
        self.options = resolved
        self.runDirectory = runDirectory
        self.dataset = dataset
        self.device = device
        denoiser = try EDMDenoiser(network: network, preconditioning: EDMPreconditioning(sigmaData: resolved.sigmaData))
        if let prefixes = resolved.trainOnlyPrefixes { try ChannelAdaptation.freeze(network, exceptPrefixes: prefixes) }
        let trainable = network.trainableParameters()
        guard !trainable.isEmpty else { throw AmbientError(.badArgument, "train_only_prefixes", "no parameter is left to train") }
        optimizer = try AdamW(parameters: trainable, learningRate: resolved.learningRate(atStep: 0),
                              betas: (resolved.adamBeta1, resolved.adamBeta2), eps: resolved.adamEps, weightDecay: resolved.weightDecay)
        ema = try ExponentialMovingAverage(of: network, decay: resolved.emaDecay)
        builder = try BatchBuilder(options: resolved, dataset: dataset)
        let title = "loss (\(resolved.objective.rawValue), \(resolved.corruption.rawValue)), one point per \(resolved.logEvery) steps"
        lossCurveWriter = { url, history in
            try Figures.writeLinePlot([Figures.Series(name: "loss", values: history.map(\.loss))], to: url.path, title: title, logY: true)
        }
    }

    /// Continues a run from a checkpoint folder exactly as if it had never stopped. `steps` overrides
    /// the total number of steps (to train longer than first planned).
    public static func resume(from checkpoint: URL, dataset: TrainingDataset, runDirectory: URL? = nil,
                              steps: Int? = nil, device: Device = .cpu) throws -> Trainer {
        var options = try TrainingOptions.load(from: checkpoint.appendingPathComponent(Checkpoint.optionsFile))
        if let steps { options.steps = steps }
        let state = try Checkpoint.readJSON(Checkpoint.State.self, from: checkpoint.appendingPathComponent(Checkpoint.stateFile))
        guard state.formatVersion == 1 else {
            throw AmbientError(.unsupported, checkpoint.path, "checkpoint format \(state.formatVersion) (this build reads 1)")
        }
        let network = try UNet2DModel.load(directory: checkpoint.appendingPathComponent(Checkpoint.modelFolder), device: device)
        let run = runDirectory ?? checkpoint.deletingLastPathComponent().deletingLastPathComponent()
        let trainer = try Trainer(network: network, dataset: dataset, options: options, runDirectory: run, device: device)
        let emaNetwork = try UNet2DModel.load(directory: checkpoint.appendingPathComponent(Checkpoint.emaFolder), device: device)
        try withNoGrad {
            for (shadow, saved) in zip(trainer.ema.shadow, emaNetwork.namedParameters()) {
                guard shadow.name == saved.name else {
                    throw AmbientError(.badFormat, checkpoint.path, "EMA parameter \(saved.name) where \(shadow.name) was expected")
                }
                try shadow.tensor.copyValues(from: saved.tensor)
            }
        }
        try trainer.optimizer.load(from: checkpoint.appendingPathComponent(Checkpoint.optimizerFile))
        trainer.step = state.step
        return trainer
    }

    /// The outcome of one optimisation step.
    public struct StepResult: Sendable {
        public let loss: Double
        public let gradientNorm: Float
        public let learningRate: Float
        public let networkSeconds: Double
        public let fourierLossSeconds: Double
    }

    /// One optimisation step on a prepared batch (public for benchmarks and tests).
    public func trainStep(_ batch: PreparedBatch) throws -> StepResult {
        let networkStart = Date()
        let learningRate = options.learningRate(atStep: step)
        optimizer.learningRate = learningRate
        network.zeroGrad()
        let noisy = try Tensor(channelsFrom: batch.noisy, device: device)
        let conditioning = try batch.conditioning.map { try Tensor($0, device: device) }
        let denoised = try denoiser(noisy, sigma: batch.sigma, conditioning: conditioning)
        let weight = batch.sigma.map { denoiser.preconditioning.lossWeight(sigma: $0) }
        var loss = 0.0, fourierSeconds = 0.0
        switch batch.loss {
        case let .image(target, observed):
            let h = batch.noisy.shape[1], w = batch.noisy.shape[2]
            let value = try DenoisingLoss.observedPixelError(
                denoised: denoised, target: Tensor(channelsFrom: target, device: device),
                observed: observed.map { try Tensor($0.reshaped([batch.sigma.count, 1, h, w]), device: device) }, weight: weight)
            try value.backward()
            loss = Double(try value.item())
        case let .fourier(slices):
            // Physics in FFTW: D leaves autograd here and only dL/dD comes back.
            let fourierStart = Date()
            let (value, gradient) = try DenoisingLoss.fourierObservedResidual(denoised: denoised.complexImages(), slices: slices, weight: weight)
            fourierSeconds = Date().timeIntervalSince(fourierStart)
            try denoised.backward(gradient: Tensor(channelsFrom: gradient, device: device))
            loss = value
        }
        guard loss.isFinite else {
            throw AmbientError(.numerical, "training step \(step)", "the loss is \(loss) (lower learning_rate or check the data scaling)")
        }
        let trainable = optimizer.parameters
        let norm = try clipGradientNorm(trainable, maxNorm: options.gradientClip > 0 ? options.gradientClip : .greatestFiniteMagnitude)
        try withNoGrad {
            try optimizer.step()
            try ema.update(from: network, step: step + 1)
        }
        step += 1
        return StepResult(loss: loss, gradientNorm: norm, learningRate: learningRate,
                          networkSeconds: Date().timeIntervalSince(networkStart) - fourierSeconds, fourierLossSeconds: fourierSeconds)
    }

    /// The objective's loss on a batch with the current weights, without training (evaluation).
    public func loss(on batch: PreparedBatch) throws -> Double {
        try withNoGrad {
            let noisy = try Tensor(channelsFrom: batch.noisy, device: device)
            let conditioning = try batch.conditioning.map { try Tensor($0, device: device) }
            let denoised = try denoiser(noisy, sigma: batch.sigma, conditioning: conditioning)
            let weight = batch.sigma.map { denoiser.preconditioning.lossWeight(sigma: $0) }
            switch batch.loss {
            case let .image(target, observed):
                let h = batch.noisy.shape[1], w = batch.noisy.shape[2]
                return Double(try DenoisingLoss.observedPixelError(
                    denoised: denoised, target: Tensor(channelsFrom: target, device: device),
                    observed: observed.map { try Tensor($0.reshaped([batch.sigma.count, 1, h, w]), device: device) },
                    weight: weight).item())
            case let .fourier(slices):
                return try DenoisingLoss.fourierObservedResidual(denoised: denoised.complexImages(), slices: slices, weight: weight).loss
            }
        }
    }

    /// The batch of `step` as this run draws it (for evaluation and tests).
    public func batch(step: Int) throws -> PreparedBatch { try builder.batch(step: step) }

    /// A summary of `run`.
    public struct Summary: Sendable {
        public let steps: Int
        public let finalLoss: Double
        public let stepsPerSecond: Double
        public let lastCheckpoint: URL?
        /// Mean seconds per step: waiting for data, network, FFTW loss, and preparing data (on the loader thread).
        public let dataWaitSeconds: Double, networkSeconds: Double, fourierLossSeconds: Double, preparationSeconds: Double
    }

    /// Trains until `options.steps` (or `stopAfter` steps from now, to simulate an interruption),
    /// logging every `log_every` steps and checkpointing every `checkpoint_every` steps and at the end.
    @discardableResult
    public func run(stopAfter: Int? = nil, writeCheckpoints: Bool = true) throws -> Summary {
        let end = min(options.steps, stopAfter.map { step + $0 } ?? options.steps)
        let logURL = runDirectory.appendingPathComponent("training_log.jsonl")
        do { try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true) } catch {
            throw AmbientError(.unwritable, runDirectory.path, "cannot create the run folder: \(error.localizedDescription)")
        }
        if log == nil {
            // The resolved options beside the log too (EDM's run-folder training_options.json).
            try AtomicWrite.write(options.jsonData(), to: runDirectory.appendingPathComponent(Checkpoint.optionsFile).path)
            if FileManager.default.fileExists(atPath: logURL.path) {
                try TrainingLogWriter.truncate(logURL, after: step)
                history = (try? TrainingLogWriter.read(logURL)) ?? []
            }
            log = try TrainingLogWriter(url: logURL)
        }
        let first = step
        guard end > first else {
            return Summary(steps: 0, finalLoss: .nan, stepsPerSecond: 0, lastCheckpoint: nil,
                           dataWaitSeconds: 0, networkSeconds: 0, fourierLossSeconds: 0, preparationSeconds: 0)
        }
        let loader = BatchPrefetcher(builder: builder, steps: first..<end, depth: options.prefetch)
        defer { loader.stop() }
        let progress = ProgressBar("train (\(options.objective.rawValue), \(options.corruption.rawValue))",
                                   total: end - first, unit: "steps", enabled: options.showProgress)
        let start = Date()
        var window = Window()
        var total = Window()
        var lastCheckpoint: URL?
        var lastLoss = Double.nan
        while step < end {
            let (batch, waited) = try loader.next()
            let result = try trainStep(batch)
            lastLoss = result.loss
            window.add(result, batch: batch, waited: waited)
            total.add(result, batch: batch, waited: waited)
            progress.advance(by: 1, status: String(format: "loss %.4g", result.loss))
            if step % options.logEvery == 0 || step == end {
                let elapsed = Date().timeIntervalSince(start)
                let entry = window.entry(step: step, learningRate: result.learningRate, seconds: elapsed,
                                         stepsPerSecond: Double(step - first) / max(elapsed, 1e-9))
                try log?.append(entry)
                history.append(entry)
                try lossCurveWriter?(runDirectory.appendingPathComponent("loss_curve.png"), history)
                window = Window()
            }
            if writeCheckpoints, (options.checkpointEvery > 0 && step % options.checkpointEvery == 0) || step == options.steps {
                lastCheckpoint = try saveCheckpoint()
            }
        }
        progress.finish(status: String(format: "loss %.4g", lastLoss))
        let elapsed = Date().timeIntervalSince(start)
        let n = Double(max(total.count, 1))
        return Summary(steps: end - first, finalLoss: lastLoss, stepsPerSecond: Double(end - first) / max(elapsed, 1e-9),
                       lastCheckpoint: lastCheckpoint, dataWaitSeconds: total.waited / n, networkSeconds: total.network / n,
                       fourierLossSeconds: total.fourier / n, preparationSeconds: total.preparation / n)
    }

    /// Writes checkpoints/step-NNNNNNNNN for the current step (atomically) and returns its folder.
    @discardableResult
    public func saveCheckpoint() throws -> URL {
        let destination = runDirectory.appendingPathComponent("checkpoints").appendingPathComponent(Checkpoint.name(step: step))
        try Checkpoint.write(to: destination) { folder in
            try network.save(directory: folder.appendingPathComponent(Checkpoint.modelFolder))
            let emaNetwork = try UNet2DModel(config: network.config, device: device)
            try withNoGrad { try ema.copy(into: emaNetwork) }
            try emaNetwork.save(directory: folder.appendingPathComponent(Checkpoint.emaFolder))
            try optimizer.save(to: folder.appendingPathComponent(Checkpoint.optimizerFile))
            try Checkpoint.writeJSON(Checkpoint.State(step: step, seed: options.seed, maskSeed: options.maskSeed),
                                     to: folder.appendingPathComponent(Checkpoint.stateFile))
            let optionsURL = folder.appendingPathComponent(Checkpoint.optionsFile)
            do { try options.jsonData().write(to: optionsURL) } catch {
                throw AmbientError(.unwritable, optionsURL.path, error.localizedDescription)
            }
        }
        return destination
    }

    /// The EMA weights as a network (for sampling).
    public func emaNetwork() throws -> UNet2DModel {
        let copy = try UNet2DModel(config: network.config, device: device)
        try withNoGrad { try ema.copy(into: copy) }
        return copy
    }

    /// Running sums for a log entry.
    private struct Window {
        var count = 0
        var loss = 0.0, waited = 0.0, network = 0.0, fourier = 0.0, preparation = 0.0
        var gradientNorm: Float = 0
        var sigmas: [Float] = []

        mutating func add(_ r: StepResult, batch: PreparedBatch, waited w: Double) {
            count += 1
            loss += r.loss
            waited += w
            network += r.networkSeconds
            fourier += r.fourierLossSeconds
            preparation += batch.preparationSeconds
            gradientNorm = r.gradientNorm
            sigmas += batch.sigma
        }

        func entry(step: Int, learningRate: Float, seconds: Double, stepsPerSecond: Double) -> TrainingLogEntry {
            let n = Double(max(count, 1))
            return TrainingLogEntry(step: step, loss: loss / n, learningRate: learningRate, sigmaMin: sigmas.min() ?? 0,
                                    sigmaMean: sigmas.reduce(0, +) / Float(max(sigmas.count, 1)), sigmaMax: sigmas.max() ?? 0,
                                    gradientNorm: gradientNorm, seconds: seconds, stepsPerSecond: stepsPerSecond,
                                    dataWaitSeconds: waited / n, networkSeconds: network / n, fourierLossSeconds: fourier / n)
        }
    }
}
