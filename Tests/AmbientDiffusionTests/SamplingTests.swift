import AmbientCore
import AmbientTestSupport
import AmbientTorch
@testable import AmbientDiffusion
import Foundation
import XCTest

/// The EDM samplers with analytic denoisers (closed forms), the ambient fixed-mask input, and the
/// configuration surface. Posterior sampling is in SamplingPosteriorTests.swift.
final class SamplingTests: XCTestCase {
    func testNoiseLevelsFollowTheEDMFormula() {
        let config = SamplerConfig()
        let t = config.noiseLevels
        XCTAssertEqual(t.count, 19)
        XCTAssertEqual(t[0], 80, accuracy: 1e-4)
        XCTAssertEqual(t[17], 0.002, accuracy: 1e-7)
        XCTAssertEqual(t[18], 0)
        for i in 0..<18 {
            let expected = pow(pow(80.0, 1 / 7.0) + Double(i) / 17 * (pow(0.002, 1 / 7.0) - pow(80.0, 1 / 7.0)), 7)
            XCTAssertEqual(Double(t[i]), expected, accuracy: expected * 1e-6, "t_\(i)")
            XCTAssertGreaterThan(t[i], t[i + 1])
        }
        XCTAssertEqual(edmNoiseLevels(steps: 1, sigmaMin: 0.002, sigmaMax: 80, rho: 7), [80, 0])
        XCTAssertEqual(config.networkEvaluations, 35)
        XCTAssertEqual(SamplerConfig(solver: .euler).networkEvaluations, 18)
    }

    func testChurnFactorIsBoundedAndWindowed() {
        let config = SamplerConfig(steps: 10, churn: 40, churnSigmaMin: 0.05, churnSigmaMax: 50)
        XCTAssertEqual(config.churnFactor(at: 1), Float(2).squareRoot() - 1, accuracy: 1e-6)  // min(40/10, √2 − 1)
        XCTAssertEqual(config.churnFactor(at: 0.01), 0)
        XCTAssertEqual(config.churnFactor(at: 60), 0)
        XCTAssertEqual(SamplerConfig(steps: 100, churn: 10).churnFactor(at: 1), 0.1, accuracy: 1e-6)
    }

