import AmbientCore
import Foundation

/// An exponential moving average of a module's parameters (the EMA weights diffusion models sample
/// with): shadow ← shadow + (1 − decay)·(parameter − shadow) after each optimizer step.
public final class ExponentialMovingAverage {
    public let decay: Float
    /// Shadow copies, by the module's parameter names.
    public let shadow: [(name: String, tensor: Tensor)]

    public init(of module: Module, decay: Float = 0.999) throws {
        guard decay >= 0, decay <= 1 else { throw AmbientError(.badArgument, "ema decay", "must lie in [0, 1], got \(decay)") }
        self.decay = decay
        shadow = try module.namedParameters().map { (name: $0.name, tensor: try $0.tensor.detached().clone()) }
    }

    /// The decay used after optimizer step `step` (1-based) with warm-up: min(decay, (1 + step)/(10 + step)).
    /// Early on the average then follows the weights closely instead of staying near initial ones
    /// (with a fixed 0.999, 13 % of a 2000-step average would still be the random initialisation).
    public func decay(atStep step: Int) -> Float {
        min(decay, Float(1 + step) / Float(10 + step))
    }

    /// Moves the shadow weights towards the module's current weights, with the warm-up decay of
    /// `step` when it is given (a fixed `decay` otherwise).
    public func update(from module: Module, step: Int? = nil) throws {
        let decay = step.map { self.decay(atStep: $0) } ?? self.decay
        let current = module.namedParameters()
        guard current.count == shadow.count else {
            throw AmbientError(.badArgument, "ema", "module has \(current.count) parameters, EMA \(shadow.count)")
        }
        for (s, p) in zip(shadow, current) { try s.tensor.lerpInPlace(towards: p.tensor, weight: 1 - decay) }
    }

    /// Saves the shadow weights under the module's parameter names (a safetensors file that loads
    /// into a model with `loadWeights(from:)`).
    public func save(to url: URL, dtype: SafetensorsDType = .f32) throws {
        try Safetensors.write(shadow.map { ($0.name, $0.tensor) }, to: url, dtype: dtype)
    }

    /// Restores shadow weights saved by `save(to:)`, strictly (same names and shapes).
    public func load(from url: URL) throws {
        let file = try SafetensorsFile(url: url)
        let names = Set(shadow.map(\.name))
        guard Set(file.names) == names else {
            let missing = names.subtracting(file.names).sorted(), unexpected = Set(file.names).subtracting(names).sorted()
            throw AmbientError(.badFormat, url.path, "EMA weights do not match the model; missing: \(missing.prefix(12)), unexpected: \(unexpected.prefix(12))")
        }
        for (name, tensor) in shadow {
            let stored = try file.tensor(name, device: tensor.device)
            guard stored.shape == tensor.shape else {
                throw AmbientError(.badFormat, url.path, "EMA weight \(name) has shape \(stored.shape), model \(tensor.shape)")
            }
            try tensor.copyValues(from: stored)
        }
    }

    /// Writes the shadow weights into `module` (e.g. an evaluation copy of the network).
    public func copy(into module: Module) throws {
        for (s, p) in zip(shadow, module.namedParameters()) { try p.tensor.copyValues(from: s.tensor) }
    }
}
