import AmbientCore
import AmbientTestSupport
@testable import AmbientTorch
import Foundation
import XCTest

/// Parity with diffusers 0.27 (fixture made by scripts/fixtures/torch_make_unet_fixture.py) and the
/// checkpoint, optimizer and EMA plumbing around the U-Net.
final class UNetTests: XCTestCase {
    var fixtures: URL { Bundle.module.url(forResource: "Fixtures", withExtension: nil)! }
    var modelFolder: URL { fixtures.appendingPathComponent("unet_small") }

    func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ambient-torch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testForwardAndGradientsMatchDiffusers() throws {
        let model = try UNet2DModel.load(directory: modelFolder)
        let reference = try SafetensorsFile(url: fixtures.appendingPathComponent("unet_small_parity.safetensors"))
        let sample = try reference.tensor("sample")
        try sample.requiringGrad()
        let output = try model(sample, timesteps: reference.tensor("timesteps"))
        assertMaxAbsDifference(try output.floats(), try reference.tensor("output").floats(), atMost: 1e-4, "forward")

        try output.backward(gradient: reference.tensor("loss_weights"))
        assertMaxAbsDifference(try XCTUnwrap(sample.grad).floats(), try reference.tensor("grad.sample").floats(),
                               atMost: 1e-4, "d loss / d sample")
        let parameters = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.tensor) })
        let gradientNames = reference.names.filter { $0.hasPrefix("grad.") && $0 != "grad.sample" }
        XCTAssertEqual(gradientNames.count, 6)
        for key in gradientNames {
            let name = String(key.dropFirst("grad.".count))
            let ours = try XCTUnwrap(parameters[name]?.grad, name).floats()
            assertMaxAbsDifference(ours, try reference.tensor(key).floats(), atMost: 1e-4, name)
        }
    }

    func testChannelsLastGivesTheSameOutput() throws {
        let model = try UNet2DModel.load(directory: modelFolder)
        let reference = try SafetensorsFile(url: fixtures.appendingPathComponent("unet_small_parity.safetensors"))
        try model.useChannelsLast()
        let output = try withNoGrad { try model(reference.tensor("sample"), timesteps: reference.tensor("timesteps")) }
        assertMaxAbsDifference(try output.floats(), try reference.tensor("output").floats(), atMost: 1e-4, "channels-last")
    }

    func testSaveThenLoadGivesIdenticalOutputs() throws {
        let config = UNet2DConfig(sampleSize: 8, inChannels: 2, outChannels: 2, blockOutChannels: [8, 16],
                                  attention: [false, true], normNumGroups: 4, attentionHeadDim: 4)
        let model = try UNet2DModel(config: config, seed: 3)
        let folder = try temporaryFolder()
        try model.save(directory: folder)
        let loaded = try UNet2DModel.load(directory: folder)
        XCTAssertEqual(loaded.config, config)
        let x = try Tensor.randn([2, 2, 8, 8], generator: TorchGenerator(seed: 5))
        let a = try withNoGrad { try model(x, timestep: 42).floats() }
        let b = try withNoGrad { try loaded(x, timestep: 42).floats() }
        XCTAssertEqual(a, b)

        // Half-precision files round each weight to 11 (F16) or 8 (BF16) significant bits.
        for (dtype, tolerance) in [(SafetensorsDType.f16, Float(1e-3)), (.bf16, 8e-3)] {
            let halfFolder = folder.appendingPathComponent(dtype.rawValue)
            try model.save(directory: halfFolder, dtype: dtype)
            let file = try SafetensorsFile(url: halfFolder.appendingPathComponent(UNet2DModel.weightsFileName))
            let weight = model.namedParameters()[0]
            let original = try weight.tensor.floats(), stored = try file.tensor(weight.name).floats()
            for (o, s) in zip(original, stored) { XCTAssertEqual(s, o, accuracy: Swift.abs(o) * tolerance + 1e-7) }
        }
    }

    func testStrictLoadingRejectsAWrongCheckpointWithReadableMessage() throws {
        // The fixture's weights into a model with other widths and without attention.
        let other = UNet2DConfig(sampleSize: 16, inChannels: 4, outChannels: 2, blockOutChannels: [16, 24],
                                 attention: [false, false], normNumGroups: 8)
        let model = try UNet2DModel(config: other)
        let weights = modelFolder.appendingPathComponent(UNet2DModel.weightsFileName)
        XCTAssertThrowsError(try model.loadWeights(from: weights)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(weights.path), text)
            XCTAssertTrue(text.contains("unexpected keys: down_blocks.1.attentions.0.group_norm.bias"), text)
            XCTAssertTrue(text.contains("mis-shaped keys:") && text.contains("(file [32"), text)
        }
        // A file that is not safetensors at all.
        let folder = try temporaryFolder()
        let garbage = folder.appendingPathComponent("bad.safetensors")
        try Data([1, 2, 3]).write(to: garbage)
        XCTAssertThrowsError(try model.loadWeights(from: garbage)) { XCTAssertTrue("\($0)".contains("too short"), "\($0)") }
        XCTAssertThrowsError(try UNet2DModel.load(directory: folder)) { XCTAssertTrue("\($0)".contains("config.json"), "\($0)") }
    }

    func testMissingKeysAreListed() throws {
        let model = try UNet2DModel.load(directory: modelFolder)
        let folder = try temporaryFolder()
        let partial = folder.appendingPathComponent("partial.safetensors")
        try Safetensors.write(Array(model.namedParameters().dropLast(2).map { ($0.name, $0.tensor) }), to: partial)
        XCTAssertThrowsError(try model.loadWeights(from: partial)) { error in
            XCTAssertTrue("\(error)".contains("missing keys: conv_out.weight, conv_out.bias"), "\(error)")
        }
    }

    func testAdamWStepsReduceALossAndStateRoundTrips() throws {
        let config = UNet2DConfig(sampleSize: 8, inChannels: 2, outChannels: 2, blockOutChannels: [8, 16],
                                  attention: [false, true], normNumGroups: 4, attentionHeadDim: 4)
        let generator = try TorchGenerator(seed: 9)
        let x = try Tensor.randn([4, 2, 8, 8], generator: generator)
        let target = try Tensor.randn([4, 2, 8, 8], generator: generator)
        let timesteps = try Tensor(shape: [4], elements: [1, 10, 100, 999])

        func train(_ model: UNet2DModel, _ optimizer: AdamW, steps: Int) throws -> [Float] {
            try (0..<steps).map { _ in
                optimizer.zeroGrad()
                let loss = try (model(x, timesteps: timesteps) - target).squared().mean()
                try loss.backward()
                try clipGradientNorm(optimizer.parameters, maxNorm: 10)
                try optimizer.step()
                return try loss.item()
            }
        }

        let model = try UNet2DModel(config: config, seed: 1)
        let optimizer = try AdamW(parameters: model.parameters(), learningRate: 3e-3, weightDecay: 1e-2)
        let losses = try train(model, optimizer, steps: 8)
        XCTAssertLessThan(losses.last!, losses.first! * 0.9, "losses \(losses)")
        XCTAssertEqual(optimizer.stepCount, 8)

        // Save model and optimizer, continue both the original and a restored copy: same trajectory.
        let folder = try temporaryFolder()
        try model.save(directory: folder)
        try optimizer.save(to: folder.appendingPathComponent("optimizer.safetensors"))
        let restored = try UNet2DModel.load(directory: folder)
        let restoredOptimizer = try AdamW(parameters: restored.parameters(), learningRate: 3e-3, weightDecay: 1e-2)
        try restoredOptimizer.load(from: folder.appendingPathComponent("optimizer.safetensors"))
        XCTAssertEqual(restoredOptimizer.stepCount, 8)
        optimizer.learningRate = 1e-3
        restoredOptimizer.learningRate = 1e-3
        XCTAssertEqual(try train(model, optimizer, steps: 2), try train(restored, restoredOptimizer, steps: 2))

        // Wrong optimizer state is refused with a message.
        let small = try AdamW(parameters: [Tensor.zeros([3])])
        XCTAssertThrowsError(try small.load(from: folder.appendingPathComponent("optimizer.safetensors"))) {
            XCTAssertTrue("\($0)".contains("optimizer.safetensors"), "\($0)")
        }
    }

    func testFrozenParametersStayPutAndEMAFollows() throws {
        let config = UNet2DConfig(sampleSize: 8, inChannels: 2, outChannels: 2, blockOutChannels: [8, 16],
                                  attention: [false, false], normNumGroups: 4)
        let model = try UNet2DModel(config: config, seed: 2)
        try model.setFrozen(true, prefix: "conv_in.")
        let frozenBefore = try model.convIn.weight.floats()
        let ema = try ExponentialMovingAverage(of: model, decay: 0.5)
        let optimizer = try AdamW(parameters: model.parameters(), learningRate: 1e-2)
        let x = try Tensor.randn([2, 2, 8, 8], generator: TorchGenerator(seed: 4))
        try model(x, timestep: 5).squared().mean().backward()
        XCTAssertNil(model.convIn.weight.grad)
        let before = try model.convOut.weight.floats()
        try optimizer.step()
        try ema.update(from: model)
        XCTAssertEqual(try model.convIn.weight.floats(), frozenBefore)
        let after = try model.convOut.weight.floats()
        XCTAssertNotEqual(before, after)
        let shadow = try XCTUnwrap(ema.shadow.first { $0.name == "conv_out.weight" }).tensor.floats()
        for i in before.indices { XCTAssertEqual(shadow[i], 0.5 * before[i] + 0.5 * after[i], accuracy: 1e-6) }
        XCTAssertEqual(model.trainableParameters().count, model.parameters().count - 2)

        // The EMA weights survive a save/load and load into a model.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ema-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: file) }
        try ema.save(to: file)
        let restored = try ExponentialMovingAverage(of: UNet2DModel(config: config, seed: 9), decay: 0.5)
        try restored.load(from: file)
        XCTAssertEqual(try restored.shadow.last!.tensor.floats(), try ema.shadow.last!.tensor.floats())
        let evaluationCopy = try UNet2DModel(config: config, seed: 9)
        try evaluationCopy.loadWeights(from: file)
        XCTAssertEqual(try evaluationCopy.convOut.weight.floats(), shadow)
    }
}
