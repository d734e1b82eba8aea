import AmbientCore
import AmbientTorch
import AmbientTestSupport
@testable import AmbientDiffusion
import XCTest

final class ChannelAdaptationTests: SingleThreadTorchTestCase {
    func testAddingMaskChannelKeepsOutput() throws {
        let base = try DiffusionTestData.network(inputChannels: 2)
        let adapted = try ChannelAdaptation.adapt(base, inputChannels: 3, outputChannels: 2)
        let image = try Tensor.randn([2, 2, 8, 8], generator: TorchGenerator(seed: 1))
        let mask = try Tensor.rand([2, 1, 8, 8], generator: TorchGenerator(seed: 2))
        let expected = try base(image, timestep: 0.3).floats()
        let actual = try adapted(Tensor.cat([image, mask], axis: 1), timestep: 0.3).floats()
        assertMaxAbsDifference(actual, expected, atMost: 1e-5)
    }

    func testChangingOutputChannelsKeepsSharedOutputs() throws {
        let base = try DiffusionTestData.network(inputChannels: 2, outputChannels: 3)
        let adapted = try ChannelAdaptation.adapt(base, inputChannels: 2, outputChannels: 2)
        let wider = try ChannelAdaptation.adapt(adapted, inputChannels: 2, outputChannels: 4)
        let image = try Tensor.randn([1, 2, 8, 8], generator: TorchGenerator(seed: 3))
        let expected = try base(image, timestep: 1).narrowed(axis: 1, start: 0, length: 2).floats()
        assertMaxAbsDifference(try adapted(image, timestep: 1).floats(), expected, atMost: 1e-6)
        let extra = try wider(image, timestep: 1).narrowed(axis: 1, start: 2, length: 2).floats()
        XCTAssertEqual(extra, [Float](repeating: 0, count: extra.count))
    }

    func testFineTuneFromFolderAndFreeze() throws {
        let folder = DiffusionTestData.temporaryDirectory("base")
        defer { try? FileManager.default.removeItem(at: folder) }
        let base = try DiffusionTestData.network(inputChannels: 2)
        try base.save(directory: folder)
        var options = DiffusionTestData.options(.ambient, .image, steps: 2)
        options.trainOnlyPrefixes = ["conv_in", "conv_out"]
        let trainer = try Trainer.fineTune(base: folder, dataset: InMemoryImageDataset(images: DiffusionTestData.smoothImages(count: 4, size: 8, seed: 1)),
                                           options: options, runDirectory: folder.appendingPathComponent("run"))
        let network = trainer.network
        XCTAssertEqual(network.config.inChannels, 3)
        let frozenBefore = try network.namedParameters().filter { $0.name.hasPrefix("mid_block") }.map { try $0.tensor.floats() }
        XCTAssertEqual(trainer.optimizer.parameters.count, 4)
        try trainer.run(writeCheckpoints: false)
        let frozenAfter = try network.namedParameters().filter { $0.name.hasPrefix("mid_block") }.map { try $0.tensor.floats() }
        XCTAssertEqual(frozenBefore, frozenAfter)
        options.trainOnlyPrefixes = ["no_such_layer"]
        XCTAssertThrowsError(try Trainer(network: network, dataset: trainer.dataset, options: options, runDirectory: folder)) {
            XCTAssertTrue("\($0)".contains("no_such_layer"), "\($0)")
        }
    }
}
