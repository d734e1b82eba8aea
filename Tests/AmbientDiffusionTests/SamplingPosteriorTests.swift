import AmbientCore
import AmbientTestSupport
import AmbientTorch
@testable import AmbientDiffusion
import Foundation
import XCTest

/// Posterior sampling (A-DPS, A-OS): the likelihood gradient through a real (tiny) U-Net, data
/// consistency with an analytic prior, seeding, uncertainty maps, scaling and bad input.
final class SamplingPosteriorTests: XCTestCase {
    private var previousThreads = 1

    override func setUp() {
        super.setUp()
        previousThreads = Torch.threads
        Torch.threads = 1  // tiny networks: one thread avoids barrier waits on a busy machine
    }

    override func tearDown() {
        Torch.threads = previousThreads
        super.tearDown()
    }

    static let size = 16

    /// A smooth complex image (a few low-frequency waves), [16, 16].
    static func image(seed: UInt64) -> ComplexArray {
        var rng = SeededGenerator(seed: seed)
        var image = ComplexArray(zeros: [size, size])
        for _ in 0..<3 {
            let fy = Float(rng.next() % 3), fx = Float(rng.next() % 3)
            let amplitude = Complex32(rng.nextNormal(), rng.nextNormal())
            image.withUnsafeMutableBufferPointer { p in
                for y in 0..<size {
                    for x in 0..<size {
                        p[y * size + x] += amplitude * Complex32.unit(phase: 2 * .pi * (fy * Float(y) + fx * Float(x)) / Float(size))
                    }
                }
            }
        }
        return image
    }

    static func slice(seed: UInt64, coils: Int, fullySampled: Bool, scale: Float = 1) throws -> (PosteriorSlice, ComplexArray) {
        let truth = image(seed: seed) * scale
        let maps = coils == 1 ? ComplexArray(shape: [1, size, size], repeating: .one)
            : try Coils.birdcageSensitivities(coils: coils, height: size, width: size)
        var rng = SeededGenerator(seed: seed &+ 100)
        let mask = fullySampled ? RealArray(shape: [size, size], repeating: 1)
            : try MaskSpec.cartesianRandom(acceleration: 2, acsLines: 4).make(height: size, width: size, using: &rng)
        let kspace = LinearOperator.sense(maps: maps, mask: mask).forward(truth)
        return (PosteriorSlice(kspace: kspace, maps: maps, mask: mask, name: "test-\(seed)"), truth)
    }

    static func tinyDenoiser(maskChannel: Bool = true) throws -> EDMDenoiser {
        let config = UNet2DConfig(sampleSize: size, inChannels: maskChannel ? 3 : 2, outChannels: 2, blockOutChannels: [8, 16],
                                  attention: [false, false], layersPerBlock: 1, normNumGroups: 4)
        return try EDMDenoiser(network: UNet2DModel(config: config, seed: 11))
    }

    /// ∇_x ‖A D(P x; σ, M̃) − y‖² from the pullback through the network matches central finite
    /// differences along random directions (Fourier ambient input: P = ÃᴴÃ, 2 coils).
    func testLikelihoodGradientThroughTheNetworkMatchesFiniteDifferences() throws {
        let denoiser = try Self.tinyDenoiser()
        let (slice, _) = try Self.slice(seed: 1, coils: 2, fullySampled: false)
        let prepared = try PreparedSlice(slice, percentile: 0.99)
        var rng = SeededGenerator(seed: 4)
        let corruption = try PriorInput.fourier(mask: nil, further: .lineFraction(fraction: 0.25))
            .fixedCorruption(height: Self.size, width: Self.size, maps: slice.maps, measuredMask: slice.mask, using: &rng)
        let second = try PriorInput.fourier(mask: nil, further: .lineFraction(fraction: 0.5))
            .fixedCorruption(height: Self.size, width: Self.size, maps: slice.maps, measuredMask: slice.mask, using: &rng)
        for (corruptions, combination) in [([corruption], MaskCombination.average), ([corruption, second], .average),
                                           ([corruption, second], .selective)] {
            let conditioned = try ConditionedDenoiser(base: denoiser, corruptions: [corruptions], height: Self.size, width: Self.size,
                                                      combination: combination)
            try checkLikelihoodGradient(conditioned, prepared, "\(corruptions.count) masks, \(combination)")
        }
    }

