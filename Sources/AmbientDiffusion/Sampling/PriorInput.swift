import AmbientCore

/// What the network saw during training, so that sampling feeds it the same kind of input
/// (BatchBuilder): for the ambient objectives a fixed further-corrupted operator Ã per image,
/// the input P·x_t (P = Ã's mask for images, ÃᴴÃ for k-space) and Ã's mask as the extra channel.
/// JSON form (Swift's enum coding), e.g. `{"imageMask": {"mask": {"randomPixels": {"missingProbability": 0.4}},
/// "further": {"pixels": {"probability": 0.1}}}}`.
public enum PriorInput: Codable, Sendable, Equatable {
    /// The network sees x_t itself (EDM, oracle and naive training); a mask channel, if the network
    /// has one, is all ones.
    case plain
    /// Image-domain Ambient Diffusion (Daras et al. 2023): per image a fixed A drawn from `mask`, then
    /// Ã = `further`(A), so a pixel survives with probability (1 − p)(1 − δ) as in training; the network
    /// sees Ã ⊙ x_t and Ã.
    case imageMask(mask: MaskSpec, further: FurtherCorruption)
    /// Fourier Ambient Diffusion (Aali et al. 2025): Ã = M̃·F·S with M̃ = `further`(M). M is drawn from
    /// `mask` (a line mask at the training acceleration, as A-DPS does) or, when `mask` is nil, is the
    /// slice's own sampling mask (posterior sampling only). The network sees ÃᴴÃ x_t and M̃.
    case fourier(mask: MaskSpec?, further: FurtherCorruption)

    /// The input that matches a training run's resolved options. For the Fourier ambient objective
    /// the training masks come from the data: `fourierMask` describes them (nil: the options'
    /// `priorMask`, recorded at training; nil too: each slice's own mask).
    public static func matching(_ options: TrainingOptions, fourierMask: MaskSpec? = nil) throws -> PriorInput {
        let resolved = try options.resolved()
        guard resolved.objective == .ambient else { return .plain }
        switch resolved.corruption {
        case .image: return .imageMask(mask: resolved.imageMask, further: resolved.furtherCorruption!)
        case .fourier: return .fourier(mask: fourierMask ?? resolved.priorMask, further: resolved.furtherCorruption!)
        }
    }

    /// The fixed corruption of one image: `maps` [C, H, W] are the slice's coil maps (Fourier
    /// input; nil means one coil of ones), `measuredMask` the slice's sampling mask, `rng` the
    /// image's own stream (seeded by its seed, so a sample's Ã does not depend on the batch).
    func fixedCorruption(height: Int, width: Int, maps: ComplexArray?, measuredMask: RealArray?,
                         using rng: inout SeededGenerator) throws -> FixedCorruption {
        switch self {
        case .plain:
            return .identity(height: height, width: width)
        case let .imageMask(spec, further):
            let observed = try spec.make(height: height, width: width, using: &rng)
            // Pixels have no calibration region: every observed pixel may be removed, as in training.
            let mask = try Corruptions.furtherCorrupt(observed, by: further, protecting: CalibrationRegion(rows: 0..<0, columns: 0..<0),
                                                      using: &rng)
            return FixedCorruption(mask: mask, input: { $0.multiplied(by: mask) })
        case let .fourier(spec, further):
            let sampled: RealArray
            if let spec {
                sampled = try spec.make(height: height, width: width, using: &rng)
            } else if let measuredMask {
                sampled = measuredMask
            } else {
                throw AmbientError(.badArgument, "prior input", "a Fourier prior without slices needs a training mask spec to draw Ã from")
            }
            let mask = try Corruptions.furtherCorrupt(sampled, by: further, using: &rng)
            let coilMaps = maps ?? ComplexArray(shape: [1, height, width], repeating: .one)
            let operator_ = LinearOperator.sense(maps: coilMaps, mask: mask)
            return FixedCorruption(mask: mask, input: { operator_.normal($0) }, maskInKSpace: true)
        }
    }
}

/// One image's fixed Ã: the network input map P (self-adjoint: a mask or ÃᴴÃ) and its mask channel.
struct FixedCorruption {
    /// [H, W]
    let mask: RealArray
    /// x ↦ P x on one [H, W] image. P is self-adjoint, so it is also its own pullback.
    let input: (ComplexArray) -> ComplexArray
    /// Whether P is the identity (plain input: nothing to apply).
    var isIdentity = false
    /// Whether `mask` lives on the k-space grid (Fourier priors) rather than the image's pixels.
    var maskInKSpace = false

    static func identity(height: Int, width: Int) -> FixedCorruption {
        FixedCorruption(mask: RealArray(shape: [height, width], repeating: 1), input: { $0 }, isIdentity: true)
    }
}
