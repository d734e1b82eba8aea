import AmbientCore
import Foundation

/// The configuration of diffusers' `UNet2DModel`, read from and written to the same `config.json`
/// keys (snake_case). Unknown keys (e.g. `_class_name`) are ignored on read; missing keys take
/// diffusers' defaults.
public struct UNet2DConfig: Codable, Equatable, Sendable {
    public var sampleSize: Int?
    public var inChannels: Int = 3
    public var outChannels: Int = 3
    public var centerInputSample: Bool = false
    public var timeEmbeddingType: String = "positional"
    public var freqShift: Int = 0
    public var flipSinToCos: Bool = true
    public var downBlockTypes: [String] = ["DownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D"]
    public var upBlockTypes: [String] = ["AttnUpBlock2D", "AttnUpBlock2D", "AttnUpBlock2D", "UpBlock2D"]
    public var blockOutChannels: [Int] = [224, 448, 672, 896]
    public var layersPerBlock: Int = 2
    public var midBlockScaleFactor: Float = 1
    public var downsamplePadding: Int = 1
    public var downsampleType: String = "conv"
    public var upsampleType: String = "conv"
    public var dropout: Float = 0
    public var actFn: String = "silu"
    public var attentionHeadDim: Int? = 8
    public var normNumGroups: Int = 32
    public var attnNormNumGroups: Int?
    public var normEps: Float = 1e-5
    public var resnetTimeScaleShift: String = "default"
    public var addAttention: Bool = true
    public var classEmbedType: String?
    public var numClassEmbeds: Int?
    public var numTrainTimesteps: Int?

    public init() {}

    /// A small configuration with the given channel widths; attention blocks where `attention` is true.
    public init(sampleSize: Int, inChannels: Int, outChannels: Int, blockOutChannels: [Int], attention: [Bool],
                layersPerBlock: Int = 1, normNumGroups: Int = 32, attentionHeadDim: Int? = 8) {
        self.sampleSize = sampleSize
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.blockOutChannels = blockOutChannels
        self.downBlockTypes = attention.map { $0 ? "AttnDownBlock2D" : "DownBlock2D" }
        self.upBlockTypes = attention.reversed().map { $0 ? "AttnUpBlock2D" : "UpBlock2D" }
        self.layersPerBlock = layersPerBlock
        self.normNumGroups = normNumGroups
        self.attentionHeadDim = attentionHeadDim
    }

