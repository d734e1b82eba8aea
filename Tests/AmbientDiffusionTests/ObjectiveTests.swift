import AmbientCore
import AmbientTorch
import AmbientTestSupport
@testable import AmbientDiffusion
import XCTest

final class ObjectiveTests: SingleThreadTorchTestCase {
    func testEDMCoefficientIdentities() {
        let p = EDMPreconditioning(sigmaData: 0.5)
        for sigma: Float in [0.002, 0.1, 0.5, 2, 80] {
            let c = p.coefficients(sigma: sigma)
            // Unit-variance network input, and λ·c_out² = 1 (the effective target of F is unit-weighted).
            XCTAssertEqual(c.input * c.input * (sigma * sigma + 0.25), 1, accuracy: 1e-5)
            XCTAssertEqual(p.lossWeight(sigma: sigma) * c.output * c.output, 1, accuracy: 1e-4)
            XCTAssertEqual(c.skip, 0.25 / (sigma * sigma + 0.25), accuracy: 1e-6)
            XCTAssertEqual(c.noise, log(sigma) / 4, accuracy: 1e-6)
        }
    }

    /// Changing the data or the prediction where A is zero changes neither the loss nor its gradient.
    func testImageAmbientLossIsBlindToUnobservedPixels() throws {
        let b = 2, h = 8, w = 8
        var rng = SeededGenerator(seed: 5)
        let mask = try RealArray.stack((0..<b).map { _ in try SamplingMasks.randomPixels(height: h, width: w, missingProbability: 0.5, using: &rng) })
        let target = randomComplex([b, h, w], seed: 1), denoised = randomComplex([b, h, w], seed: 2)
        let junk = randomComplex([b, h, w], seed: 3).multiplied(by: mask.map { 1 - $0 })
        func lossAndGradient(_ d: ComplexArray, _ y: ComplexArray) throws -> (Float, [Float]) {
            let leaf = try Tensor(channelsFrom: d).requiringGrad()
            let loss = try DenoisingLoss.observedPixelError(denoised: leaf, target: Tensor(channelsFrom: y),
                                                            observed: Tensor(mask.reshaped([b, 1, h, w])), weight: [1.5, 0.5])
            try loss.backward()
            return (try loss.item(), try XCTUnwrap(leaf.grad).floats())
        }
        let (loss, gradient) = try lossAndGradient(denoised, target)
        let (loss2, gradient2) = try lossAndGradient(denoised + junk, target - junk * 2)
        XCTAssertEqual(loss, loss2)
        XCTAssertEqual(gradient, gradient2)
        XCTAssertGreaterThan(loss, 0)
    }

    /// The same for A = M·F·S: k-space outside M and prediction components that A cannot see.
    func testFourierAmbientLossIsBlindToUnobservedData() throws {
        let h = 8, w = 8
        var rng = SeededGenerator(seed: 9)
        let mask = try MaskSpec.cartesianRandom(acceleration: 2, acsLines: 2).make(height: h, width: w, using: &rng)
        let maps = ComplexArray(shape: [1, h, w], repeating: .one)  // one uniform coil: the null space is F⁻¹(1−M)
        let a = LinearOperator.sense(maps: maps, mask: mask)
        let kspace = a.forward(randomComplex([h, w], seed: 4))
        let unmeasured = LinearOperator.mask(mask.map { 1 - $0 }, shape: [1, h, w]).forward(randomComplex([1, h, w], seed: 5))
        let nullComponent = FFT.inverse(unmeasured).reshaped([1, h, w])
        let denoised = randomComplex([1, h, w], seed: 6)
        func evaluate(_ d: ComplexArray, _ k: ComplexArray) throws -> (loss: Double, gradient: ComplexArray) {
            let slice = FourierLossSlice(maps: maps, mask: mask, adjointData: a.adjoint(k.multipliedBroadcast(by: mask)))
            return try DenoisingLoss.fourierObservedResidual(denoised: d, slices: [slice], weight: [2])
        }
        let reference = try evaluate(denoised, kspace)
        let changed = try evaluate(denoised + nullComponent, kspace + unmeasured.reshaped([1, h, w]))
        XCTAssertEqual(reference.loss, changed.loss, accuracy: 1e-5 * reference.loss)
        assertClose(changed.gradient, reference.gradient, relative: 1e-5)
        XCTAssertGreaterThan(nullComponent.norm, 0.1)
    }

