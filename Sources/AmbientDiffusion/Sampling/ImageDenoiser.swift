import AmbientCore

/// D(x; σ): the posterior-mean denoiser a diffusion sampler needs, on a batch of complex images.
/// Samplers take this protocol, not a concrete network, so tests can plug in analytic denoisers.
public protocol ImageDenoiser: AnyObject {
    /// Whether the denoiser takes a mask as a conditioning channel (the ambient networks do).
    var takesMaskChannel: Bool { get }

    /// `noisy` [B, H, W] at per-image noise levels `sigma` (count B); `mask` [B, H, W] is the
    /// conditioning channel (required exactly when `takesMaskChannel`). Returns D [B, H, W].
    func denoise(_ noisy: ComplexArray, sigma: [Float], mask: RealArray?) throws -> ComplexArray
}

/// A denoiser whose vector–Jacobian product is available, for likelihood gradients through it.
/// Complex images count as two real channels: for a real function f of D, pass
/// g = ∂f/∂Re D + i ∂f/∂Im D and get ∂f/∂Re x + i ∂f/∂Im x back.
public protocol DifferentiableImageDenoiser: ImageDenoiser {
    /// D(x) and its pullback g ↦ J_Dᵀ g (each pullback may be called once).
    func denoiseWithPullback(_ noisy: ComplexArray, sigma: [Float], mask: RealArray?) throws
        -> (denoised: ComplexArray, pullback: (ComplexArray) throws -> ComplexArray)
}

/// A denoiser made of closures (analytic denoisers in tests, wrappers in tools).
public final class ClosureDenoiser: DifferentiableImageDenoiser {
    public typealias Denoise = (_ noisy: ComplexArray, _ sigma: [Float], _ mask: RealArray?) throws -> ComplexArray
    /// v ↦ J_D(x)ᵀ v at the given x.
    public typealias Pullback = (_ noisy: ComplexArray, _ sigma: [Float], _ mask: RealArray?, _ v: ComplexArray) throws -> ComplexArray

    public let takesMaskChannel: Bool
    private let denoiseBody: Denoise
    private let pullbackBody: Pullback?

    public init(takesMaskChannel: Bool = false, denoise: @escaping Denoise, pullback: Pullback? = nil) {
        self.takesMaskChannel = takesMaskChannel
        denoiseBody = denoise
        pullbackBody = pullback
    }

    public func denoise(_ noisy: ComplexArray, sigma: [Float], mask: RealArray?) throws -> ComplexArray {
        try denoiseBody(noisy, sigma, mask)
    }

    public func denoiseWithPullback(_ noisy: ComplexArray, sigma: [Float], mask: RealArray?) throws
        -> (denoised: ComplexArray, pullback: (ComplexArray) throws -> ComplexArray) {
        guard let pullbackBody else {
            throw AmbientError(.unsupported, "denoiser", "this closure denoiser has no pullback (gradient)")
        }
        return (try denoiseBody(noisy, sigma, mask), { v in try pullbackBody(noisy, sigma, mask, v) })
    }

    /// The exact denoiser for Gaussian data x ~ CN(0, 2s²) (variance s² per real channel):
    /// D(x; σ) = x·s²/(s² + σ²), a linear map whose Jacobian is the same scalar.
    public static func gaussianData(std s: Float) -> ClosureDenoiser {
        func gain(_ sigma: Float) -> Float { s * s / (s * s + sigma * sigma) }
        return ClosureDenoiser(
            denoise: { x, sigma, _ in try scalePerImage(x, sigma.map(gain)) },
            pullback: { _, sigma, _, v in try scalePerImage(v, sigma.map(gain)) })
    }
}

/// x_b · factors_b for images [B, H, W].
func scalePerImage(_ x: ComplexArray, _ factors: [Float]) throws -> ComplexArray {
    guard x.rank == 3, x.shape[0] == factors.count else {
        throw AmbientError(.badShape, "denoiser", "images must be [\(factors.count), H, W] for \(factors.count) noise levels, got \(x.shape)")
    }
    let n = x.shape[1] * x.shape[2]
    var out = x
    out.withUnsafeMutableBufferPointer { p in
        for b in 0..<factors.count { for i in (b * n)..<((b + 1) * n) { p[i] *= factors[b] } }
    }
    return out
}
