import AmbientCore
import AmbientRecon
import AmbientTestSupport
import XCTest

final class ReconstructionTests: XCTestCase {
    /// Random columns at R≈3: the compressed-sensing setting.
    private let problem = SyntheticProblem()
    /// Every third column: the classic SENSE setting, well posed for 8 coils.
    private let regular = SyntheticProblem(acceleration: 3, uniform: true)

    func testZeroFilledOfFullySampledDataIsExact() throws {
        let full = RealArray(shape: [64, 64], repeating: 1)
        let x = try zeroFilledRecon(kspace: problem.fullKspace, maps: problem.maps, mask: full)
        assertClose(x, problem.image, relative: 1e-5, "Sᴴ S = I for normalised maps")
    }

    func testZeroFilledWithoutMaps() throws {
        let single = FFT.forward(problem.image)
        assertClose(try zeroFilledRecon(kspace: single), problem.image, relative: 1e-5, "single coil: F⁻¹ y")
        var mask = RealArray(shape: [64, 64], repeating: 1)
        mask[3, 5] = 0
        let masked = try zeroFilledRecon(kspace: single, mask: mask)
        var expectedK = single
        expectedK[3, 5] = .zero
        assertClose(masked, FFT.inverse(expectedK), relative: 1e-6, "the mask zeroes unsampled samples")
        let rss = try zeroFilledRecon(kspace: problem.fullKspace)
        assertClose(rss.realPart, problem.image.magnitude, relative: 1e-5, "RSS of normalised coils = |x|")
        XCTAssertEqual(rss.imaginaryPart.norm, 0)
    }

    func testCGSenseRecoversTheImageFromUndersampledData() throws {
        let zeroFilled = try zeroFilledRecon(kspace: regular.kspace, maps: regular.maps, mask: regular.mask)
        var iterations = 0
        let x = try cgSenseRecon(kspace: regular.kspace, maps: regular.maps, mask: regular.mask,
                                 config: CGSenseConfig(lambda: 0, maxIterations: 50, tolerance: 1e-6),
                                 progress: { _ in iterations += 1 })
        let errorZF = nrmse(zeroFilled, regular.image), errorCG = nrmse(x, regular.image)
        XCTAssertGreaterThan(errorZF, 0.2, "the undersampling is real")
        XCTAssertLessThan(errorCG, 1e-3, "noise-free 8-coil SENSE at R = 3 is exact")
        XCTAssertGreaterThan(iterations, 0)
    }

    func testCGSenseSatisfiesItsNormalEquations() throws {
        let lambda: Float = 0.05
        let x = try cgSenseRecon(kspace: problem.kspace, maps: problem.maps, mask: problem.mask,
                                 config: CGSenseConfig(lambda: lambda, maxIterations: 100, tolerance: 1e-7))
        let a = LinearOperator.sense(maps: problem.maps, mask: problem.mask)
        var lhs = a.normal(x)
        lhs.axpy(lambda, x)
        assertClose(lhs, a.adjoint(problem.kspace), relative: 1e-4, "(AᴴA + λI) x = Aᴴ y")
    }

    func testL1WaveletBeatsZeroFillingAndDecreasesItsObjective() throws {
        let zeroFilled = try zeroFilledRecon(kspace: problem.kspace, maps: problem.maps, mask: problem.mask)
        let config = L1WaveletConfig(lambda: 0.002, iterations: 60, randomShift: false, dataScaling: .none)
        let x = try l1WaveletRecon(kspace: problem.kspace, maps: problem.maps, mask: problem.mask, config: config)
        XCTAssertLessThan(nrmse(x, problem.image), 0.5 * nrmse(zeroFilled, problem.image))

        // Without shifts the problem is fixed, so the objective at the result is below both the
        // zero-filled start and a small perturbation of the result (a local optimality check).
        let a = LinearOperator.sense(maps: problem.maps, mask: problem.mask)
        let psi = WaveletTransform2D(wavelet: config.wavelet, levels: WaveletTransform2D.maximumLevels(height: 64, width: 64))
        func objective(_ v: ComplexArray) -> Double {
            var c = v
            psi.forward(&c)
            let l1 = c.magnitude.sum
            return 0.5 * (a.forward(v) - problem.kspace).normSquared + Double(config.lambda) * l1
        }
        XCTAssertLessThan(objective(x), objective(zeroFilled))
        let nudged = x + randomComplex([64, 64], seed: 12) * Float(1e-3)
        XCTAssertLessThan(objective(x), objective(nudged))
    }

    func testL1WaveletWithBARTScalingIsScaleEquivariant() throws {
        let config = L1WaveletConfig(lambda: 0.01, iterations: 20)
        let x = try l1WaveletRecon(kspace: problem.kspace, maps: problem.maps, mask: problem.mask, config: config)
        let y = try l1WaveletRecon(kspace: problem.kspace * Float(1000), maps: problem.maps, mask: problem.mask, config: config)
        assertClose(y, x * Float(1000), relative: 1e-4, "λ is relative to the data scale")
        // And λ = 0 approaches the least-squares solution, exact for regular SENSE sampling.
        let ls = try l1WaveletRecon(kspace: regular.kspace, maps: regular.maps, mask: regular.mask,
                                    config: L1WaveletConfig(lambda: 0, iterations: 100))
        XCTAssertLessThan(nrmse(ls, regular.image), 0.01)
    }

