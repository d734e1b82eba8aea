import AmbientCore
import AmbientTorch
import Foundation

/// The training losses, named by what they measure. All are weighted by EDM's λ(σ) and averaged
/// over the batch.
public enum DenoisingLoss {
    /// Image-domain denoising error on the observed pixels:
    /// mean_b λ(σ_b) · Σ m_b ⊙ (D_b − y_b)² / (2·Σ m_b), over both (real, imaginary) channels.
    /// With no mask this is EDM's loss, λ · mean (D − y)², per element.
    /// `denoised`, `target`: [B, 2, H, W]; `observed`: [B, 1, H, W] (or nil); `weight`: λ per sample.
    public static func observedPixelError(denoised: Tensor, target: Tensor, observed: Tensor?, weight: [Float]) throws -> Tensor {
        let shape = denoised.shape
        guard shape.count == 4, target.shape == shape, weight.count == shape[0] else {
            throw AmbientError(.badShape, "denoising loss", "denoised \(shape), target \(target.shape) and \(weight.count) weights do not match")
        }
        let device = denoised.device
        var squared = try (denoised - target).squared()
        let counts: Tensor
        if let observed {
            guard observed.shape == [shape[0], 1, shape[2], shape[3]] else {
                throw AmbientError(.badShape, "denoising loss", "mask must be [\(shape[0]), 1, \(shape[2]), \(shape[3])], got \(observed.shape)")
            }
            squared = try squared * observed
            // max(·, 1): an image with nothing observed contributes nothing instead of 0/0.
            counts = try (observed.sum(axes: [1, 2, 3]) * Float(shape[1])).maximum(Tensor.ones([shape[0]], device: device))
        } else {
            counts = try Tensor.full([shape[0]], Float(shape[1] * shape[2] * shape[3]), device: device)
        }
        let perSample = try squared.sum(axes: [1, 2, 3]) / counts
        return try (perSample * Tensor(shape: [weight.count], elements: weight, device: device)).mean()
    }

    /// The Fourier ambient loss, computed with FFTW outside autograd:
    /// L = mean_b λ_b ‖AᴴA D_b − Aᴴy_b‖² / (2·H·W), with A_b = M_b·F·S_b the observed operator.
    /// Needs only the measured data. Returns L and dL/dD (complex, [B, H, W]), which is
    /// 2·λ_b/(2·H·W·B) · AᴴA r_b since AᴴA is self-adjoint; feed it to `denoised.backward(gradient:)`
    /// as 2 channels.
    public static func fourierObservedResidual(denoised: ComplexArray, slices: [FourierLossSlice], weight: [Float]) throws
        -> (loss: Double, gradient: ComplexArray) {
        guard denoised.rank == 3, denoised.shape[0] == slices.count, weight.count == slices.count else {
            throw AmbientError(.badShape, "Fourier loss", "denoised \(denoised.shape), \(slices.count) slices and \(weight.count) weights do not match")
        }
        let b = slices.count, plane = Array(denoised.shape.suffix(2))
        let elements = Double(2 * plane[0] * plane[1])
        var losses = [Double](repeating: 0, count: b)
        var gradients = [ComplexArray](repeating: ComplexArray(zeros: plane), count: b)
        let lock = NSLock()
        var failure: Error?
        DispatchQueue.concurrentPerform(iterations: b) { i in
            let slice = slices[i]
            guard slice.maps.rank == 3, Array(slice.maps.shape.suffix(2)) == plane, slice.mask.shape == plane, slice.adjointData.shape == plane else {
                lock.lock(); failure = AmbientError(.badShape, "Fourier loss", "slice \(i) maps/mask/data do not fit \(plane)"); lock.unlock()
                return
            }
            let normal = LinearOperator.sense(maps: slice.maps, mask: slice.mask)
            let residual = normal.normal(denoised.slice(i)) - slice.adjointData
            let value = Double(weight[i]) * residual.normSquared / elements / Double(b)
            let gradient = normal.normal(residual) * Float(2 * Double(weight[i]) / elements / Double(b))
            lock.lock(); losses[i] = value; gradients[i] = gradient; lock.unlock()
        }
        if let failure { throw failure }
        return (losses.reduce(0, +), ComplexArray.stack(gradients))
    }
}
