import AmbientCore
import AmbientIO
import Foundation

/// What the network is trained to do with corrupted data.
public enum Objective: String, Codable, Sendable, CaseIterable {
    /// Ambient Diffusion: further corrupt (Ã = B·A), denoise, score only what A observed.
    case ambient
    /// Baseline: treat the corrupted (masked / zero-filled) images as if they were clean.
    case naive
    /// Baseline: train on the clean images (an upper bound that needs ground truth).
    case oracle
}

/// Where the measurements live.
public enum CorruptionKind: String, Codable, Sendable, CaseIterable {
    /// Image-domain masks A_i (missing pixels, boxes), one fixed mask per training image.
    case image
    /// Multi-coil Cartesian/Poisson undersampling A = M·F·S, masks and maps from the data.
    case fourier
}

/// Every setting of a training or fine-tuning run. JSON keys are snake_case; missing keys take the
/// defaults below. `resolved()` fills the choices that depend on others, and the resolved options are
/// saved beside each checkpoint as training_options.json.
public struct TrainingOptions: Codable, Equatable, Sendable {
    public var objective: Objective = .ambient
    public var corruption: CorruptionKind = .image
    /// The per-image mask A_i for image-domain corruption (drawn once per image from its index).
    public var imageMask: MaskSpec = .randomPixels(missingProbability: 0.4)
    /// The further corruption Ã = B·A. Nil: pixels(0.1) for images, lineFraction(0.2) for k-space.
    public var furtherCorruption: FurtherCorruption?
    /// Fourier ambient: the training acquisitions' mask distribution, from which posterior sampling
    /// draws the prior's fixed Ã (as in training: Ã = further(A), A ~ this). Nil: `finetune` describes
    /// the data's own masks (`MaskSpec.cartesianDescription`); failing that, each test slice's own mask.
    public var priorMask: MaskSpec?
    /// Whether the network sees the mask (Ã for ambient, A for naive, ones for oracle) as an extra
    /// channel. Nil: true for the ambient objective, false for the baselines.
    public var maskChannel: Bool?
    public var sigmaData: Float = 0.5
    public var pMean: Float = -1.2
    public var pStd: Float = 1.2
    /// Lowest training σ of the ambient objective (nil: 0.1 for k-space, 0 for images). Below some σ
    /// the dropped samples' target through EDM's c_out grows as 1/σ and its error, which no input
    /// can explain, dominates λ(σ)-weighted training; the model is trained, and sampled, only above it.
    public var ambientSigmaMin: Float?
    public var batchSize: Int = 16
    public var steps: Int = 1000
    public var learningRate: Float = 1e-4
    public var warmupSteps: Int = 100
    public var adamBeta1: Float = 0.9
    public var adamBeta2: Float = 0.999
    public var adamEps: Float = 1e-8
    public var weightDecay: Float = 0
    /// Joint gradient-norm bound (0 disables clipping).
    public var gradientClip: Float = 1
    /// EMA decay, reached after a warm-up: step t uses min(ema_decay, (1 + t)/(10 + t)).
    public var emaDecay: Float = 0.999
    public var checkpointEvery: Int = 500
    public var logEvery: Int = 10
    /// Seed of every training-time random draw (batches, σ, noise, Ã).
    public var seed: UInt64 = 0
    /// Seed of the fixed per-image masks A_i (kept apart from `seed` so reruns keep the same data).
    public var maskSeed: UInt64 = 0
    /// Ready batches the background loader may hold.
    public var prefetch: Int = 4
    /// Fine-tuning: train only parameters whose names start with one of these (nil: train all).
    public var trainOnlyPrefixes: [String]?
    public var showProgress: Bool = true

    public init() {}

    enum CodingKeys: String, CodingKey {
        case objective, corruption, seed, steps, prefetch, imageMask, furtherCorruption, priorMask, maskChannel, sigmaData, pMean, pStd, ambientSigmaMin
        case batchSize, learningRate, warmupSteps, adamBeta1, adamBeta2, adamEps, weightDecay, gradientClip, emaDecay
        case checkpointEvery, logEvery, maskSeed, trainOnlyPrefixes, showProgress
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T { try c.decodeIfPresent(T.self, forKey: key) ?? fallback }
        objective = try value(.objective, objective)
        corruption = try value(.corruption, corruption)
        imageMask = try value(.imageMask, imageMask)
        furtherCorruption = try c.decodeIfPresent(FurtherCorruption.self, forKey: .furtherCorruption)
        maskChannel = try c.decodeIfPresent(Bool.self, forKey: .maskChannel)
        priorMask = try c.decodeIfPresent(MaskSpec.self, forKey: .priorMask)
        sigmaData = try value(.sigmaData, sigmaData)
        pMean = try value(.pMean, pMean)
        pStd = try value(.pStd, pStd)
        ambientSigmaMin = try c.decodeIfPresent(Float.self, forKey: .ambientSigmaMin)
        batchSize = try value(.batchSize, batchSize)
        steps = try value(.steps, steps)
        learningRate = try value(.learningRate, learningRate)
        warmupSteps = try value(.warmupSteps, warmupSteps)
        adamBeta1 = try value(.adamBeta1, adamBeta1)
        adamBeta2 = try value(.adamBeta2, adamBeta2)
        adamEps = try value(.adamEps, adamEps)
        weightDecay = try value(.weightDecay, weightDecay)
        gradientClip = try value(.gradientClip, gradientClip)
        emaDecay = try value(.emaDecay, emaDecay)
        checkpointEvery = try value(.checkpointEvery, checkpointEvery)
        logEvery = try value(.logEvery, logEvery)
        seed = try value(.seed, seed)
        maskSeed = try value(.maskSeed, maskSeed)
        prefetch = try value(.prefetch, prefetch)
        trainOnlyPrefixes = try c.decodeIfPresent([String].self, forKey: .trainOnlyPrefixes)
        showProgress = try value(.showProgress, showProgress)
    }

