import AmbientCore
import AmbientTorch

/// The EDM-preconditioned U-Net as a sampler's denoiser: complex images in as 2 channels, the
/// mask as the one conditioning channel the ambient networks are trained with (BatchBuilder).
extension EDMDenoiser: DifferentiableImageDenoiser {
    public var takesMaskChannel: Bool { conditioningChannels > 0 }

    public func denoise(_ noisy: ComplexArray, sigma: [Float], mask: RealArray?) throws -> ComplexArray {
        try withNoGrad {
            let (input, conditioning) = try networkInputs(noisy, sigma: sigma, mask: mask)
            if let split {
                let f = try networkOutput(input, sigma: sigma, conditioning: conditioning).complexImages()
                return try split.denoised(input: noisy, networkOutput: f, masks: mask!, sigma: sigma)
            }
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
            // Split: the graph holds F only; D = c_skip·x + Ψ F is composed here, so J_Dᵀ v = c_skip·v + J_Fᵀ Ψ v.
            output = split == nil ? try self(input, sigma: sigma, conditioning: conditioning)
                                  : try networkOutput(input, sigma: sigma, conditioning: conditioning)
        }
        let raw = try withNoGrad { try output.complexImages() }
        let split = self.split
        let denoised = try split.map { try $0.denoised(input: noisy, networkOutput: raw, masks: mask!, sigma: sigma) } ?? raw
        let device = network.device
        return (denoised, { v in
            guard v.shape == noisy.shape else {
                throw AmbientError(.badShape, "denoiser pullback", "gradient must be \(noisy.shape), got \(v.shape)")
            }
            let outputGradient = try split.map { try $0.apply(v, masks: mask!, sigma: sigma) } ?? v
            try output.backward(gradient: Tensor(channelsFrom: outputGradient, device: device))
            guard let grad = input.grad else { throw AmbientError(.backend, "denoiser pullback", "no gradient reached the input") }
            var inputGradient = try grad.complexImages()
            if let split { try inputGradient.addScaledPerImage(v, sigma.map { split.preconditioning.coefficients(sigma: $0).skip }) }
            return inputGradient
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