    private func checkLikelihoodGradient(_ conditioned: ConditionedDenoiser, _ prepared: PreparedSlice, _ label: String) throws {
        let sigma: Float = 0.7
        let x = randomComplex([1, Self.size, Self.size], seed: 2)

        func objective(_ x: ComplexArray) throws -> Double {
            let d = try conditioned.denoise(x, sigma: sigma)
            return (prepared.operator_.forward(d.slice(0)) - prepared.kspace).normSquared
        }
        let (denoised, pullback) = try conditioned.denoiseWithPullback(x, sigma: sigma)
        let (residualGradient, norms) = PosteriorSampler.dataGradient(denoised, jobs: [prepared])
        XCTAssertEqual(norms[0] * norms[0], try objective(x), accuracy: 1e-4 * norms[0] * norms[0])
        let gradient = try pullback(residualGradient)
        XCTAssertGreaterThan(gradient.norm, 0)
        for direction in 0..<3 {
            let v = randomComplex([1, Self.size, Self.size], seed: 10 + UInt64(direction))
            let h: Float = 1e-2
            let numeric = (try objective(x + v * h) - (try objective(x - v * h))) / Double(2 * h)
            // The real inner product ⟨∇f, v⟩ = Re Σ conj(∇f)·v.
            let analytic = Double(gradient.dot(v).re)
            // Float32 finite differences are good to a few 1e-5 of ‖∇f‖‖v‖; a wrong adjoint is off by O(‖∇f‖‖v‖).
            XCTAssertEqual(analytic, numeric, accuracy: 0.02 * abs(numeric) + 1e-4 * gradient.norm * v.norm, "\(label), direction \(direction)")
        }
    }

    /// The selective combination takes each k-space line from the masks that kept it (their mean where
    /// several did) and the plain average where none did. Entry k's estimate here is F⁻¹ of the
    /// constant k + 1, so the result's k-space shows which masks each line came from.
    func testSelectiveCombinationTakesEachLineFromTheMasksThatKeptIt() throws {
        let n = Self.size
        let maps = ComplexArray(shape: [1, n, n], repeating: .one)
        var rng = SeededGenerator(seed: 6)
        let corruptions = try (0..<3).map { _ in
            try PriorInput.fourier(mask: .cartesianRandom(acceleration: 4, acsLines: 2), further: .lineFraction(fraction: 0.2))
                .fixedCorruption(height: n, width: n, maps: maps, measuredMask: nil, using: &rng)
        }
        let constants = ClosureDenoiser(takesMaskChannel: true, denoise: { x, _, _ in
            ComplexArray.stack((0..<x.shape[0]).map { FFT.inverse(ComplexArray(shape: [n, n], repeating: Complex32(Float($0 % 3 + 1), 0))) })
        })
        let conditioned = try ConditionedDenoiser(base: constants, corruptions: [corruptions], height: n, width: n, combination: .selective)
        let kspace = FFT.forward(try conditioned.denoise(ComplexArray(zeros: [1, n, n]), sigma: 1).slice(0))
        var sawKeptByOne = false, sawKeptByNone = false
        for i in 0..<(n * n) {
            let kept = (0..<3).filter { corruptions[$0].mask[flat: i] > 0 }
            let expected = kept.isEmpty ? 2 : Float(kept.map { $0 + 1 }.reduce(0, +)) / Float(kept.count)
            XCTAssertEqual(kspace[flat: i].re, expected, accuracy: 1e-4, "k-space entry \(i), kept by \(kept)")
            sawKeptByOne = sawKeptByOne || kept.count == 1
            sawKeptByNone = sawKeptByNone || kept.isEmpty
        }
        XCTAssertTrue(sawKeptByOne && sawKeptByNone, "the masks should leave lines kept by one mask and by none")
        let average = try ConditionedDenoiser(base: constants, corruptions: [corruptions], height: n, width: n)
        assertClose(FFT.forward(try average.denoise(ComplexArray(zeros: [1, n, n]), sigma: 1).slice(0)),
                    ComplexArray(shape: [n, n], repeating: Complex32(2, 0)), relative: 1e-5)
    }

