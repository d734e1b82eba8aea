import AmbientCore
import CTorch

// Tensor operations: thin, throwing wrappers over the C shim. Arithmetic broadcasts as in torch.

extension Tensor {
    // MARK: Element-wise

    private func unary(_ op: ctorch_unary_op, _ name: String) throws -> Tensor {
        try Tensor.check(ctorch_unary(handle, Int32(op.rawValue)), name, [self])
    }

    private func binary(_ other: Tensor, _ op: ctorch_binary_op, _ name: String) throws -> Tensor {
        try Tensor.check(ctorch_binary(handle, other.handle, Int32(op.rawValue)), name, [self, other])
    }

    private func scalar(_ s: Float, _ op: ctorch_scalar_op, _ name: String) throws -> Tensor {
        try Tensor.check(ctorch_scalar(handle, Double(s), Int32(op.rawValue)), name, [self], "scalar \(s)")
    }

    public func negated() throws -> Tensor { try unary(CTORCH_NEG, "neg") }
    public func exp() throws -> Tensor { try unary(CTORCH_EXP, "exp") }
    public func log() throws -> Tensor { try unary(CTORCH_LOG, "log") }
    public func sin() throws -> Tensor { try unary(CTORCH_SIN, "sin") }
    public func cos() throws -> Tensor { try unary(CTORCH_COS, "cos") }
    public func sqrt() throws -> Tensor { try unary(CTORCH_SQRT, "sqrt") }
    public func abs() throws -> Tensor { try unary(CTORCH_ABS, "abs") }
    public func silu() throws -> Tensor { try unary(CTORCH_SILU, "silu") }
    public func relu() throws -> Tensor { try unary(CTORCH_RELU, "relu") }
    public func sigmoid() throws -> Tensor { try unary(CTORCH_SIGMOID, "sigmoid") }
    public func tanh() throws -> Tensor { try unary(CTORCH_TANH, "tanh") }
    public func squared() throws -> Tensor { try unary(CTORCH_SQUARE, "square") }

    public func maximum(_ other: Tensor) throws -> Tensor { try binary(other, CTORCH_MAXIMUM, "maximum") }
    public func minimum(_ other: Tensor) throws -> Tensor { try binary(other, CTORCH_MINIMUM, "minimum") }
    public func pow(_ exponent: Float) throws -> Tensor { try scalar(exponent, CTORCH_POW_SCALAR, "pow") }

    public static func + (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(b, CTORCH_ADD, "add") }
    public static func - (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(b, CTORCH_SUB, "sub") }
    public static func * (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(b, CTORCH_MUL, "mul") }
    public static func / (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(b, CTORCH_DIV, "div") }
    public static func + (a: Tensor, s: Float) throws -> Tensor { try a.scalar(s, CTORCH_ADD_SCALAR, "add") }
    public static func - (a: Tensor, s: Float) throws -> Tensor { try a.scalar(-s, CTORCH_ADD_SCALAR, "sub") }
    public static func * (a: Tensor, s: Float) throws -> Tensor { try a.scalar(s, CTORCH_MUL_SCALAR, "mul") }
    public static func / (a: Tensor, s: Float) throws -> Tensor { try a.scalar(s, CTORCH_DIV_SCALAR, "div") }
    public static func + (s: Float, a: Tensor) throws -> Tensor { try a.scalar(s, CTORCH_ADD_SCALAR, "add") }
    public static func - (s: Float, a: Tensor) throws -> Tensor { try a.scalar(s, CTORCH_RSUB_SCALAR, "rsub") }
    public static func * (s: Float, a: Tensor) throws -> Tensor { try a.scalar(s, CTORCH_MUL_SCALAR, "mul") }
    public static func / (s: Float, a: Tensor) throws -> Tensor { try a.scalar(s, CTORCH_RDIV_SCALAR, "rdiv") }
    public static prefix func - (a: Tensor) throws -> Tensor { try a.negated() }

    // MARK: Reductions

    /// Sum over `axes` (all axes when empty).
    public func sum(axes: [Int] = [], keepingDimensions: Bool = false) throws -> Tensor {
        let dims = axes.map(Int64.init)
        return try Tensor.check(ctorch_sum(handle, dims, Int32(dims.count), keepingDimensions ? 1 : 0), "sum", [self], "axes \(axes)")
    }

    /// Mean over `axes` (all axes when empty).
    public func mean(axes: [Int] = [], keepingDimensions: Bool = false) throws -> Tensor {
        let dims = axes.map(Int64.init)
        return try Tensor.check(ctorch_mean(handle, dims, Int32(dims.count), keepingDimensions ? 1 : 0), "mean", [self], "axes \(axes)")
    }

    /// Frobenius norm (scalar tensor).
    public func norm() throws -> Tensor { try Tensor.check(ctorch_norm(handle), "norm", [self]) }

    // MARK: Shape

    public func reshaped(_ shape: [Int]) throws -> Tensor {
        let dims = shape.map(Int64.init)
        return try Tensor.check(ctorch_reshape(handle, dims, Int32(dims.count)), "reshape", [self], "to \(shape)")
    }

    public func permuted(_ axes: [Int]) throws -> Tensor {
        let dims = axes.map(Int64.init)
        return try Tensor.check(ctorch_permute(handle, dims, Int32(dims.count)), "permute", [self], "axes \(axes)")
    }

    public func transposed(_ axis0: Int, _ axis1: Int) throws -> Tensor {
        try Tensor.check(ctorch_transpose(handle, Int64(axis0), Int64(axis1)), "transpose", [self], "axes \(axis0), \(axis1)")
    }

