import AmbientCore
import AmbientTorch

/// The EDM-preconditioned U-Net as a sampler's denoiser: complex images in as 2 channels, the
/// mask as the one conditioning channel the ambient networks are trained with (BatchBuilder).
extension EDMDenoiser: DifferentiableImageDenoiser {
    public var takesMaskChannel: Bool { conditioningChannels > 0 }

    public func denoise(_ noisy: ComplexArray, sigma: [Float], mask: RealArray?) throws -> ComplexArray {
        try withNoGrad {
            let (input, conditioning) = try networkInputs(noisy, sigma: sigma, mask: mask)
            return try self(input, sigma: sigma, conditioning: conditioning).complexImages()
        }
    }

    /// D with the input tracked by autograd. The graph holds only this network call; parameters are
    /// frozen while it is recorded, so the backward pass computes the input gradient alone.
    public func denoiseWithPullback(_ noisy: ComplexArray, sigma: [Float], mask: RealArray?) throws
        -> (denoised: ComplexArray, pullback: (ComplexArray) throws -> ComplexArray) {
        let (input, conditioning) = try networkInputs(noisy, sigma: sigma, mask: mask)
        try input.requiringGrad()
        let trainable = network.parameters().filter(\.requiresGrad)
        for p in trainable { try p.requiringGrad(false) }
        let output: Tensor
        do {
            defer { for p in trainable { _ = try? p.requiringGrad(true) } }
            output = try self(input, sigma: sigma, conditioning: conditioning)
        }
        let denoised = try withNoGrad { try output.complexImages() }
        let device = network.device
        return (denoised, { v in
            guard v.shape == noisy.shape else {
                throw AmbientError(.badShape, "denoiser pullback", "gradient must be \(noisy.shape), got \(v.shape)")
            }
            try output.backward(gradient: Tensor(channelsFrom: v, device: device))
            guard let grad = input.grad else { throw AmbientError(.backend, "denoiser pullback", "no gradient reached the input") }
            return try grad.complexImages()
        })
    }

    private func networkInputs(_ noisy: ComplexArray, sigma: [Float], mask: RealArray?) throws -> (Tensor, Tensor?) {
        guard noisy.rank == 3, noisy.shape[0] == sigma.count else {
            throw AmbientError(.badShape, "denoiser", "images must be [\(sigma.count), H, W] for \(sigma.count) noise levels, got \(noisy.shape)")
        }
        let device = network.device
        let input = try Tensor(channelsFrom: noisy, device: device)
        guard conditioningChannels > 0 else { return (input, nil) }
        guard conditioningChannels == 1 else {
            throw AmbientError(.unsupported, "denoiser", "samplers feed one mask channel; the network wants \(conditioningChannels)")
        }
        guard let mask, mask.shape == noisy.shape else {
            throw AmbientError(.badShape, "denoiser", "the network needs a mask channel of shape \(noisy.shape), got \(mask?.shape.description ?? "none")")
        }
        return (input, try Tensor(mask.reshaped([sigma.count, 1] + Array(noisy.shape.suffix(2))), device: device))
    }
}
