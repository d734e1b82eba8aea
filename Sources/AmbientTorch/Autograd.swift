import AmbientCore
import CTorch

// Reverse-mode differentiation through libtorch's autograd.

extension Tensor {
    /// Whether operations on this tensor are recorded for `backward`.
    public var requiresGrad: Bool { ctorch_requires_grad(handle) == 1 }

    /// Turns gradient tracking on or off (meant for leaves: parameters and inputs).
    /// Returns self, so that `try Tensor(x).requiringGrad()` reads as one expression.
    @discardableResult
    public func requiringGrad(_ flag: Bool = true) throws -> Tensor {
        try Tensor.check(status: ctorch_set_requires_grad(handle, flag ? 1 : 0), "requires_grad_", [self])
        return self
    }

    /// Accumulates d(self)/d(leaf) · gradient into the `.grad` of every leaf that requires grad.
    /// `gradient` has self's shape (for a scalar loss pass a one-element tensor or use `backward()`).
    public func backward(gradient: Tensor) throws {
        try Tensor.check(status: ctorch_backward(handle, gradient.handle), "backward", [self, gradient])
    }

    /// Backward from a scalar (one-element) tensor.
    public func backward() throws {
        try Tensor.check(status: ctorch_backward(handle, nil), "backward", [self])
    }

    /// The accumulated gradient, nil before the first backward pass (or after `zeroGrad`).
    public var grad: Tensor? {
        var out: ctorch_tensor?
        guard ctorch_grad(handle, &out) == 0, let out else { return nil }
        return Tensor(owning: out)
    }

    /// Drops the accumulated gradient (as `optimizer.zero_grad(set_to_none=True)`).
    public func zeroGrad() { _ = ctorch_zero_grad(handle) }

    // MARK: In-place updates (never recorded by autograd)

    /// Overwrites the values with `source`'s (broadcast and device transfer as in torch's copy_).
    public func copyValues(from source: Tensor) throws {
        try Tensor.check(status: ctorch_copy_(handle, source.handle), "copy_", [self, source])
    }

    /// Replaces the storage with `source`'s data while keeping this tensor's identity (and
    /// optimizer references), e.g. to switch a weight to channels-last memory order.
    public func replaceData(with source: Tensor) throws {
        try Tensor.check(status: ctorch_set_data(handle, source.handle), "set_data", [self, source])
    }

    /// self ← self + weight · (target − self); the EMA update with weight = 1 − decay.
    public func lerpInPlace(towards target: Tensor, weight: Float) throws {
        try Tensor.check(status: ctorch_lerp_(handle, target.handle, Double(weight)), "lerp_", [self, target])
    }

    public func scaleInPlace(by factor: Float) throws {
        try Tensor.check(status: ctorch_mul_scalar_(handle, Double(factor)), "mul_", [self])
    }
}

/// Runs `body` without recording operations for autograd (torch.no_grad); restores the previous
/// mode on every path. The mode is per thread, as in torch.
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    let previous = ctorch_set_grad_enabled(0)
    defer { _ = ctorch_set_grad_enabled(previous) }
    return try body()
}

/// Scales the gradients of `parameters` so that their joint L2 norm is at most `maxNorm`
/// (torch.nn.utils.clip_grad_norm_); returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Float) throws -> Float {
    let handles: [ctorch_tensor?] = parameters.map { $0.handle }
    let total = ctorch_clip_grad_norm(handles, Int32(handles.count), Double(maxNorm))
    if total < 0 { throw Tensor.failure("clip_grad_norm", [], "\(parameters.count) parameters") }
    return Float(total)
}
