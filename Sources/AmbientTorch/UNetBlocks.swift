import AmbientCore
import Foundation

// The building blocks of diffusers' UNet2DModel (diffusers 0.27: resnet.py, attention_processor.py,
// downsampling.py, upsampling.py, unets/unet_2d_blocks.py), with the same parameter names.

/// Shared construction settings of every block in one U-Net.
struct BlockSettings {
    let eps: Float
    let groups: Int
    let timeEmbeddingChannels: Int
    let scaleShift: Bool            // resnet_time_scale_shift == "scale_shift"
    let generator: TorchGenerator
    let device: Device
}

/// ResnetBlock2D: GroupNorm → SiLU → conv → (+ time embedding) → GroupNorm → SiLU → conv, plus a
/// (1×1 conv when widths differ) shortcut, divided by `output_scale_factor`.
final class ResnetBlock2D: Module {
    let norm1: GroupNorm, conv1: Conv2d, timeEmbeddingProjection: Linear, norm2: GroupNorm, conv2: Conv2d
    let convShortcut: Conv2d?
    let outputScaleFactor: Float
    let scaleShift: Bool

    init(inChannels: Int, outChannels: Int, outputScaleFactor: Float = 1, _ s: BlockSettings) throws {
        norm1 = try GroupNorm(groups: s.groups, channels: inChannels, eps: s.eps, device: s.device)
        conv1 = try Conv2d(inChannels, outChannels, kernelSize: 3, padding: 1, generator: s.generator, device: s.device)
        timeEmbeddingProjection = try Linear(s.timeEmbeddingChannels, s.scaleShift ? 2 * outChannels : outChannels,
                                             generator: s.generator, device: s.device)
        norm2 = try GroupNorm(groups: s.groups, channels: outChannels, eps: s.eps, device: s.device)
        conv2 = try Conv2d(outChannels, outChannels, kernelSize: 3, padding: 1, generator: s.generator, device: s.device)
        convShortcut = inChannels != outChannels
            ? try Conv2d(inChannels, outChannels, kernelSize: 1, generator: s.generator, device: s.device) : nil
        self.outputScaleFactor = outputScaleFactor
        scaleShift = s.scaleShift
    }

    func callAsFunction(_ x: Tensor, _ temb: Tensor) throws -> Tensor {
        var h = try conv1(norm1(x).silu())
        let t = try timeEmbeddingProjection(temb.silu())
        let tShape = t.shape
        let t4 = try t.reshaped([tShape[0], tShape[1], 1, 1])
        if scaleShift {
            let parts = try t4.chunked(2, axis: 1)
            h = try norm2(h) * (parts[0] + 1) + parts[1]
        } else {
            h = try norm2(h + t4)
        }
        h = try conv2(h.silu())
        let shortcut = try convShortcut.map { try $0(x) } ?? x
        let sum = try shortcut + h
        return outputScaleFactor == 1 ? sum : try sum / outputScaleFactor
    }

    func namedParameters() -> [(name: String, tensor: Tensor)] {
        nested("norm1", norm1) + nested("conv1", conv1) + nested("time_emb_proj", timeEmbeddingProjection)
            + nested("norm2", norm2) + nested("conv2", conv2) + nested("conv_shortcut", convShortcut)
    }
}

/// diffusers' `Attention` as built by the U-Net blocks: GroupNorm, multi-head self-attention over
/// the H·W positions, output projection, residual, division by `rescale_output_factor`.
final class SpatialSelfAttention: Module {
    let groupNorm: GroupNorm?
    let toQ: Linear, toK: Linear, toV: Linear, toOut: Linear
    let heads: Int, headDim: Int
    let rescaleOutputFactor: Float

