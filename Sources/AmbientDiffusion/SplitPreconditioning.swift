import AmbientCore
import Foundation

/// How a Fourier ambient denoiser scales the network's output F.
public enum AmbientPreconditioning: String, Codable, Sendable, CaseIterable {
    /// EDM everywhere: D = c_skip·ÃᴴÃx + c_out·F. The lines Ã drops come from F alone with a target
    /// ∝ 1/c_out ≈ 1/σ, so training and sampling stop at a σ floor (`ambient_sigma_min`).
    case edm
    /// EDM on the k-space lines Ã keeps, x₀-prediction on the lines it drops:
    /// D = c_skip·ÃᴴÃx + Ψ F with Ψ = F⁻¹ diag(ψ) F, ψ = c_out(σ) where Ã keeps a line and σ_d where it
    /// drops one. Every target of F stays of unit scale down to small σ, so the model can be trained,
    /// and sampled, to EDM's usual σ_min. The loss weights each line by ψ⁻² (λ(σ) on the kept lines).
    case split
}

/// Ψ^p = F⁻¹ diag(ψ^p) F of the split preconditioning, per image of a batch ([B, H, W] images, masks
/// on the centred k-space grid, 1 where Ã keeps the sample). Ψ is self-adjoint (real diagonal in a
/// unitary basis), so it is also its own pullback.
public struct SplitOutputScaling: Sendable {
    public let preconditioning: EDMPreconditioning

    public init(preconditioning: EDMPreconditioning) { self.preconditioning = preconditioning }

    /// ψ^power on the k-space grid of one mask at one σ.
    public func weights(mask: RealArray, sigma: Float, power: Float) -> RealArray {
        let kept = Foundation.pow(preconditioning.coefficients(sigma: sigma).output, power)
        let dropped = Foundation.pow(preconditioning.sigmaData, power)
        return mask.map { $0 > 0.5 ? kept : dropped }
    }

    /// Ψ^power x for images x [B, H, W] with their masks [B, H, W] and σ per image.
    public func apply(_ x: ComplexArray, masks: RealArray, sigma: [Float], power: Float = 1) throws -> ComplexArray {
        guard x.rank == 3, masks.shape == x.shape, sigma.count == x.shape[0] else {
            throw AmbientError(.badShape, "split preconditioning", "images \(x.shape), masks \(masks.shape) and \(sigma.count) noise levels do not match")
        }
        let spectrum = FFT.forward(x)
        let w = RealArray.stack((0..<sigma.count).map { weights(mask: masks.slice($0), sigma: sigma[$0], power: power) })
        return FFT.inverse(spectrum.multiplied(by: w))
    }

    /// D = c_skip(σ)·x + Ψ F for the network input x (as the network saw it, before c_in) and output F.
    public func denoised(input x: ComplexArray, networkOutput f: ComplexArray, masks: RealArray, sigma: [Float]) throws -> ComplexArray {
        var d = try apply(f, masks: masks, sigma: sigma)
        try d.addScaledPerImage(x, sigma.map { preconditioning.coefficients(sigma: $0).skip })
        return d
    }
}

extension NDArray where Element == Complex32 {
    /// self_b += factors_b · x_b for images [B, H, W].
    mutating func addScaledPerImage(_ x: ComplexArray, _ factors: [Float]) throws {
        guard x.shape == shape, rank == 3, shape[0] == factors.count else {
            throw AmbientError(.badShape, "split preconditioning", "images \(shape) and \(x.shape) with \(factors.count) factors do not match")
        }
        let n = shape[1] * shape[2]
        withUnsafeMutableBufferPointer { out in
            x.withUnsafeBufferPointer { a in
                for b in 0..<factors.count { for i in (b * n)..<((b + 1) * n) { out[i] += a[i] * factors[b] } }
            }
        }
    }
}