    func testConfigsRoundTripThroughJSONWithDefaultsForMissingKeys() throws {
        let decoder = JSONDecoder()
        XCTAssertEqual(try decoder.decode(SamplerConfig.self, from: Data("{}".utf8)), SamplerConfig())
        let encoded = try JSONEncoder().encode(SamplerConfig())
        XCTAssertFalse(String(decoding: encoded, as: UTF8.self).contains("s_max"), "∞ is written as an absent key")
        var custom = SamplerConfig(steps: 40, solver: .euler, churn: 30, churnSigmaMax: 50)
        custom.churnNoise = 1.007
        XCTAssertEqual(try decoder.decode(SamplerConfig.self, from: JSONEncoder().encode(custom)), custom)

        XCTAssertEqual(try decoder.decode(PosteriorConfig.self, from: Data("{}".utf8)), PosteriorConfig())
        var posterior = PosteriorConfig()
        posterior.method = .oneStep
        posterior.prior = .fourier(mask: .cartesianRandom(acceleration: 4, acsLines: 8), further: .lineFraction(fraction: 0.2))
        posterior.dataConsistency = .conjugateGradient(iterations: 5, weight: 0.1)
        posterior.samples = 8
        XCTAssertEqual(try decoder.decode(PosteriorConfig.self, from: JSONEncoder().encode(posterior)), posterior)
        let partial = try decoder.decode(PosteriorConfig.self, from: Data(#"{"step_size": 0.5, "sampler": {"steps": 50}}"#.utf8))
        XCTAssertEqual(partial.stepSize, 0.5)
        XCTAssertEqual(partial.sampler.steps, 50)
        XCTAssertEqual(partial.sampler.sigmaMax, 80, "a nested sampler object takes the EDM defaults for its missing keys")
    }

    func testInvalidConfigsThrowNamingTheKey() {
        func key(_ body: () throws -> Void) -> String? {
            do { try body(); return nil } catch let error as AmbientError { return error.subject } catch { return "?" }
        }
        XCTAssertEqual(key { _ = try SamplerConfig(steps: 0).validated() }, "steps")
        XCTAssertEqual(key { _ = try SamplerConfig(sigmaMin: 1, sigmaMax: 0.5).validated() }, "sigma_max")
        XCTAssertEqual(key { _ = try SamplerConfig(churn: -1).validated() }, "s_churn")
        var posterior = PosteriorConfig()
        posterior.samples = 0
        XCTAssertEqual(key { _ = try posterior.validated() }, "samples")
        posterior = PosteriorConfig()
        posterior.masksPerSample = 2
        XCTAssertEqual(key { _ = try posterior.validated() }, "masks_per_sample", "several masks need an ambient prior")
        posterior = PosteriorConfig()
        posterior.dataConsistency = .conjugateGradient(iterations: 0, weight: 1)
        XCTAssertEqual(key { _ = try posterior.validated() }, "data_consistency")
    }

    func testSeedListsParseLikeEDM() throws {
        XCTAssertEqual(try parseSeeds("0-3,7"), [0, 1, 2, 3, 7])
        XCTAssertEqual(try parseSeeds("5"), [5])
        XCTAssertEqual(try parseSeeds(" 2 , 0-1 "), [2, 0, 1])
        XCTAssertEqual(try parseSeeds("0-63").count, 64)
        for bad in ["", "3-1", "a", "1,,2", "1-2-3", "-1", "1,1", "0-2,2"] {
            XCTAssertThrowsError(try parseSeeds(bad), "'\(bad)'") { XCTAssertTrue($0 is AmbientError) }
        }
    }

    /// For x ~ N(0, s²) per real channel, D(x; σ) = x·s²/(s² + σ²) and the probability-flow ODE
    /// dx/dσ = (x − D)/σ = x·σ/(s² + σ²) has the solution x(σ) ∝ √(s² + σ²): the exact sampler maps
    /// x_0 = σ_max·n to σ_max·n·s/√(s² + σ_max²). Our samplers must (1) equal EDM's recurrence, written
    /// out here in double precision, sample by sample, and (2) converge to the exact map at order 2
    /// (Heun) and 1 (Euler).
    func testDeterministicSamplerFollowsTheExactODEOfGaussianData() throws {
        let s: Float = 0.5
        let seeds: [UInt64] = Array(0..<4)
        let initialNoise = ComplexArray.stack(seeds.map { seed in
            var rng = SeededGenerator(hashing: ["ambient-sampler-noise", String(seed)])
            return ComplexArray(shape: [8, 8]) { _ in Complex32(rng.nextNormal(), rng.nextNormal()) }
        })
        /// The factor x_N / n of EDM's Algorithm 1 for this linear denoiser.
        func recurrenceFactor(steps: Int, heun: Bool) -> Double {
            let s2 = Double(s * s)
            let t = edmNoiseLevels(steps: steps, sigmaMin: 0.002, sigmaMax: 80, rho: 7).map(Double.init)
            func slope(_ x: Double, _ sigma: Double) -> Double { (x - x * s2 / (s2 + sigma * sigma)) / sigma }
            var x = t[0]
            for i in 0..<steps {
                let d = slope(x, t[i])
                var next = x + (t[i + 1] - t[i]) * d
                if heun && t[i + 1] > 0 { next = x + (t[i + 1] - t[i]) * 0.5 * (d + slope(next, t[i + 1])) }
                x = next
            }
            return x
        }
        let exactFactor = 80 * Double(s) / Double(s * s + 6400).squareRoot()
        func samplerFactorError(steps: Int, _ solver: SamplerSolver) throws -> Double {
            let images = try PriorSampler(denoiser: ClosureDenoiser.gaussianData(std: s), config: SamplerConfig(steps: steps, solver: solver))
                .generate(seeds: seeds, height: 8, width: 8)
            let factor = recurrenceFactor(steps: steps, heun: solver == .heun)
            assertClose(images, initialNoise * Float(factor), relative: 1e-4, "\(solver) with \(steps) steps vs EDM's recurrence")
            return abs(factor / exactFactor - 1)
        }
        let heun = try [18, 64, 128].map { try samplerFactorError(steps: $0, .heun) }
        let euler = try [18, 64, 128].map { try samplerFactorError(steps: $0, .euler) }
        XCTAssertLessThan(heun[1], 5e-3)
        XCTAssertGreaterThan(heun[1] / heun[2], 3.5, "Heun is second order: \(heun)")
        XCTAssertEqual(euler[1] / euler[2], 2, accuracy: 0.2, "Euler is first order: \(euler)")
        XCTAssertLessThan(heun[0], euler[0] / 2)
    }

    /// The stochastic sampler (churn) also ends at the data distribution: per-channel variance s².
    func testStochasticSamplerReachesTheDataVariance() throws {
        let s: Float = 0.5
        let config = SamplerConfig(steps: 128, churn: 40, churnSigmaMin: 0.01, churnSigmaMax: 50, churnNoise: 1)
        let images = try PriorSampler(denoiser: ClosureDenoiser.gaussianData(std: s), config: config)
            .generate(seeds: Array(0..<32), height: 16, width: 16, batchSize: 32)
        let perChannelVariance = images.normSquared / Double(2 * images.count)
        XCTAssertEqual(perChannelVariance, 0.25, accuracy: 0.25 * 0.04)  // ±4 %: sampling error ≈ 0.8 %
    }

    func testSamplesAreSeededPerImageAndIndependentOfTheBatch() throws {
        let sampler = try PriorSampler(denoiser: ClosureDenoiser.gaussianData(std: 0.5), config: SamplerConfig(steps: 6, churn: 10))
        let a = try sampler.generate(seeds: [3, 4, 5], height: 8, width: 8, batchSize: 3)
        let b = try sampler.generate(seeds: [3, 4, 5], height: 8, width: 8, batchSize: 2)
        let c = try sampler.generate(seeds: [4], height: 8, width: 8)
        XCTAssertEqual(a.elements, b.elements)
        XCTAssertEqual(a.slice(1).elements, c.slice(0).elements)
        XCTAssertGreaterThan(relativeError(a.slice(0), a.slice(1)), 0.5)
    }

    /// The ambient sampler's network input: at every step, image b's denoiser sees Ã_b ⊙ x_t with the
    /// same Ã_b (fixed per image); a pixel survives with probability (1 − p)(1 − δ).
    func testAmbientSamplerFeedsAFixedMaskedInput() throws {
        let p = 0.4, delta = 0.2
        var seenMasks: [[Float]] = []
        var calls = 0
        let recorder = ClosureDenoiser(takesMaskChannel: true, denoise: { x, sigma, mask in
            let mask = try XCTUnwrap(mask)
            calls += 1
            // Nothing leaks through where Ã is zero.
            for i in 0..<x.count where mask[flat: i] == 0 { XCTAssertEqual(x[flat: i], .zero) }
            if seenMasks.isEmpty { seenMasks = (0..<x.shape[0]).map { mask.slice($0).elements } }
            for b in 0..<x.shape[0] { XCTAssertEqual(mask.slice(b).elements, seenMasks[b], "Ã of image \(b) changed") }
            return try scalePerImage(x, sigma.map { 0.25 / (0.25 + $0 * $0) })
        })
        let input = PriorInput.imageMask(mask: .randomPixels(missingProbability: p), further: .pixels(probability: delta))
        let images = try PriorSampler(denoiser: recorder, config: SamplerConfig(steps: 4))
            .generate(seeds: Array(0..<16), height: 16, width: 16, input: input, batchSize: 16)
        XCTAssertEqual(calls, 7)
        XCTAssertTrue(images.allFinite)
        let survived = seenMasks.joined().reduce(0, +) / Float(16 * 256)
        XCTAssertEqual(Double(survived), (1 - p) * (1 - delta), accuracy: 0.04)
        XCTAssertNotEqual(seenMasks[0], seenMasks[1], "each image draws its own Ã")
    }

    /// K masks per image: the denoiser is averaged over K different fixed masks.
    func testSeveralMasksAverageTheDenoiser() throws {
        var batchSizes: [Int] = []
        let recorder = ClosureDenoiser(takesMaskChannel: true, denoise: { x, _, mask in
            batchSizes.append(x.shape[0])
            return ComplexArray(real: try XCTUnwrap(mask))  // D = the mask itself
        })
        let corruption = try (0..<3).map { k -> FixedCorruption in
            var rng = SeededGenerator(seed: UInt64(k))
            return try PriorInput.imageMask(mask: .randomPixels(missingProbability: 0.5), further: .pixels(probability: 0))
                .fixedCorruption(height: 4, width: 4, maps: nil, measuredMask: nil, using: &rng)
        }
        let conditioned = try ConditionedDenoiser(base: recorder, corruptions: [corruption], height: 4, width: 4)
        let average = try conditioned.denoise(ComplexArray(zeros: [1, 4, 4]), sigma: 1)
        XCTAssertEqual(batchSizes, [3], "all masks in one call")
        let expected = ComplexArray(real: (corruption[0].mask + corruption[1].mask + corruption[2].mask) * (1 / 3)).reshaped([1, 4, 4])
        assertClose(average, expected, relative: 1e-6)
    }

    func testBadGenerationRequestsThrow() throws {
        let sampler = try PriorSampler(denoiser: ClosureDenoiser.gaussianData(std: 0.5), config: SamplerConfig(steps: 2))
        XCTAssertThrowsError(try sampler.generate(seeds: [], height: 8, width: 8))
        XCTAssertThrowsError(try sampler.generate(seeds: [0], height: 0, width: 8))
        XCTAssertThrowsError(try sampler.generate(seeds: [0], height: 8, width: 8, masksPerImage: 2), "plain input with 2 masks")
        XCTAssertThrowsError(try sampler.generate(seeds: [0], height: 8, width: 8,
                                                  input: .fourier(mask: nil, further: .lineFraction(fraction: 0.2))),
                             "a Fourier prior without slices needs a mask spec")
        let noMask = ClosureDenoiser(denoise: { x, _, _ in x * Float.nan })
        XCTAssertThrowsError(try PriorSampler(denoiser: noMask, config: SamplerConfig(steps: 2)).generate(seeds: [0], height: 4, width: 4)) {
            XCTAssertEqual(($0 as? AmbientError)?.kind, .badValue, "NaN output is reported")
        }
    }
}