    /// With an exact Gaussian prior and A = F (one coil, fully sampled), A-DPS pulls samples to the
    /// data: much closer than the prior alone, and exactly onto it after a CG data-consistency step.
    func testPosteriorSamplesAgreeWithFullySampledData() throws {
        let (slice, truth) = try Self.slice(seed: 3, coils: 1, fullySampled: true, scale: 40)  // acquired units ≠ network units
        var config = PosteriorConfig()
        config.sampler = SamplerConfig(steps: 60, sigmaMin: 0.004, sigmaMax: 10, solver: .euler)
        config.stepSize = 0.5  // normalised steps of length 2ζ: the last ones jitter by about ζ around the data
        config.samples = 2
        let prior = ClosureDenoiser.gaussianData(std: 0.5)
        let dps = try PosteriorSampler(denoiser: prior, config: config).reconstruct(slices: [slice])[0]
        XCTAssertLessThan(relativeError(dps.mean, truth), 0.05, "A-DPS mean vs the fully sampled truth")
        var withoutData = config
        withoutData.stepSize = 0
        let priorOnly = try PosteriorSampler(denoiser: prior, config: withoutData).reconstruct(slices: [slice])[0]
        XCTAssertGreaterThan(relativeError(priorOnly.mean, truth), 0.9, "ζ = 0 ignores the data")

        config.dataConsistency = .conjugateGradient(iterations: 10, weight: 1e-4)
        let projected = try PosteriorSampler(denoiser: prior, config: config).reconstruct(slices: [slice])[0]
        XCTAssertLessThan(relativeError(projected.mean, truth), 1e-3)
        config.dataConsistency = .replaceSampled
        let replaced = try PosteriorSampler(denoiser: prior, config: config).reconstruct(slices: [slice])[0]
        XCTAssertLessThan(relativeError(replaced.mean, truth), 1e-5)
    }

    /// Replacing the sampled k-space: exact consistency on the mask for one coil; for several coils
    /// (coil images leave the range of S) a step towards the data that lowers the residual and the error.
    func testReplaceSampledProjectionMovesTowardsTheData() throws {
        for coils in [1, 4] {
            let (slice, truth) = try Self.slice(seed: 5, coils: coils, fullySampled: false)
            let a = LinearOperator.sense(maps: slice.maps, mask: slice.mask)
            let guess = truth + randomComplex([Self.size, Self.size], seed: 9)
            let projected = DataConsistencyProjection.replaceSampled.apply(guess, kspace: slice.kspace, maps: slice.maps, mask: slice.mask)
            let residual = relativeError(a.forward(projected), slice.kspace)
            if coils == 1 { XCTAssertLessThan(residual, 1e-5) }
            XCTAssertLessThan(residual, relativeError(a.forward(guess), slice.kspace) / 2, "\(coils) coils")
            XCTAssertLessThan(relativeError(projected, truth), relativeError(guess, truth), "\(coils) coils")
        }
    }

    func testSeedsDecideTheSamplesAndStdIsTheirSpread() throws {
        let denoiser = try Self.tinyDenoiser()
        let slices = try [1, 2].map { try Self.slice(seed: $0, coils: 2, fullySampled: false).0 }
        var config = PosteriorConfig()
        config.sampler = SamplerConfig(steps: 3, sigmaMin: 0.01, sigmaMax: 5, solver: .heun, churn: 1)
        config.prior = .fourier(mask: nil, further: .lineFraction(fraction: 0.2))
        config.keepSamples = true
        config.batchSize = 3  // 4 samples in batches of 3 and 1: a slice's samples do not depend on the batch
        var steps: [(Int, Int)] = []
        let sampler = try PosteriorSampler(denoiser: denoiser, config: config)
        let a = try sampler.reconstruct(slices: slices, seeds: [0, 1], progress: { steps.append(($0, $1)) })
        XCTAssertEqual(steps.last?.0, 6)
        XCTAssertEqual(steps.last?.1, 6)
        let b = try sampler.reconstruct(slices: [slices[1]], seeds: [1])
        let aSamples = try XCTUnwrap(a[1].samples), bSamples = try XCTUnwrap(b[0].samples)
        assertClose(aSamples.slice(1), bSamples.slice(0), relative: 1e-5, "same slice and seed, other batch")
        XCTAssertGreaterThan(relativeError(aSamples.slice(0), aSamples.slice(1)), 1e-3, "different seeds differ")

        // std = √(mean_j |x_j − mean|²), in the slice's units.
        let samples = try XCTUnwrap(a[0].samples), mean = a[0].mean, std = try XCTUnwrap(a[0].std)
        let expected = RealArray(shape: mean.shape) { i in
            let d0 = samples[flat: i] - mean[flat: i], d1 = samples[flat: mean.count + i] - mean[flat: i]
            return ((d0.magnitudeSquared + d1.magnitudeSquared) / 2).squareRoot()
        }
        assertClose(std, expected, relative: 1e-5)
        assertClose((samples.slice(0) + samples.slice(1)) * 0.5, mean, relative: 1e-6)
    }

