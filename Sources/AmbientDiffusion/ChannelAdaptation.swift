import AmbientCore
import AmbientTorch
import Foundation

/// Fine-tuning helpers: change a pretrained U-Net's input/output channels without changing what it
/// computes, and freeze parameters.
public enum ChannelAdaptation {
    /// A copy of `base` taking `inputChannels` and predicting `outputChannels`. Every weight is copied;
    /// conv_in gains zero weights for new input channels (or drops the last ones), conv_out drops
    /// extra outputs (or gains zero ones). So for inputs whose first channels are the base's inputs,
    /// the adapted network's first outputs equal the base's at initialisation.
    public static func adapt(_ base: UNet2DModel, inputChannels: Int, outputChannels: Int) throws -> UNet2DModel {
        guard inputChannels >= 1, outputChannels >= 1 else {
            throw AmbientError(.badArgument, "channel adaptation", "channel counts must be ≥ 1, got \(inputChannels) in, \(outputChannels) out")
        }
        var config = base.config
        config.inChannels = inputChannels
        config.outChannels = outputChannels
        let adapted = try UNet2DModel(config: config, device: base.device)
        let source = Dictionary(uniqueKeysWithValues: base.namedParameters().map { ($0.name, $0.tensor) })
        try withNoGrad {
            for (name, target) in adapted.namedParameters() {
                guard let weight = source[name] else {
                    throw AmbientError(.badFormat, "channel adaptation", "base network has no parameter \(name)")
                }
                let value: Tensor
                switch name {
                case "conv_in.weight": value = try resized(weight, axis: 1, to: inputChannels)
                case "conv_out.weight", "conv_out.bias": value = try resized(weight, axis: 0, to: outputChannels)
                default: value = weight
                }
                guard value.shape == target.shape else {
                    throw AmbientError(.badShape, "channel adaptation", "\(name): base \(value.shape), adapted \(target.shape)")
                }
                try target.copyValues(from: value)
            }
        }
        return adapted
    }

    /// Loads a diffusers U-Net folder and adapts its channels (a no-op copy when they already match).
    public static func loadBase(_ directory: URL, inputChannels: Int, outputChannels: Int = 2, device: Device = .cpu) throws -> UNet2DModel {
        let base = try UNet2DModel.load(directory: directory, device: device)
        if base.config.inChannels == inputChannels && base.config.outChannels == outputChannels { return base }
        return try adapt(base, inputChannels: inputChannels, outputChannels: outputChannels)
    }

    /// Freezes every parameter except those whose names start with one of `prefixes`
    /// (e.g. ["conv_in", "up_blocks.1"]); throws when a prefix matches nothing (a typo would
    /// otherwise silently freeze the whole network).
    public static func freeze(_ network: Module, exceptPrefixes prefixes: [String]) throws {
        let names = network.namedParameters().map(\.name)
        for prefix in prefixes where !names.contains(where: { $0.hasPrefix(prefix) }) {
            throw AmbientError(.badArgument, "train_only_prefixes", "no parameter name starts with \"\(prefix)\"")
        }
        try network.setFrozen(true)
        for prefix in prefixes { try network.setFrozen(false, prefix: prefix) }
    }

    /// `t` with `axis` cut to, or zero-padded to, `size` entries.
    static func resized(_ t: Tensor, axis: Int, to size: Int) throws -> Tensor {
        let current = t.shape[axis]
        if size == current { return t }
        if size < current { return try t.narrowed(axis: axis, start: 0, length: size) }
        var padShape = t.shape
        padShape[axis] = size - current
        return try Tensor.cat([t, Tensor.zeros(padShape, device: t.device)], axis: axis)
    }
}

extension Trainer {
    /// Fine-tuning from a diffusers U-Net folder (`ambient finetune --base CKPT`): loads it, adapts its
    /// channels to what `options` needs (2 image channels + the mask channel, if any), and starts a run.
    /// Use a lower learning rate than pretraining (see `TrainingOptions.fineTuningDefaults`).
    public static func fineTune(base: URL, dataset: TrainingDataset, options: TrainingOptions, runDirectory: URL,
                                device: Device = .cpu) throws -> Trainer {
        let resolved = try options.resolved()
        let network = try ChannelAdaptation.loadBase(base, inputChannels: resolved.networkInputChannels, outputChannels: 2, device: device)
        return try Trainer(network: network, dataset: dataset, options: resolved, runDirectory: runDirectory, device: device)
    }
}

extension TrainingOptions {
    /// Defaults for fine-tuning a pretrained network: 10× lower learning rate, short warm-up.
    public static var fineTuningDefaults: TrainingOptions {
        var o = TrainingOptions()
        o.learningRate = 1e-5
        o.warmupSteps = 50
        return o
    }
}
