import AmbientCore
import AmbientRecon
import AmbientTestSupport
import XCTest

final class WaveletTests: XCTestCase {
    func testFiltersAreOrthonormalQuadratureMirrors() {
        for wavelet in DaubechiesWavelet.allCases {
            let h = wavelet.lowPass.map(Double.init), g = wavelet.highPass.map(Double.init)
            XCTAssertEqual(h.reduce(0, +), 2.0.squareRoot(), accuracy: 1e-6, "\(wavelet) Σh = √2")
            XCTAssertEqual(g.reduce(0, +), 0, accuracy: 1e-6, "\(wavelet) Σg = 0")
            for shift in stride(from: 0, to: h.count, by: 2) {
                var hh = 0.0, gg = 0.0, hg = 0.0
                for k in 0..<(h.count - shift) {
                    hh += h[k] * h[k + shift]
                    gg += g[k] * g[k + shift]
                    hg += h[k] * g[k + shift]
                }
                XCTAssertEqual(hh, shift == 0 ? 1 : 0, accuracy: 1e-6, "\(wavelet) ⟨h, h shifted by \(shift)⟩")
                XCTAssertEqual(gg, shift == 0 ? 1 : 0, accuracy: 1e-6, "\(wavelet) ⟨g, g shifted by \(shift)⟩")
                XCTAssertEqual(hg, 0, accuracy: 1e-6, "\(wavelet) ⟨h, g shifted by \(shift)⟩")
            }
        }
    }

    func testPerfectReconstructionAndEnergyPreservation() {
        for wavelet in DaubechiesWavelet.allCases {
            for (shape, levels) in [([32, 48], 3), ([2, 16, 16], 4), ([8, 8], 1)] {
                let x = randomComplex(shape, seed: 3)
                var c = x
                let psi = WaveletTransform2D(wavelet: wavelet, levels: levels)
                psi.forward(&c)
                XCTAssertEqual(c.norm, x.norm, accuracy: 1e-5 * x.norm, "\(wavelet) \(shape): ‖Ψx‖ = ‖x‖")
                XCTAssertGreaterThan(relativeError(c, x), 0.1, "the transform is not the identity")
                psi.inverse(&c)
                assertClose(c, x, relative: 1e-5, "\(wavelet) \(shape) levels \(levels): Ψ⁻¹Ψx = x")
            }
        }
    }

    func testInverseIsTheAdjoint() {
        for wavelet in DaubechiesWavelet.allCases {
            let psi = WaveletTransform2D(wavelet: wavelet, levels: 3)
            let op = LinearOperator(name: "Ψ(\(wavelet))", input: [24, 40], output: [24, 40],
                                    forward: { x in var c = x; psi.forward(&c); return c },
                                    adjoint: { c in var x = c; psi.inverse(&x); return x })
            assertAdjoint(op)
        }
    }

    func testHaarOfAConstantImageIsOneCoarseCoefficientPerBlock() {
        var c = ComplexArray(shape: [8, 8], repeating: Complex32(2, -1))
        WaveletTransform2D(wavelet: .haar, levels: 3).forward(&c)
        XCTAssertEqual(c[0, 0].re, 16, accuracy: 1e-5, "the DC coefficient holds all the energy: 2·√64")
        XCTAssertEqual(c[0, 0].im, -8, accuracy: 1e-5)
        var rest = c
        rest[0, 0] = .zero
        XCTAssertLessThan(rest.norm, 1e-5, "all detail coefficients of a constant vanish")
    }

    func testSmoothImagesAreSparseInWavelets() {
        let n = 64
        var c = ComplexArray(shape: [n, n]) { i in
            Complex32(sinf(2 * Float.pi * Float(i / n) / Float(n)) + cosf(4 * Float.pi * Float(i % n) / Float(n)), 0) }
        let energy = c.normSquared
        WaveletTransform2D(wavelet: .db4, levels: 2).forward(&c)
        // Periodic and smooth, so nothing leaks at the wrap; the coarse band (16×16 of 64×64 = 1/16 of coefficients) holds nearly all the energy.
        var coarse = 0.0
        for y in 0..<16 { for x in 0..<16 { coarse += Double(c[y, x].magnitudeSquared) } }
        XCTAssertGreaterThan(coarse / energy, 0.99)
    }

    func testLevelSelectionAndValidation() {
        XCTAssertEqual(WaveletTransform2D.maximumLevels(height: 256, width: 256), 4)
        XCTAssertEqual(WaveletTransform2D.maximumLevels(height: 128, width: 128), 3)
        XCTAssertEqual(WaveletTransform2D.maximumLevels(height: 640, width: 368), 4, "368 → 184 → 92 → 46 → 23")
        XCTAssertEqual(WaveletTransform2D.maximumLevels(height: 100, width: 100), 2, "100 → 50 → 25 (odd)")
        XCTAssertEqual(WaveletTransform2D.maximumLevels(height: 15, width: 64), 0)
        XCTAssertThrowsError(try WaveletTransform2D(wavelet: .db2, levels: 3).validate(shape: [20, 16]))
        XCTAssertNoThrow(try WaveletTransform2D(wavelet: .db2, levels: 2).validate(shape: [20, 16]))
        let config = try? JSONDecoder().decode(L1WaveletConfig.self, from: JSONEncoder().encode(L1WaveletConfig(wavelet: .db2)))
        XCTAssertEqual(config?.wavelet, .db2, "configs are Codable")
    }
}