    /// The documented λ mapping: `.bart` scaling with λ equals `.none` with λ · s.
    func testBARTScalingEqualsAbsoluteLambdaTimesTheScale() throws {
        let s = try bartDataScale(kspace: problem.kspace, mask: problem.mask)
        XCTAssertNotEqual(s, 1, accuracy: 0.05, "the check needs a scale away from 1")
        let relative = try l1WaveletRecon(kspace: problem.kspace, maps: problem.maps, mask: problem.mask,
                                          config: L1WaveletConfig(lambda: 0.01, iterations: 20))
        let absolute = try l1WaveletRecon(kspace: problem.kspace, maps: problem.maps, mask: problem.mask,
                                          config: L1WaveletConfig(lambda: 0.01 * s, iterations: 20, dataScaling: .none))
        assertClose(absolute, relative, relative: 1e-4, "ℓ1-wavelet")
        // Every primal and dual variable scales with the data, so the iterates are equivariant too.
        let tvRelative = try totalVariationRecon(kspace: problem.kspace, maps: problem.maps, mask: problem.mask,
                                                 config: TotalVariationConfig(lambda: 0.005, iterations: 20))
        let tvAbsolute = try totalVariationRecon(kspace: problem.kspace, maps: problem.maps, mask: problem.mask,
                                                 config: TotalVariationConfig(lambda: 0.005 * s, iterations: 20, dataScaling: .none))
        assertClose(tvAbsolute, tvRelative, relative: 1e-4, "TV")
    }

    func testTotalVariationBeatsZeroFillingOnAPiecewiseConstantImage() throws {
        // The phantom is piecewise constant, so TV recovers it from random R≈3 sampling almost exactly.
        let zeroFilled = try zeroFilledRecon(kspace: problem.kspace, maps: problem.maps, mask: problem.mask)
        var reports: [IterationReport] = []
        let x = try totalVariationRecon(kspace: problem.kspace, maps: problem.maps, mask: problem.mask,
                                        config: TotalVariationConfig(lambda: 0.002, iterations: 100),
                                        progress: { reports.append($0) })
        XCTAssertEqual(reports.count, 100)
        XCTAssertLessThan(nrmse(x, problem.image), 0.1 * nrmse(zeroFilled, problem.image))
        XCTAssertLessThan(reports.last!.value, reports.first!.value, "iterates settle")
    }

    func testBARTScaleEstimateTracksTheImageIntensity() throws {
        let scale = try bartDataScale(kspace: problem.kspace, mask: problem.mask)
        XCTAssertGreaterThan(scale, 0.2, "the phantom's intensities are 0.4–1.5")
        XCTAssertLessThan(scale, 2)
        XCTAssertEqual(try bartDataScale(kspace: problem.kspace * Float(10), mask: problem.mask), 10 * scale, accuracy: 1e-4 * scale)
        XCTAssertEqual(try bartDataScale(kspace: ComplexArray(zeros: [2, 8, 8]), mask: RealArray(zeros: [8, 8])), 1)
        XCTAssertThrowsError(try bartDataScale(kspace: problem.kspace, mask: RealArray(zeros: [8, 8])))
    }

    func testBadInputsThrowNamedErrors() {
        let k = problem.kspace, s = problem.maps, m = problem.mask
        assertReconError(try l1WaveletRecon(kspace: k.slice(0), maps: s, mask: m), "kspace")
        assertReconError(try cgSenseRecon(kspace: k, maps: s.slice(0), mask: m), "maps")
        assertReconError(try totalVariationRecon(kspace: k, maps: s, mask: RealArray(zeros: [64, 32])), "mask")
        var nan = k
        nan[flat: 17] = Complex32(.nan, 0)
        assertReconError(try cgSenseRecon(kspace: nan, maps: s, mask: m), "kspace")
        assertReconError(try l1WaveletRecon(kspace: k, maps: s, mask: m, config: L1WaveletConfig(lambda: -1)), "lambda")
        assertReconError(try l1WaveletRecon(kspace: k, maps: s, mask: m, config: L1WaveletConfig(iterations: 0)), "iterations")
        assertReconError(try l1WaveletRecon(kspace: k, maps: s, mask: m, config: L1WaveletConfig(levels: 7)), "kspace")
        assertReconError(try zeroFilledRecon(kspace: ComplexArray(zeros: [5])), "kspace")
        var negative = m
        negative[0, 0] = -1
        assertReconError(try cgSenseRecon(kspace: k, maps: s, mask: negative), "mask")
    }
}

private func assertReconError<T>(_ body: @autoclosure () throws -> T, _ subject: String,
                                 file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("expected an error about \(subject)", file: file, line: line)
    } catch let error as AmbientError {
        XCTAssertEqual(error.subject, subject, "\(error)", file: file, line: line)
    } catch {
        XCTFail("expected AmbientError, got \(error)", file: file, line: line)
    }
}
