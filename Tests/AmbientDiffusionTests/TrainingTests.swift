import AmbientCore
import AmbientTorch
import AmbientTestSupport
@testable import AmbientDiffusion
import XCTest

final class TrainingTests: SingleThreadTorchTestCase {
    /// Mean loss of the current weights over the batches of the first few steps (fixed σ and noise).
    private func evaluationLoss(_ trainer: Trainer) throws -> Double {
        try (0..<4).map { try trainer.loss(on: trainer.batch(step: $0)) }.reduce(0, +) / 4
    }

    /// `factor`: the loss must fall below factor × its starting value. The image-domain ambient loss
    /// falls slowest: at small σ its hole pixels (Ã = 0 but A = 1) must be inpainted by c_out·F alone.
    private func assertTrainingReducesLoss(_ objective: Objective, _ corruption: CorruptionKind, factor: Double = 0.8,
                                           file: StaticString = #filePath, line: UInt = #line) throws {
        let options = DiffusionTestData.options(objective, corruption, steps: 30)
        let dataset: TrainingDataset = corruption == .image
            ? try InMemoryImageDataset(images: DiffusionTestData.smoothImages(count: 8, size: 8, seed: 1))
            : try DiffusionTestData.kspaceDataset(count: 8, size: 8, coils: 2, seed: 1)
        let network = try DiffusionTestData.network(inputChannels: try options.resolved().networkInputChannels)
        let run = DiffusionTestData.temporaryDirectory("reduce-\(objective)-\(corruption)")
        defer { try? FileManager.default.removeItem(at: run) }
        let trainer = try Trainer(network: network, dataset: dataset, options: options, runDirectory: run)
        let before = try evaluationLoss(trainer)
        let summary = try trainer.run(writeCheckpoints: false)
        let after = try evaluationLoss(trainer)
        XCTAssertEqual(summary.steps, 30, file: file, line: line)
        XCTAssertLessThan(after, factor * before, "\(objective)/\(corruption): loss \(before) → \(after)", file: file, line: line)
        let log = try TrainingLogWriter.read(run.appendingPathComponent("training_log.jsonl"))
        XCTAssertEqual(log.map(\.step), [5, 10, 15, 20, 25, 30], file: file, line: line)
        XCTAssertTrue(log.allSatisfy { $0.sigmaMin > 0 && $0.sigmaMin <= $0.sigmaMean && $0.sigmaMean <= $0.sigmaMax && $0.loss.isFinite },
                      file: file, line: line)
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent("loss_curve.png").path), file: file, line: line)
    }

    func testAmbientPixelsTrainingReducesLoss() throws { try assertTrainingReducesLoss(.ambient, .image, factor: 0.93) }
    func testAmbientFourierTrainingReducesLoss() throws { try assertTrainingReducesLoss(.ambient, .fourier) }
    func testNaiveTrainingReducesLoss() throws { try assertTrainingReducesLoss(.naive, .image) }
    func testOracleTrainingReducesLoss() throws { try assertTrainingReducesLoss(.oracle, .fourier) }

    /// Training N steps straight equals training k steps, checkpointing, reloading and training N − k.
    func testResumeContinuesExactly() throws {
        var options = DiffusionTestData.options(.ambient, .fourier, steps: 6)
        options.checkpointEvery = 3
        let dataset = try DiffusionTestData.kspaceDataset(count: 5, size: 8, coils: 2, seed: 2)
        let channels = try options.resolved().networkInputChannels
        let straightRun = DiffusionTestData.temporaryDirectory("straight")
        let stoppedRun = DiffusionTestData.temporaryDirectory("stopped")
        defer { try? FileManager.default.removeItem(at: straightRun); try? FileManager.default.removeItem(at: stoppedRun) }

        let straight = try Trainer(network: DiffusionTestData.network(inputChannels: channels), dataset: dataset,
                                   options: options, runDirectory: straightRun)
        try straight.run(writeCheckpoints: false)

        let first = try Trainer(network: DiffusionTestData.network(inputChannels: channels), dataset: dataset,
                                options: options, runDirectory: stoppedRun)
        let partial = try first.run(stopAfter: 3)
        let checkpoint = try XCTUnwrap(partial.lastCheckpoint)
        XCTAssertEqual(checkpoint.standardizedFileURL.path, Checkpoint.latest(in: stoppedRun.appendingPathComponent("checkpoints"))?.standardizedFileURL.path)
        let resumed = try Trainer.resume(from: checkpoint, dataset: dataset)
        XCTAssertEqual(resumed.step, 3)
        try resumed.run()
        XCTAssertEqual(resumed.step, 6)

        for (a, b) in zip(straight.network.namedParameters(), resumed.network.namedParameters()) {
            XCTAssertEqual(try a.tensor.floats(), try b.tensor.floats(), "weights differ at \(a.name)")
        }
        for (a, b) in zip(straight.ema.shadow, resumed.ema.shadow) {
            XCTAssertEqual(try a.tensor.floats(), try b.tensor.floats(), "EMA differs at \(a.name)")
        }
        let log = try TrainingLogWriter.read(stoppedRun.appendingPathComponent("training_log.jsonl"))
        XCTAssertEqual(log.map(\.step), [3, 5, 6], "the resumed run continues the log (the first run logged its last step)")
        let saved = try TrainingOptions.load(from: checkpoint.appendingPathComponent(Checkpoint.optionsFile))
        XCTAssertEqual(saved, try options.resolved())
        XCTAssertEqual(try TrainingOptions.load(from: stoppedRun.appendingPathComponent(Checkpoint.optionsFile)), saved)
        XCTAssertTrue(FileManager.default.fileExists(atPath: checkpoint.appendingPathComponent("ema/diffusion_pytorch_model.safetensors").path))
    }

    func testOptionsDecodeSnakeCaseWithDefaults() throws {
        let json = #"{"batch_size": 4, "objective": "naive", "corruption": "fourier", "further_corruption": {"lines": {"count": 3}}}"#
        let options = try TrainingOptions.decode(Data(json.utf8))
        XCTAssertEqual(options.batchSize, 4)
        XCTAssertEqual(options.objective, .naive)
        XCTAssertEqual(options.furtherCorruption, .lines(count: 3))
        XCTAssertEqual(options.learningRate, TrainingOptions().learningRate)
        let resolved = try options.resolved()
        XCTAssertEqual(resolved.maskChannel, false)
        let roundTrip = try TrainingOptions.decode(resolved.jsonData())
        XCTAssertEqual(roundTrip, resolved)
        let text = String(decoding: try resolved.jsonData(), as: UTF8.self)
        XCTAssertTrue(text.contains("\"learning_rate\""), text)
    }

    func testAmbientKSpaceTrainingStaysAboveItsSigmaFloor() throws {
        var options = try DiffusionTestData.options(.ambient, .fourier).resolved()
        XCTAssertEqual(options.ambientSigmaMin, 0.1, "k-space ambient default floor")
        XCTAssertEqual(options.lowestTrainedSigma, 0.1)
        options.ambientSigmaMin = 0.5
        XCTAssertEqual(options.lowestTrainedSigma, 0.5)
        options.objective = .naive
        XCTAssertEqual(options.lowestTrainedSigma, 0, "baselines see the whole σ range")
        XCTAssertEqual(try DiffusionTestData.options(.ambient, .image).resolved().lowestTrainedSigma, 0)
        // Draws respect the floor and keep EDM's log-normal shape above it (median of the truncated law).
        var rng = SeededGenerator(seed: 9)
        let sampler = LogNormalSigma(mean: -1.2, std: 1.2, minimum: 0.3)
        let draws = (0..<4000).map { _ in sampler.sample(using: &rng) }.sorted()
        XCTAssertGreaterThanOrEqual(draws[0], 0.3)
        // P(σ ≥ 0.3) = P(z ≥ −0.003) ≈ 0.501; the truncated median is at z with P(z ≥ z_m) = 0.2507, z_m ≈ 0.672
        // (without the floor the median would be e^−1.2 ≈ 0.30).
        XCTAssertEqual(draws[2000], Foundation.exp(-1.2 + 1.2 * 0.672), accuracy: 0.04)
        var bad = options
        bad.ambientSigmaMin = -1
        XCTAssertThrowsError(try bad.resolved()) { XCTAssertTrue("\($0)".contains("ambient_sigma_min"), "\($0)") }
    }

    func testBadInputsThrowNamedErrors() throws {
        let options = DiffusionTestData.options(.ambient, .image)
        let dataset = try InMemoryImageDataset(images: DiffusionTestData.smoothImages(count: 2, size: 8, seed: 1))
        XCTAssertThrowsError(try Trainer(network: DiffusionTestData.network(inputChannels: 2), dataset: dataset, options: options,
                                         runDirectory: DiffusionTestData.temporaryDirectory("bad"))) { error in
            XCTAssertTrue("\(error)".contains("input channels"), "\(error)")
        }
        var bad = options
        bad.batchSize = 0
        XCTAssertThrowsError(try bad.resolved()) { XCTAssertTrue("\($0)".contains("batch_size"), "\($0)") }
        XCTAssertThrowsError(try InMemoryImageDataset(images: ComplexArray(zeros: [8, 8])))
        let fourier = try BatchBuilder(options: DiffusionTestData.options(.ambient, .fourier), dataset: dataset)
        XCTAssertThrowsError(try fourier.batch(step: 0)) { XCTAssertTrue("\($0)".contains("training example"), "\($0)") }
    }
}