    /// `length` entries along `axis` starting at `start` (a view).
    public func narrowed(axis: Int, start: Int, length: Int) throws -> Tensor {
        try Tensor.check(ctorch_narrow(handle, Int64(axis), Int64(start), Int64(length)), "narrow", [self],
                         "axis \(axis), start \(start), length \(length)")
    }

    /// Splits into `parts` equal chunks along `axis` (as torch.chunk for divisible sizes).
    public func chunked(_ parts: Int, axis: Int) throws -> [Tensor] {
        let size = shape[axis]
        guard parts > 0, size % parts == 0 else {
            throw AmbientError(.badShape, "torch.chunk", "axis \(axis) of size \(size) does not split into \(parts) parts")
        }
        let length = size / parts
        return try (0..<parts).map { try narrowed(axis: axis, start: $0 * length, length: length) }
    }

    public static func cat(_ tensors: [Tensor], axis: Int) throws -> Tensor {
        let handles: [ctorch_tensor?] = tensors.map { $0.handle }
        return try check(ctorch_cat(handles, Int32(handles.count), Int64(axis)), "cat", tensors, "axis \(axis)")
    }

    /// Constant padding in torch's order: (last-axis before, after, second-last before, after, …).
    public func padded(_ pad: [Int], value: Float = 0) throws -> Tensor {
        let p = pad.map(Int64.init)
        return try Tensor.check(ctorch_pad(handle, p, Int32(p.count), Double(value)), "pad", [self], "pad \(pad)")
    }

    /// A contiguous copy (or self's storage when already so), optionally in channels-last (NHWC) memory order.
    public func contiguous(channelsLast: Bool = false) throws -> Tensor {
        try Tensor.check(ctorch_contiguous(handle, channelsLast ? 1 : 0), "contiguous", [self])
    }

    public var isChannelsLast: Bool { ctorch_is_channels_last(handle) == 1 }

    public func to(_ device: Device) throws -> Tensor {
        try Tensor.check(ctorch_to_device(handle, device.code.type, device.code.index), "to", [self], "device \(device)")
    }

    public func clone() throws -> Tensor { try Tensor.check(ctorch_clone(handle), "clone", [self]) }

    /// The same data cut from the autograd graph.
    public func detached() throws -> Tensor { try Tensor.check(ctorch_detach(handle), "detach", [self]) }

    // MARK: Neural-network ops

    /// 2-D convolution, NCHW input, weight `[out, in/groups, kh, kw]`.
    public func conv2d(weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0, groups: Int = 1) throws -> Tensor {
        let out = try Tensor.check(ctorch_conv2d(handle, weight.handle, bias?.handle, Int64(stride), Int64(padding), Int64(groups)),
                                   "conv2d", [self, weight], "stride \(stride), padding \(padding)")
        FLOPCounter.record(output: out, macsPerOutput: weight.shape.dropFirst().reduce(1, *))  // Cin/groups · kh · kw
        return out
    }

    /// Nearest-neighbour upsampling of the two last axes by an integer factor (F.interpolate mode="nearest").
    public func upsampledNearest(factor: Int = 2) throws -> Tensor {
        let s = shape
        guard s.count == 4 else { throw AmbientError(.badShape, "torch.upsample_nearest2d", "expected NCHW input, got \(s)") }
        return try Tensor.check(ctorch_upsample_nearest2d(handle, Int64(s[2] * factor), Int64(s[3] * factor)),
                                "upsample_nearest2d", [self], "factor \(factor)")
    }

    public func groupNorm(groups: Int, weight: Tensor?, bias: Tensor?, eps: Float) throws -> Tensor {
        try Tensor.check(ctorch_group_norm(handle, Int64(groups), weight?.handle, bias?.handle, Double(eps)),
                         "group_norm", [self], "groups \(groups)")
    }

    /// x Wᵀ + b with weight `[out, in]`.
    public func linear(weight: Tensor, bias: Tensor?) throws -> Tensor {
        let out = try Tensor.check(ctorch_linear(handle, weight.handle, bias?.handle), "linear", [self, weight])
        FLOPCounter.record(output: out, macsPerOutput: weight.shape.last ?? 1)
        return out
    }

    public func matmul(_ other: Tensor) throws -> Tensor {
        let out = try Tensor.check(ctorch_matmul(handle, other.handle), "matmul", [self, other])
        FLOPCounter.record(output: out, macsPerOutput: shape.last ?? 1)
        return out
    }

    public func bmm(_ other: Tensor) throws -> Tensor {
        let out = try Tensor.check(ctorch_bmm(handle, other.handle), "bmm", [self, other])
        FLOPCounter.record(output: out, macsPerOutput: shape.last ?? 1)
        return out
    }

    /// beta·self + alpha·(a @ b), batched.
    public func baddbmm(_ a: Tensor, _ b: Tensor, beta: Float = 1, alpha: Float = 1) throws -> Tensor {
        let out = try Tensor.check(ctorch_baddbmm(handle, a.handle, b.handle, Double(beta), Double(alpha)), "baddbmm", [self, a, b])
        FLOPCounter.record(output: out, macsPerOutput: a.shape.last ?? 1)
        return out
    }

    public func softmax(axis: Int) throws -> Tensor {
        try Tensor.check(ctorch_softmax(handle, Int64(axis)), "softmax", [self], "axis \(axis)")
    }
}