    /// When the denoiser ignores the noise (D = a fixed image), every seed ends at the same image:
    /// the std map is zero and the mean is that image in the slice's units.
    func testStdIsZeroWhenSamplesAgree() throws {
        let (slice, _) = try Self.slice(seed: 7, coils: 2, fullySampled: false, scale: 3)
        let fixed = Self.image(seed: 99)
        let constant = ClosureDenoiser(denoise: { x, _, _ in ComplexArray.stack(Array(repeating: fixed, count: x.shape[0])) },
                                       pullback: { _, _, _, v in v * 0 })
        var config = PosteriorConfig()
        config.sampler = SamplerConfig(steps: 5, sigmaMin: 0.01, sigmaMax: 5, solver: .euler)
        let result = try PosteriorSampler(denoiser: constant, config: config).reconstruct(slices: [slice], seeds: [0, 1, 2])[0]
        let std = try XCTUnwrap(result.std)
        XCTAssertLessThan(std.maximum, 1e-5 * result.scale)
        assertClose(result.mean, fixed * result.scale, relative: 1e-5)
        XCTAssertEqual(result.scale, try zeroFilledScale(kspace: slice.kspace, maps: slice.maps, mask: slice.mask))
    }

    /// A-OS: one call on Aᴴy with the sampling mask as the mask channel; with D = identity and full
    /// sampling it returns the truth in the slice's units.
    func testOneStepFeedsTheZeroFilledImageAndTheMask() throws {
        let (slice, truth) = try Self.slice(seed: 8, coils: 2, fullySampled: false, scale: 5)
        var seenMask: RealArray?
        var calls = 0
        let identity = ClosureDenoiser(takesMaskChannel: true, denoise: { x, sigma, mask in
            calls += 1
            XCTAssertEqual(sigma, [0.003])
            seenMask = mask
            return x
        })
        var config = PosteriorConfig()
        config.method = .oneStep
        config.prior = .fourier(mask: nil, further: .lineFraction(fraction: 0.2))
        let result = try PosteriorSampler(denoiser: identity, config: config).reconstruct(slices: [slice])[0]
        XCTAssertEqual(calls, 1)
        XCTAssertEqual(seenMask?.reshaped([Self.size, Self.size]).elements, slice.mask.elements)
        XCTAssertNil(result.std)
        let zeroFilled = LinearOperator.sense(maps: slice.maps, mask: slice.mask).adjoint(slice.kspace)
        assertClose(result.mean, zeroFilled, relative: 1e-5)

        let (full, fullTruth) = try Self.slice(seed: 8, coils: 2, fullySampled: true, scale: 5)
        assertClose(try PosteriorSampler(denoiser: identity, config: config).reconstruct(slices: [full])[0].mean, fullTruth, relative: 1e-4)
        _ = truth
    }

    /// A warm start (CCDF) begins at the slice's initial image noised to start_sigma: the first
    /// denoiser call is at that σ, and with the exact Gaussian prior and ζ = 0 the ODE only shrinks
    /// the start by s/√(s² + σ₀²) ≈ 1, so the result stays at the initial image — a run from pure
    /// noise does not. A slice without an initial image is refused.
    func testWarmStartBeginsAtTheInitialImageNoisedToStartSigma() throws {
        var (slice, _) = try Self.slice(seed: 4, coils: 2, fullySampled: false, scale: 7)
        let initial = Self.image(seed: 42) * 7  // the slice's units, unrelated to its data
        slice.initial = initial
        var config = PosteriorConfig()
        config.sampler = SamplerConfig(steps: 20, sigmaMin: 0.002, sigmaMax: 10, solver: .euler)
        config.stepSize = 0
        config.startSigma = 0.005
        let gaussian = ClosureDenoiser.gaussianData(std: 0.5)
        var firstSigma: Float?
        let recording = ClosureDenoiser(denoise: { x, sigma, mask in
            if firstSigma == nil { firstSigma = sigma[0] }
            return try gaussian.denoise(x, sigma: sigma, mask: mask)
        })  // ζ = 0: no gradient needed
        let warm = try PosteriorSampler(denoiser: recording, config: config).reconstruct(slices: [slice])[0]
        XCTAssertEqual(firstSigma, 0.005)
        XCTAssertLessThan(relativeError(warm.mean, initial), 0.1)

        var fromNoise = config
        fromNoise.startSigma = nil
        let cold = try PosteriorSampler(denoiser: gaussian, config: fromNoise).reconstruct(slices: [slice])[0]
        XCTAssertGreaterThan(relativeError(cold.mean, initial), 0.9)

        var missing = slice
        missing.initial = nil
        XCTAssertThrowsError(try PosteriorSampler(denoiser: gaussian, config: config).reconstruct(slices: [missing])) {
            XCTAssertEqual(($0 as? AmbientError)?.subject, "test-4")
        }
        var wrongShape = slice
        wrongShape.initial = ComplexArray(zeros: [8, 8])
        XCTAssertThrowsError(try PosteriorSampler(denoiser: gaussian, config: config).reconstruct(slices: [wrongShape])) {
            XCTAssertEqual(($0 as? AmbientError)?.kind, .badShape)
        }
        config.startSigma = 0.001  // below σ_min: nothing to integrate
        XCTAssertThrowsError(try config.validated())
    }