    init(channels: Int, headDim: Int?, groups: Int?, rescaleOutputFactor: Float, _ s: BlockSettings) throws {
        let dim = headDim ?? channels
        heads = channels / dim
        guard heads >= 1 else {
            throw AmbientError(.badValue, "attention_head_dim", "head dimension \(dim) exceeds the \(channels) channels")
        }
        self.headDim = dim
        let inner = heads * dim
        groupNorm = try groups.map { try GroupNorm(groups: $0, channels: channels, eps: s.eps, device: s.device) }
        toQ = try Linear(channels, inner, generator: s.generator, device: s.device)
        toK = try Linear(channels, inner, generator: s.generator, device: s.device)
        toV = try Linear(channels, inner, generator: s.generator, device: s.device)
        toOut = try Linear(inner, channels, generator: s.generator, device: s.device)
        self.rescaleOutputFactor = rescaleOutputFactor
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        let s = x.shape
        let (b, c, positions) = (s[0], s[1], s[2] * s[3])
        let normed = try groupNorm.map { try $0(x) } ?? x  // GroupNorm over [B,C,H,W] = over [B,C,H·W]
        let tokens = try normed.reshaped([b, c, positions]).transposed(1, 2)      // [B, S, C]
        func splitHeads(_ t: Tensor) throws -> Tensor {
            try t.reshaped([b, positions, heads, headDim]).permuted([0, 2, 1, 3]).reshaped([b * heads, positions, headDim])
        }
        let q = try splitHeads(toQ(tokens)), k = try splitHeads(toK(tokens)), v = try splitHeads(toV(tokens))
        let scale = 1 / Float(headDim).squareRoot()
        let scores = try Tensor.empty([b * heads, positions, positions], device: x.device)
            .baddbmm(q, k.transposed(1, 2), beta: 0, alpha: scale)
        let attended = try scores.softmax(axis: -1).bmm(v)                        // [B·heads, S, d]
        let merged = try attended.reshaped([b, heads, positions, headDim]).permuted([0, 2, 1, 3])
            .reshaped([b, positions, heads * headDim])
        let out = try toOut(merged).transposed(1, 2).reshaped(s)
        let sum = try out + x
        return rescaleOutputFactor == 1 ? sum : try sum / rescaleOutputFactor
    }

    func namedParameters() -> [(name: String, tensor: Tensor)] {
        nested("group_norm", groupNorm) + nested("to_q", toQ) + nested("to_k", toK) + nested("to_v", toV)
            + nested("to_out.0", toOut)
    }
}

/// Downsample2D with a stride-2 3×3 conv (padding 0 pads right/bottom by one first, as diffusers).
final class Downsample2D: Module {
    let conv: Conv2d
    let padding: Int

    init(channels: Int, padding: Int, _ s: BlockSettings) throws {
        conv = try Conv2d(channels, channels, kernelSize: 3, stride: 2, padding: padding, generator: s.generator, device: s.device)
        self.padding = padding
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        try conv(padding == 0 ? x.padded([0, 1, 0, 1]) : x)
    }

    func namedParameters() -> [(name: String, tensor: Tensor)] { nested("conv", conv) }
}

/// Upsample2D: nearest ×2 then a 3×3 conv.
final class Upsample2D: Module {
    let conv: Conv2d

    init(channels: Int, _ s: BlockSettings) throws {
        conv = try Conv2d(channels, channels, kernelSize: 3, padding: 1, generator: s.generator, device: s.device)
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor { try conv(x.upsampledNearest(factor: 2)) }

    func namedParameters() -> [(name: String, tensor: Tensor)] { nested("conv", conv) }
}

/// DownBlock2D / AttnDownBlock2D: resnets (each followed by attention in the Attn variant), then
/// an optional downsampler. Returns the output and the skip tensors for the up path.
final class DownBlock: Module {
    let resnets: [ResnetBlock2D]
    let attentions: [SpatialSelfAttention]
    let downsampler: Downsample2D?

    init(inChannels: Int, outChannels: Int, layers: Int, attention: Bool, headDim: Int?, addDownsample: Bool,
         downsamplePadding: Int, _ s: BlockSettings) throws {
        resnets = try (0..<layers).map { i in
            try ResnetBlock2D(inChannels: i == 0 ? inChannels : outChannels, outChannels: outChannels, s)
        }
        attentions = attention ? try (0..<layers).map { _ in
            try SpatialSelfAttention(channels: outChannels, headDim: headDim ?? outChannels, groups: s.groups, rescaleOutputFactor: 1, s)
        } : []
        downsampler = addDownsample ? try Downsample2D(channels: outChannels, padding: downsamplePadding, s) : nil
    }

    func callAsFunction(_ x: Tensor, _ temb: Tensor) throws -> (Tensor, [Tensor]) {
        var h = x
        var skips: [Tensor] = []
        for (i, resnet) in resnets.enumerated() {
            h = try resnet(h, temb)
            if !attentions.isEmpty { h = try attentions[i](h) }
            skips.append(h)
        }
        if let downsampler {
            h = try downsampler(h)
            skips.append(h)
        }
        return (h, skips)
    }