    enum CodingKeys: String, CodingKey {
        case sampleSize = "sample_size", inChannels = "in_channels", outChannels = "out_channels"
        case centerInputSample = "center_input_sample", timeEmbeddingType = "time_embedding_type"
        case freqShift = "freq_shift", flipSinToCos = "flip_sin_to_cos"
        case downBlockTypes = "down_block_types", upBlockTypes = "up_block_types"
        case blockOutChannels = "block_out_channels", layersPerBlock = "layers_per_block"
        case midBlockScaleFactor = "mid_block_scale_factor", downsamplePadding = "downsample_padding"
        case downsampleType = "downsample_type", upsampleType = "upsample_type", dropout
        case actFn = "act_fn", attentionHeadDim = "attention_head_dim", normNumGroups = "norm_num_groups"
        case attnNormNumGroups = "attn_norm_num_groups", normEps = "norm_eps"
        case resnetTimeScaleShift = "resnet_time_scale_shift", addAttention = "add_attention"
        case classEmbedType = "class_embed_type", numClassEmbeds = "num_class_embeds"
        case numTrainTimesteps = "num_train_timesteps"
        case className = "_class_name", diffusersVersion = "_diffusers_version"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // sample_size is an int or an [H, W] pair in diffusers; we keep square sizes.
        if let size = try? c.decodeIfPresent(Int.self, forKey: .sampleSize) {
            sampleSize = size
        } else if let pair = try? c.decodeIfPresent([Int].self, forKey: .sampleSize), let first = pair.first {
            sampleSize = first
        }
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try c.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        inChannels = try value(.inChannels, inChannels)
        outChannels = try value(.outChannels, outChannels)
        centerInputSample = try value(.centerInputSample, centerInputSample)
        timeEmbeddingType = try value(.timeEmbeddingType, timeEmbeddingType)
        freqShift = try value(.freqShift, freqShift)
        flipSinToCos = try value(.flipSinToCos, flipSinToCos)
        downBlockTypes = try value(.downBlockTypes, downBlockTypes)
        upBlockTypes = try value(.upBlockTypes, upBlockTypes)
        blockOutChannels = try value(.blockOutChannels, blockOutChannels)
        layersPerBlock = try value(.layersPerBlock, layersPerBlock)
        midBlockScaleFactor = try value(.midBlockScaleFactor, midBlockScaleFactor)
        downsamplePadding = try value(.downsamplePadding, downsamplePadding)
        downsampleType = try value(.downsampleType, downsampleType)
        upsampleType = try value(.upsampleType, upsampleType)
        dropout = try value(.dropout, dropout)
        actFn = try value(.actFn, actFn)
        // An explicit null means "one head per block" (head dim = channels), unlike a missing key.
        if c.contains(.attentionHeadDim) {
            attentionHeadDim = try c.decodeNil(forKey: .attentionHeadDim) ? nil : c.decode(Int.self, forKey: .attentionHeadDim)
        }
        normNumGroups = try value(.normNumGroups, normNumGroups)
        attnNormNumGroups = try c.decodeIfPresent(Int.self, forKey: .attnNormNumGroups)
        normEps = try value(.normEps, normEps)
        resnetTimeScaleShift = try value(.resnetTimeScaleShift, resnetTimeScaleShift)
        addAttention = try value(.addAttention, addAttention)
        classEmbedType = try c.decodeIfPresent(String.self, forKey: .classEmbedType)
        numClassEmbeds = try c.decodeIfPresent(Int.self, forKey: .numClassEmbeds)
        numTrainTimesteps = try c.decodeIfPresent(Int.self, forKey: .numTrainTimesteps)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode("UNet2DModel", forKey: .className)
        try c.encode("0.27.2", forKey: .diffusersVersion)
        try c.encode(sampleSize, forKey: .sampleSize)
        try c.encode(inChannels, forKey: .inChannels)
        try c.encode(outChannels, forKey: .outChannels)
        try c.encode(centerInputSample, forKey: .centerInputSample)
        try c.encode(timeEmbeddingType, forKey: .timeEmbeddingType)
        try c.encode(freqShift, forKey: .freqShift)
        try c.encode(flipSinToCos, forKey: .flipSinToCos)
        try c.encode(downBlockTypes, forKey: .downBlockTypes)
        try c.encode(upBlockTypes, forKey: .upBlockTypes)
        try c.encode(blockOutChannels, forKey: .blockOutChannels)
        try c.encode(layersPerBlock, forKey: .layersPerBlock)
        try c.encode(midBlockScaleFactor, forKey: .midBlockScaleFactor)
        try c.encode(downsamplePadding, forKey: .downsamplePadding)
        try c.encode(downsampleType, forKey: .downsampleType)
        try c.encode(upsampleType, forKey: .upsampleType)
        try c.encode(dropout, forKey: .dropout)
        try c.encode(actFn, forKey: .actFn)
        try c.encode(attentionHeadDim, forKey: .attentionHeadDim)
        try c.encode(normNumGroups, forKey: .normNumGroups)
        try c.encode(attnNormNumGroups, forKey: .attnNormNumGroups)
        try c.encode(normEps, forKey: .normEps)
        try c.encode(resnetTimeScaleShift, forKey: .resnetTimeScaleShift)
        try c.encode(addAttention, forKey: .addAttention)
        try c.encode(classEmbedType, forKey: .classEmbedType)
        try c.encode(numClassEmbeds, forKey: .numClassEmbeds)
        try c.encode(numTrainTimesteps, forKey: .numTrainTimesteps)
    }

    /// Throws for configurations this implementation does not build (rather than building a different network).
    public func validate(subject: String = "config.json") throws {
        func fail(_ message: String) -> AmbientError { AmbientError(.unsupported, subject, message) }
        guard !blockOutChannels.isEmpty else { throw AmbientError(.badValue, subject, "block_out_channels is empty") }
        guard downBlockTypes.count == blockOutChannels.count, upBlockTypes.count == blockOutChannels.count else {
            throw AmbientError(.badValue, subject, "down_block_types (\(downBlockTypes.count)), up_block_types (\(upBlockTypes.count)) and block_out_channels (\(blockOutChannels.count)) must have the same length")
        }
        for t in downBlockTypes where t != "DownBlock2D" && t != "AttnDownBlock2D" { throw fail("down block type \(t) (supported: DownBlock2D, AttnDownBlock2D)") }
        for t in upBlockTypes where t != "UpBlock2D" && t != "AttnUpBlock2D" { throw fail("up block type \(t) (supported: UpBlock2D, AttnUpBlock2D)") }
        guard timeEmbeddingType == "positional" else { throw fail("time_embedding_type \(timeEmbeddingType) (supported: positional)") }
        guard downsampleType == "conv", upsampleType == "conv" else { throw fail("downsample/upsample type \(downsampleType)/\(upsampleType) (supported: conv)") }
        guard resnetTimeScaleShift == "default" || resnetTimeScaleShift == "scale_shift" else {
            throw fail("resnet_time_scale_shift \(resnetTimeScaleShift) (supported: default, scale_shift)")
        }
        guard classEmbedType == nil, numClassEmbeds == nil else { throw fail("class conditioning") }
        guard dropout == 0 else { throw fail("dropout \(dropout) (supported: 0)") }
        guard Activation(rawValue: actFn.lowercased()) == .silu || Activation(rawValue: actFn.lowercased()) == .swish else {
            throw fail("act_fn \(actFn) (supported: silu)")
        }
        for c in blockOutChannels where c % normNumGroups != 0 {
            throw AmbientError(.badValue, subject, "block_out_channels entry \(c) is not divisible by norm_num_groups \(normNumGroups)")
        }
    }
}