    func testBadSlicesAndConfigsThrowClearErrors() throws {
        let prior = ClosureDenoiser.gaussianData(std: 0.5)
        var config = PosteriorConfig()
        config.sampler.steps = 2
        let sampler = try PosteriorSampler(denoiser: prior, config: config)
        let (good, _) = try Self.slice(seed: 1, coils: 2, fullySampled: false)
        func error(_ slice: PosteriorSlice) -> AmbientError? {
            do { _ = try sampler.reconstruct(slices: [slice]); return nil } catch { return error as? AmbientError }
        }
        var wrongMaps = good
        wrongMaps.maps = ComplexArray(zeros: [3, Self.size, Self.size])
        XCTAssertEqual(error(wrongMaps)?.kind, .badShape)
        XCTAssertEqual(error(wrongMaps)?.subject, "test-1")
        var wrongMask = good
        wrongMask.mask = RealArray(zeros: [Self.size, 8])
        XCTAssertEqual(error(wrongMask)?.kind, .badShape)
        var empty = good
        empty.kspace = ComplexArray(zeros: good.kspace.shape)
        XCTAssertEqual(error(empty)?.kind, .badValue, "all-zero k-space cannot be scaled")
        var nan = good
        nan.kspace[flat: 3] = Complex32(.nan, 0)
        XCTAssertEqual(error(nan)?.kind, .badValue)
        XCTAssertThrowsError(try sampler.reconstruct(slices: [good], seeds: [1, 1]))

        let noGradient = ClosureDenoiser(denoise: { x, _, _ in x })
        XCTAssertThrowsError(try PosteriorSampler(denoiser: noGradient, config: config).reconstruct(slices: [good]))
        var imagePrior = config
        imagePrior.method = .oneStep
        imagePrior.prior = .imageMask(mask: .boxes(count: 1, height: 3, width: 3), further: .pixels(probability: 0.1))
        XCTAssertThrowsError(try PosteriorSampler(denoiser: prior, config: imagePrior).reconstruct(slices: [good])) {
            XCTAssertEqual(($0 as? AmbientError)?.kind, .unsupported)
        }
        let wrongChannels = try Self.tinyDenoiser(maskChannel: true)
        var plain = config
        plain.prior = .plain
        XCTAssertNoThrow(try PosteriorSampler(denoiser: wrongChannels, config: plain).reconstruct(slices: [good]),
                         "a plain prior feeds a mask channel of ones")
    }

    func testSlicesOfDifferentSizesRunInSeparateBatches() throws {
        XCTAssertEqual(PosteriorSampler.chunksBySize([[4, 4], [8, 8], [4, 4], [4, 4]], batchSize: 2), [[0, 2], [3], [1]])
        let prior = ClosureDenoiser.gaussianData(std: 0.5)
        var config = PosteriorConfig()
        config.sampler.steps = 3
        let (small, _) = try Self.slice(seed: 1, coils: 1, fullySampled: true)
        let maps = ComplexArray(shape: [1, 8, 8], repeating: .one), mask = RealArray(shape: [8, 8], repeating: 1)
        let other = PosteriorSlice(kspace: FFT.forward(randomComplex([1, 8, 8], seed: 3)), maps: maps, mask: mask, name: "eight")
        let results = try PosteriorSampler(denoiser: prior, config: config).reconstruct(slices: [small, other, small])
        XCTAssertEqual(results.map(\.mean.shape), [[16, 16], [8, 8], [16, 16]])
    }
}
