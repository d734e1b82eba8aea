import AmbientCore
import Foundation

/// diffusers' `UNet2DModel` (0.27): same configuration keys, same parameter names, same outputs.
/// A diffusers model folder (config.json + diffusion_pytorch_model.safetensors) loads directly,
/// and folders we save load in diffusers.
public final class UNet2DModel: Module {
    public let config: UNet2DConfig
    public let device: Device
    /// Training vs evaluation mode. This configuration family has no dropout or batch statistics,
    /// so both modes compute the same function; the flag is kept for callers' bookkeeping.
    public var isTraining = true
    /// Feed convolutions channels-last (NHWC) memory; libtorch/oneDNN is often faster so.
    public var channelsLast = false

    let convIn: Conv2d
    let timeLinear1: Linear, timeLinear2: Linear
    let downBlocks: [DownBlock]
    let midBlock: MidBlock
    let upBlocks: [UpBlock]
    let convNormOut: GroupNorm
    let convOut: Conv2d

    /// A freshly initialised network (PyTorch's default initialisation, from `seed`).
    public init(config: UNet2DConfig, seed: UInt64 = 0, device: Device = .cpu) throws {
        try config.validate()
        Torch.configureDefaultThreads()
        self.config = config
        self.device = device
        let generator = try TorchGenerator(seed: seed)
        let channels = config.blockOutChannels
        let timeChannels = channels[0] * 4
        let s = BlockSettings(eps: config.normEps, groups: config.normNumGroups, timeEmbeddingChannels: timeChannels,
                              scaleShift: config.resnetTimeScaleShift == "scale_shift", generator: generator, device: device)

        convIn = try Conv2d(config.inChannels, channels[0], kernelSize: 3, padding: 1, generator: generator, device: device)
        timeLinear1 = try Linear(channels[0], timeChannels, generator: generator, device: device)
        timeLinear2 = try Linear(timeChannels, timeChannels, generator: generator, device: device)

        var down: [DownBlock] = []
        var output = channels[0]
        for (i, type) in config.downBlockTypes.enumerated() {
            let input = output
            output = channels[i]
            down.append(try DownBlock(inChannels: input, outChannels: output, layers: config.layersPerBlock,
                                      attention: type == "AttnDownBlock2D", headDim: config.attentionHeadDim,
                                      addDownsample: i != channels.count - 1, downsamplePadding: config.downsamplePadding, s))
        }
        downBlocks = down

        let attentionGroups = config.attnNormNumGroups ?? (config.resnetTimeScaleShift == "default" ? config.normNumGroups : nil)
        midBlock = try MidBlock(channels: channels.last!, headDim: config.attentionHeadDim, addAttention: config.addAttention,
                                attentionGroups: attentionGroups, outputScaleFactor: config.midBlockScaleFactor, s)

        let reversed = Array(channels.reversed())
        var up: [UpBlock] = []
        output = reversed[0]
        for (i, type) in config.upBlockTypes.enumerated() {
            let previous = output
            output = reversed[i]
            let input = reversed[min(i + 1, channels.count - 1)]
            up.append(try UpBlock(inChannels: input, previousOutChannels: previous, outChannels: output,
                                  layers: config.layersPerBlock + 1, attention: type == "AttnUpBlock2D",
                                  headDim: config.attentionHeadDim, addUpsample: i != channels.count - 1, s))
        }
        upBlocks = up

        convNormOut = try GroupNorm(groups: config.normNumGroups, channels: channels[0], eps: config.normEps, device: device)
        convOut = try Conv2d(channels[0], config.outChannels, kernelSize: 3, padding: 1, generator: generator, device: device)
    }

    /// The network output for `sample` [B, in_channels, H, W] at per-sample `timesteps` [B] (or [1], broadcast).
    public func callAsFunction(_ sample: Tensor, timesteps: Tensor) throws -> Tensor {
        let shape = sample.shape
        let factor = 1 << (config.blockOutChannels.count - 1)
        guard shape.count == 4, shape[1] == config.inChannels, shape[2] % factor == 0, shape[3] % factor == 0 else {
            throw AmbientError(.badShape, "UNet2DModel", "input must be [B, \(config.inChannels), H, W] with H and W divisible by \(factor), got \(shape)")
        }
        var timesteps = timesteps
        if timesteps.count == 1, shape[0] != 1 {
            timesteps = try timesteps.reshaped([1]) * Tensor.ones([shape[0]], device: timesteps.device)
        }
        guard timesteps.count == shape[0] else {
            throw AmbientError(.badShape, "UNet2DModel", "\(timesteps.count) timesteps for a batch of \(shape[0])")
        }

        var x = config.centerInputSample ? try sample * 2 - 1 : sample
        if channelsLast { x = try x.contiguous(channelsLast: true) }

        let projected = try timestepEmbedding(timesteps.reshaped([-1]), dimension: config.blockOutChannels[0],
                                              flipSinToCos: config.flipSinToCos, freqShift: Float(config.freqShift))
        let emb = try timeLinear2(timeLinear1(projected).silu())

        x = try convIn(x)
        var skips = [x]
        for block in downBlocks {
            let (h, blockSkips) = try block(x, emb)
            x = h
            skips += blockSkips
        }
        x = try midBlock(x, emb)
        for block in upBlocks { x = try block(x, skips: &skips, emb) }
        return try convOut(convNormOut(x).silu())
    }