    /// The options with every dependent default filled in, validated.
    public func resolved() throws -> TrainingOptions {
        var r = self
        if r.furtherCorruption == nil {
            r.furtherCorruption = corruption == .image ? .pixels(probability: 0.1) : .lineFraction(fraction: 0.2)
        }
        if r.maskChannel == nil { r.maskChannel = objective == .ambient }
        if r.ambientSigmaMin == nil { r.ambientSigmaMin = Self.defaultAmbientSigmaMin(corruption) }
        func bad(_ key: String, _ message: String) -> AmbientError { AmbientError(.badArgument, key, message) }
        guard batchSize >= 1 else { throw bad("batch_size", "must be ≥ 1, got \(batchSize)") }
        guard steps >= 0 else { throw bad("steps", "must be ≥ 0, got \(steps)") }
        guard learningRate > 0, learningRate.isFinite else { throw bad("learning_rate", "must be positive, got \(learningRate)") }
        guard warmupSteps >= 0 else { throw bad("warmup_steps", "must be ≥ 0, got \(warmupSteps)") }
        guard sigmaData > 0 else { throw bad("sigma_data", "must be positive, got \(sigmaData)") }
        guard pStd >= 0 else { throw bad("p_std", "must be ≥ 0, got \(pStd)") }
        guard let floor = r.ambientSigmaMin, floor >= 0, floor.isFinite else {
            throw bad("ambient_sigma_min", "must be finite and ≥ 0, got \(r.ambientSigmaMin ?? .nan)")
        }
        guard emaDecay >= 0, emaDecay <= 1 else { throw bad("ema_decay", "must lie in [0, 1], got \(emaDecay)") }
        guard gradientClip >= 0 else { throw bad("gradient_clip", "must be ≥ 0, got \(gradientClip)") }
        guard checkpointEvery >= 0 else { throw bad("checkpoint_every", "must be ≥ 0 (0 = only at the end), got \(checkpointEvery)") }
        guard logEvery >= 1 else { throw bad("log_every", "must be ≥ 1, got \(logEvery)") }
        guard prefetch >= 1 else { throw bad("prefetch", "must be ≥ 1, got \(prefetch)") }
        return r
    }

    /// The lowest σ this model was trained at: `ambientSigmaMin` for the ambient objective, else 0.
    /// Samplers stop their schedules there (the last step lands on D(x; σ_min)).
    public var lowestTrainedSigma: Float { objective == .ambient ? (ambientSigmaMin ?? Self.defaultAmbientSigmaMin(corruption)) : 0 }

    /// 0.1 for k-space (measured on the brain protocol: 0.05 and 0.2 gave lower SSIM or PSNR, docs/results.md);
    /// none for image masks, whose dropped pixels the Ambient papers train at every σ.
    static func defaultAmbientSigmaMin(_ corruption: CorruptionKind) -> Float { corruption == .fourier ? 0.1 : 0 }

    /// Input channels the network needs: 2 image channels plus the mask channel if any.
    public var networkInputChannels: Int { 2 + ((maskChannel ?? (objective == .ambient)) ? 1 : 0) }

    /// Learning rate at `step` (0-based): linear warm-up to `learningRate` over `warmupSteps`.
    public func learningRate(atStep step: Int) -> Float {
        warmupSteps == 0 ? learningRate : learningRate * min(1, Float(step + 1) / Float(warmupSteps))
    }

    /// Reads a training-options JSON file (snake_case keys, as every AmbientMRI config file).
    public static func load(from url: URL) throws -> TrainingOptions {
        try ConfigFile.load(TrainingOptions.self, from: url.path)
    }

    public static func decode(_ data: Data, source: String = "training options") throws -> TrainingOptions {
        try ConfigFile.decode(TrainingOptions.self, from: data, source: source)
    }

    public func jsonData() throws -> Data { try ConfigFile.encode(self) }
}
