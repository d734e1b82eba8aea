import AmbientCore
import AmbientTorch
import Foundation

/// Karras et al. (EDM, 2022) preconditioning: the denoiser is
/// D(x; σ) = c_skip(σ)·x + c_out(σ)·F(c_in(σ)·x, c_noise(σ)) with
/// c_skip = σ_d²/(σ²+σ_d²), c_out = σ·σ_d/√(σ²+σ_d²), c_in = 1/√(σ²+σ_d²), c_noise = ln(σ)/4,
/// so that the network F sees unit-variance inputs and predicts a unit-variance target at every σ.
public struct EDMPreconditioning: Codable, Equatable, Sendable {
    /// Standard deviation of the data (σ_d).
    public var sigmaData: Float

    public init(sigmaData: Float = 0.5) { self.sigmaData = sigmaData }

    public struct Coefficients: Equatable, Sendable {
        public let skip: Float, output: Float, input: Float, noise: Float
    }

    public func coefficients(sigma: Float) -> Coefficients {
        let s2 = sigma * sigma, d2 = sigmaData * sigmaData
        return Coefficients(skip: d2 / (s2 + d2), output: sigma * sigmaData / (s2 + d2).squareRoot(),
                            input: 1 / (s2 + d2).squareRoot(), noise: Foundation.log(sigma) / 4)
    }

    /// The EDM loss weight λ(σ) = (σ² + σ_d²)/(σ·σ_d)², which makes the effective target of F unit-weighted.
    public func lossWeight(sigma: Float) -> Float {
        (sigma * sigma + sigmaData * sigmaData) / ((sigma * sigmaData) * (sigma * sigmaData))
    }
}

/// EDM's training noise levels: ln σ ~ N(P_mean, P_std²), optionally conditioned on σ ≥ `minimum`
/// (redrawn until it holds, so the shape above the floor is EDM's).
public struct LogNormalSigma: Codable, Equatable, Sendable {
    public var mean: Float
    public var std: Float
    /// Lowest σ drawn (0: no floor).
    public var minimum: Float

    public init(mean: Float = -1.2, std: Float = 1.2, minimum: Float = 0) {
        self.mean = mean
        self.std = std
        self.minimum = minimum
    }

    public func sample(using rng: inout SeededGenerator) -> Float {
        // Bounded redraws; a floor far in the tail falls back to the floor itself.
        for _ in 0..<64 {
            let sigma = Foundation.exp(mean + std * rng.nextNormal())
            if sigma >= minimum { return sigma }
        }
        return minimum
    }
}

/// A diffusers U-Net wrapped in EDM preconditioning. The first `imageChannels` input channels are the
/// noisy image (scaled by c_in); any further input channels (masks) pass through unscaled.
public final class EDMDenoiser {
    public let network: UNet2DModel
    public let preconditioning: EDMPreconditioning
    /// Channels of the image itself (2: real and imaginary parts).
    public let imageChannels: Int

    public init(network: UNet2DModel, preconditioning: EDMPreconditioning = EDMPreconditioning(), imageChannels: Int = 2) throws {
        guard network.config.outChannels == imageChannels else {
            throw AmbientError(.badArgument, "denoiser", "network predicts \(network.config.outChannels) channels, the images have \(imageChannels)")
        }
        guard network.config.inChannels >= imageChannels else {
            throw AmbientError(.badArgument, "denoiser", "network takes \(network.config.inChannels) channels, fewer than the image's \(imageChannels)")
        }
        self.network = network
        self.preconditioning = preconditioning
        self.imageChannels = imageChannels
    }

    /// Extra (conditioning) channels the network expects after the image channels.
    public var conditioningChannels: Int { network.config.inChannels - imageChannels }

    /// D(x; σ) for `noisy` [B, imageChannels, H, W], per-sample `sigma` (count B), and `conditioning`
    /// [B, conditioningChannels, H, W] (nil when the network takes none).
    public func callAsFunction(_ noisy: Tensor, sigma: [Float], conditioning: Tensor? = nil) throws -> Tensor {
        let shape = noisy.shape
        guard shape.count == 4, shape[1] == imageChannels, shape[0] == sigma.count else {
            throw AmbientError(.badShape, "denoiser", "input must be [\(sigma.count), \(imageChannels), H, W] for \(sigma.count) noise levels, got \(shape)")
        }
        guard (conditioning?.shape[1] ?? 0) == conditioningChannels else {
            throw AmbientError(.badShape, "denoiser", "network expects \(conditioningChannels) conditioning channels, got \(conditioning?.shape[1] ?? 0)")
        }
        let c = sigma.map { preconditioning.coefficients(sigma: $0) }
        let device = noisy.device
        func perSample(_ values: [Float]) throws -> Tensor {
            try Tensor(shape: [values.count, 1, 1, 1], elements: values, device: device)
        }
        var input = try noisy * perSample(c.map(\.input))
        if let conditioning { input = try Tensor.cat([input, conditioning], axis: 1) }
        let labels = try Tensor(shape: [sigma.count], elements: c.map(\.noise), device: device)
        let f = try network(input, timesteps: labels)
        return try noisy * perSample(c.map(\.skip)) + f * perSample(c.map(\.output))
    }
}
