import AmbientCore
import Foundation

/// Training throughput of the U-Net: forward + backward + AdamW on random data with an MSE loss,
/// `steps` timed steps after one warm-up step. Returns images per second. The peer measurement in
/// bench/torch_train_step.py runs the same step with diffusers in Python.
public func benchmarkTrainStep(config: UNet2DConfig, batch: Int, steps: Int, channelsLast: Bool = false,
                               device: Device = .cpu, seed: UInt64 = 0) throws -> Double {
    guard batch > 0, steps > 0 else { throw AmbientError(.badArgument, "bench-unet", "batch and steps must be positive") }
    let size = config.sampleSize ?? 64
    let model = try UNet2DModel(config: config, seed: seed, device: device)
    if channelsLast { try model.useChannelsLast() }
    let optimizer = try AdamW(parameters: model.parameters(), learningRate: 1e-4)
    let generator = try TorchGenerator(seed: seed &+ 1)
    let shape = [batch, config.inChannels, size, size]
    let x = try Tensor.randn(shape, generator: generator, device: device)
    let target = try Tensor.randn([batch, config.outChannels, size, size], generator: generator, device: device)
    let timesteps = try (Tensor.rand([batch], generator: generator, device: device) * 999)

    func step() throws {
        optimizer.zeroGrad()
        let loss = try (model(x, timesteps: timesteps) - target).squared().mean()
        try loss.backward()
        try optimizer.step()
        _ = try loss.item()  // synchronises (matters on GPUs)
    }
    try step()
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<steps { try step() }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    return Double(batch * steps) / seconds
}
