import AmbientCore

/// A network part that owns parameters, exposed as a tree with dotted names that match the
/// PyTorch module's `state_dict` keys (so checkpoints interchange with diffusers).
public protocol Module: AnyObject {
    /// Every parameter of this module and its children, as (dotted name, tensor), in a stable order.
    func namedParameters() -> [(name: String, tensor: Tensor)]
}

extension Module {
    public func parameters() -> [Tensor] { namedParameters().map(\.tensor) }

    /// Number of scalar parameters.
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }

    /// Stops (or restarts) gradient tracking for every parameter whose name starts with `prefix`
    /// ("" = all). Frozen parameters get no `.grad` and are skipped by AdamW.
    public func setFrozen(_ frozen: Bool, prefix: String = "") throws {
        for (name, tensor) in namedParameters() where name.hasPrefix(prefix) { try tensor.requiringGrad(!frozen) }
    }

    /// Parameters that currently receive gradients.
    public func trainableParameters() -> [Tensor] { parameters().filter(\.requiresGrad) }

    /// Drops all accumulated gradients.
    public func zeroGrad() { for p in parameters() { p.zeroGrad() } }
}

/// Prefixes a child's parameter names with "<name>.".
func nested(_ name: String, _ child: Module?) -> [(name: String, tensor: Tensor)] {
    guard let child else { return [] }
    return child.namedParameters().map { (name: "\(name).\($0.name)", tensor: $0.tensor) }
}

/// Prefixes a list of children as "<name>.<index>.…" (PyTorch's ModuleList naming).
func nested(_ name: String, _ children: [Module]) -> [(name: String, tensor: Tensor)] {
    children.enumerated().flatMap { nested("\(name).\($0.offset)", $0.element) }
}

/// Builds a trainable parameter from PyTorch's default initialisation for Linear/Conv layers:
/// U(−1/√fan_in, 1/√fan_in) (kaiming_uniform with a = √5 gives the same bound for weights).
func uniformParameter(_ shape: [Int], fanIn: Int, generator: TorchGenerator, device: Device) throws -> Tensor {
    let bound = 1 / Float(max(fanIn, 1)).squareRoot()
    let unit = try Tensor.rand(shape, generator: generator, device: device)
    let tensor = try (unit * (2 * bound)) - bound
    return try tensor.requiringGrad()
}

func constantParameter(_ shape: [Int], _ value: Float, device: Device) throws -> Tensor {
    let tensor = try Tensor.full(shape, value, device: device)
    return try tensor.requiringGrad()
}

/// nn.Conv2d (square kernel, same stride and padding on both axes).
public final class Conv2d: Module {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: Int
    public let padding: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true, generator: TorchGenerator, device: Device) throws {
        let fanIn = inChannels * kernelSize * kernelSize
        weight = try uniformParameter([outChannels, inChannels, kernelSize, kernelSize], fanIn: fanIn, generator: generator, device: device)
        self.bias = bias ? try uniformParameter([outChannels], fanIn: fanIn, generator: generator, device: device) : nil
        self.stride = stride
        self.padding = padding
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try x.conv2d(weight: weight, bias: bias, stride: stride, padding: padding)
    }

    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        [(name: "weight", tensor: weight)] + (bias.map { [(name: "bias", tensor: $0)] } ?? [])
    }
}

/// nn.Linear.
public final class Linear: Module {
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, generator: TorchGenerator, device: Device) throws {
        weight = try uniformParameter([outFeatures, inFeatures], fanIn: inFeatures, generator: generator, device: device)
        self.bias = bias ? try uniformParameter([outFeatures], fanIn: inFeatures, generator: generator, device: device) : nil
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor { try x.linear(weight: weight, bias: bias) }

    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        [(name: "weight", tensor: weight)] + (bias.map { [(name: "bias", tensor: $0)] } ?? [])
    }
}

/// nn.GroupNorm with affine parameters.
public final class GroupNorm: Module {
    public let groups: Int
    public let eps: Float
    public let weight: Tensor
    public let bias: Tensor

    public init(groups: Int, channels: Int, eps: Float, device: Device) throws {
        guard groups > 0, channels % groups == 0 else {
            throw AmbientError(.badArgument, "GroupNorm", "\(channels) channels do not split into \(groups) groups")
        }
        self.groups = groups
        self.eps = eps
        weight = try constantParameter([channels], 1, device: device)
        bias = try constantParameter([channels], 0, device: device)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try x.groupNorm(groups: groups, weight: weight, bias: bias, eps: eps)
    }

    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        [(name: "weight", tensor: weight), (name: "bias", tensor: bias)]
    }
}

/// The activations diffusers' `get_activation` accepts for U-Nets.
public enum Activation: String, Codable, Sendable {
    case silu, swish, relu, gelu, mish

    func apply(_ x: Tensor) throws -> Tensor {
        switch self {
        case .silu, .swish: return try x.silu()
        case .relu: return try x.relu()
        case .gelu, .mish:
            throw AmbientError(.unsupported, "act_fn", "activation \(rawValue) is not implemented (use silu)")
        }
    }
}