    func namedParameters() -> [(name: String, tensor: Tensor)] {
        nested("resnets", resnets) + nested("attentions", attentions)
            + (downsampler.map { nested("downsamplers.0", $0) } ?? [])
    }
}

/// UpBlock2D / AttnUpBlock2D: each resnet takes the running tensor concatenated with one skip.
final class UpBlock: Module {
    let resnets: [ResnetBlock2D]
    let attentions: [SpatialSelfAttention]
    let upsampler: Upsample2D?

    init(inChannels: Int, previousOutChannels: Int, outChannels: Int, layers: Int, attention: Bool, headDim: Int?,
         addUpsample: Bool, _ s: BlockSettings) throws {
        resnets = try (0..<layers).map { i in
            let skipChannels = i == layers - 1 ? inChannels : outChannels
            let runningChannels = i == 0 ? previousOutChannels : outChannels
            return try ResnetBlock2D(inChannels: runningChannels + skipChannels, outChannels: outChannels, s)
        }
        attentions = attention ? try (0..<layers).map { _ in
            try SpatialSelfAttention(channels: outChannels, headDim: headDim ?? outChannels, groups: s.groups, rescaleOutputFactor: 1, s)
        } : []
        upsampler = addUpsample ? try Upsample2D(channels: outChannels, s) : nil
    }

    /// `skips` are consumed from the end, as diffusers pops `res_hidden_states_tuple[-1]`.
    func callAsFunction(_ x: Tensor, skips: inout [Tensor], _ temb: Tensor) throws -> Tensor {
        var h = x
        for (i, resnet) in resnets.enumerated() {
            guard let skip = skips.popLast() else {
                throw AmbientError(.badShape, "UNet2DModel", "up block ran out of skip connections")
            }
            h = try resnet(Tensor.cat([h, skip], axis: 1), temb)
            if !attentions.isEmpty { h = try attentions[i](h) }
        }
        if let upsampler { h = try upsampler(h) }
        return h
    }

    func namedParameters() -> [(name: String, tensor: Tensor)] {
        nested("resnets", resnets) + nested("attentions", attentions)
            + (upsampler.map { nested("upsamplers.0", $0) } ?? [])
    }
}

/// UNetMidBlock2D (one layer): resnet → attention (optional) → resnet.
final class MidBlock: Module {
    let resnets: [ResnetBlock2D]
    let attention: SpatialSelfAttention?

    init(channels: Int, headDim: Int?, addAttention: Bool, attentionGroups: Int?, outputScaleFactor: Float, _ s: BlockSettings) throws {
        resnets = try (0..<2).map { _ in
            try ResnetBlock2D(inChannels: channels, outChannels: channels, outputScaleFactor: outputScaleFactor, s)
        }
        attention = addAttention
            ? try SpatialSelfAttention(channels: channels, headDim: headDim ?? channels, groups: attentionGroups,
                                       rescaleOutputFactor: outputScaleFactor, s)
            : nil
    }

    func callAsFunction(_ x: Tensor, _ temb: Tensor) throws -> Tensor {
        var h = try resnets[0](x, temb)
        if let attention { h = try attention(h) }
        return try resnets[1](h, temb)
    }

    func namedParameters() -> [(name: String, tensor: Tensor)] {
        nested("resnets", resnets) + nested("attentions.0", attention)
    }
}

/// diffusers' get_timestep_embedding: [sin | cos] of t·exp(−ln(10⁴)·i/(half − shift)), optionally
/// flipped to [cos | sin], zero-padded for odd dimensions. `timesteps` is [B]; result [B, dim].
public func timestepEmbedding(_ timesteps: Tensor, dimension: Int, flipSinToCos: Bool, freqShift: Float,
                              maxPeriod: Float = 10000) throws -> Tensor {
    let half = dimension / 2
    let exponent = try (Tensor.arange(half, device: timesteps.device) * -Float(Foundation.log(Double(maxPeriod))))
        / (Float(half) - freqShift)
    let frequencies = try exponent.exp().reshaped([1, half])
    let angles = try timesteps.reshaped([-1, 1]) * frequencies
    let (sin, cos) = (try angles.sin(), try angles.cos())
    var embedding = try Tensor.cat(flipSinToCos ? [cos, sin] : [sin, cos], axis: -1)
    if dimension % 2 == 1 { embedding = try embedding.padded([0, 1]) }
    return embedding
}