    /// The Fourier loss gradient matches finite differences of the loss.
    func testFourierLossGradientMatchesFiniteDifferences() throws {
        let h = 8, w = 8
        let maps = try Coils.birdcageSensitivities(coils: 2, height: h, width: w)
        var rng = SeededGenerator(seed: 11)
        let mask = try MaskSpec.cartesianRandom(acceleration: 2, acsLines: 2).make(height: h, width: w, using: &rng)
        let slice = FourierLossSlice(maps: maps, mask: mask, adjointData: randomComplex([h, w], seed: 1))
        let d = randomComplex([1, h, w], seed: 2), direction = randomComplex([1, h, w], seed: 3)
        let (_, gradient) = try DenoisingLoss.fourierObservedResidual(denoised: d, slices: [slice], weight: [0.7])
        let eps: Float = 1e-2
        let plus = try DenoisingLoss.fourierObservedResidual(denoised: d + direction * eps, slices: [slice], weight: [0.7]).loss
        let minus = try DenoisingLoss.fourierObservedResidual(denoised: d - direction * eps, slices: [slice], weight: [0.7]).loss
        let numeric = (plus - minus) / Double(2 * eps)
        let analytic = Double(gradient.dot(direction).re)  // Re⟨g, v⟩ is the directional derivative
        XCTAssertEqual(analytic, numeric, accuracy: 1e-3 * max(abs(numeric), 1))
    }

    /// With A = I, δ = 0 and no σ floor the ambient loss is the clean EDM loss, for image and k-space data.
    func testAmbientLossWithFullObservationEqualsCleanLoss() throws {
        for corruption in CorruptionKind.allCases {
            var ambient = DiffusionTestData.options(.ambient, corruption)
            ambient.ambientSigmaMin = 0
            ambient.imageMask = .full
            ambient.furtherCorruption = .pixels(probability: 0)
            var oracle = ambient
            oracle.objective = .oracle
            oracle.maskChannel = true
            let dataset: TrainingDataset = corruption == .image
                ? try InMemoryImageDataset(images: DiffusionTestData.smoothImages(count: 4, size: 8, seed: 7))
                : try DiffusionTestData.kspaceDataset(count: 4, size: 8, coils: 3, seed: 7, fullySampled: true)
            let run = DiffusionTestData.temporaryDirectory("full")
            let network = try DiffusionTestData.network(inputChannels: 3)
            let ambientTrainer = try Trainer(network: network, dataset: dataset, options: ambient, runDirectory: run)
            let oracleTrainer = try Trainer(network: network, dataset: dataset, options: oracle, runDirectory: run)
            for step in 0..<3 {
                let a = try ambientTrainer.loss(on: ambientTrainer.batch(step: step))
                let o = try oracleTrainer.loss(on: oracleTrainer.batch(step: step))
                XCTAssertEqual(a, o, accuracy: 1e-4 * o, "\(corruption) step \(step)")
            }
        }
    }

    /// Ã ⊆ A, fixed A_i per image across steps, and Ã redrawn per step.
    func testMasksAreFixedPerImageAndFurtherCorruptionIsASubset() throws {
        let options = DiffusionTestData.options(.ambient, .image)
        let dataset = try InMemoryImageDataset(images: DiffusionTestData.smoothImages(count: 3, size: 8, seed: 1))
        let builder = try BatchBuilder(options: options, dataset: dataset)
        let mask0 = try builder.imageMask(index: 0)
        let again = try BatchBuilder(options: options, dataset: dataset).imageMask(index: 0)
        XCTAssertEqual(mask0, again)
        XCTAssertNotEqual(mask0, try builder.imageMask(index: 1))
        let batch = try builder.batch(step: 0)
        guard case let .image(_, observed?) = batch.loss, let conditioning = batch.conditioning else { return XCTFail("no masks") }
        let further = conditioning.reshaped(observed.shape)
        for i in 0..<further.count { XCTAssertLessThanOrEqual(further[flat: i], observed[flat: i]) }
        XCTAssertLessThan(further.sum, observed.sum, "δ = 0.1 removes some observed pixels")
        // Every sample appears once per epoch.
        let epoch = (0..<3).flatMap { builder.indices(forStep: $0) }.prefix(3)
        XCTAssertEqual(Set(epoch), [0, 1, 2])
    }
}