    /// The same with one timestep for the whole batch.
    public func callAsFunction(_ sample: Tensor, timestep: Float) throws -> Tensor {
        try self(sample, timesteps: Tensor.full([1], timestep, device: sample.device))
    }

    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        nested("conv_in", convIn) + nested("time_embedding.linear_1", timeLinear1) + nested("time_embedding.linear_2", timeLinear2)
            + nested("down_blocks", downBlocks) + nested("mid_block", midBlock) + nested("up_blocks", upBlocks)
            + nested("conv_norm_out", convNormOut) + nested("conv_out", convOut)
    }

    /// Stores 4-D weights in channels-last memory order (as `model.to(memory_format=torch.channels_last)`)
    /// and feeds inputs so; parameter identities are kept, so optimizers stay valid.
    public func useChannelsLast(_ enabled: Bool = true) throws {
        for p in parameters() where p.rank == 4 { try p.replaceData(with: p.contiguous(channelsLast: enabled)) }
        channelsLast = enabled
    }

    // MARK: diffusers folders

    public static let weightsFileName = "diffusion_pytorch_model.safetensors"
    public static let configFileName = "config.json"

    /// Loads a diffusers model folder (config.json + diffusion_pytorch_model.safetensors), strictly.
    public static func load(directory: URL, device: Device = .cpu) throws -> UNet2DModel {
        let configURL = directory.appendingPathComponent(configFileName)
        guard let data = FileManager.default.contents(atPath: configURL.path) else {
            throw AmbientError(.fileNotFound, configURL.path, "no U-Net config.json in the model folder")
        }
        let config: UNet2DConfig
        do { config = try JSONDecoder().decode(UNet2DConfig.self, from: data) } catch {
            throw AmbientError(.badFormat, configURL.path, "not a UNet2DModel config: \(error)")
        }
        try config.validate(subject: configURL.path)
        let model = try UNet2DModel(config: config, device: device)
        try model.loadWeights(from: directory.appendingPathComponent(weightsFileName))
        return model
    }

    /// Writes a diffusers model folder; `dtype` chooses F32 (default), F16 or BF16 weights.
    public func save(directory: URL, dtype: SafetensorsDType = .f32) throws {
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw AmbientError(.unwritable, directory.path, "cannot create the model folder: \(error.localizedDescription)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let configURL = directory.appendingPathComponent(UNet2DModel.configFileName)
        do { try encoder.encode(config).write(to: configURL) } catch {
            throw AmbientError(.unwritable, configURL.path, error.localizedDescription)
        }
        try Safetensors.write(namedParameters().map { ($0.name, $0.tensor) },
                              to: directory.appendingPathComponent(UNet2DModel.weightsFileName), dtype: dtype)
    }
}

extension Module {
    /// Copies weights from a safetensors file into the parameters, strictly: missing, unexpected
    /// and mis-shaped keys are all reported in one error naming the file.
    public func loadWeights(from url: URL) throws {
        let file = try SafetensorsFile(url: url)
        try loadWeights(from: file, subject: url.path)
    }

    public func loadWeights(from file: SafetensorsFile, subject: String) throws {
        let ours = namedParameters()
        let theirs = Set(file.names)
        var missing: [String] = [], misShaped: [String] = []
        for (name, tensor) in ours {
            guard let entry = file.entries[name] else { missing.append(name); continue }
            if entry.shape != tensor.shape { misShaped.append("\(name) (file \(entry.shape), model \(tensor.shape))") }
        }
        let unexpected = theirs.subtracting(ours.map(\.name)).sorted()
        if !missing.isEmpty || !unexpected.isEmpty || !misShaped.isEmpty {
            var parts: [String] = []
            func list(_ items: [String]) -> String {
                items.count <= 12 ? items.joined(separator: ", ") : items.prefix(12).joined(separator: ", ") + ", … (\(items.count) in all)"
            }
            if !missing.isEmpty { parts.append("missing keys: \(list(missing))") }
            if !unexpected.isEmpty { parts.append("unexpected keys: \(list(unexpected))") }
            if !misShaped.isEmpty { parts.append("mis-shaped keys: \(list(misShaped))") }
            throw AmbientError(.badFormat, subject, "checkpoint does not match the model; " + parts.joined(separator: "; "))
        }
        for (name, tensor) in ours {
            let value = try file.tensor(name, device: tensor.device)
            try tensor.copyValues(from: value)
        }
    }
}
