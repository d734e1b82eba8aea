import AmbientCore
import AmbientTestSupport
import XCTest

final class SimulationTests: XCTestCase {
    func testKSpaceResizeRoundTripsABandLimitedImage() {
        // Upsampling by zero-padding k-space then cropping back recovers the image exactly.
        let x = randomComplex([2, 16, 12], seed: 4)
        let up = Simulation.resizeInKSpace(x, to: [32, 24])
        XCTAssertEqual(up.shape, [2, 32, 24])
        assertClose(Simulation.resizeInKSpace(up, to: [16, 12]), x, relative: 1e-5)
        // Intensity scale is kept: a constant image stays the same constant.
        let flat = ComplexArray(shape: [16, 16], repeating: Complex32(2, 0))
        let small = Simulation.resizeInKSpace(flat, to: [8, 8])
        XCTAssertEqual(small[3, 3].re, 2, accuracy: 1e-5)
    }

    func testBilinearResampleKeepsConstantsAndShrinksShape() {
        let img = RealArray(shape: [40, 30], repeating: 3)
        let r = Simulation.resampleBilinear(img, to: [10, 12])
        XCTAssertEqual(r.shape, [10, 12])
        XCTAssertEqual(r.maximum, 3, accuracy: 1e-5)
        XCTAssertEqual(r.minimum, 3, accuracy: 1e-5)
    }

    func testSmoothPhaseHasUnitMagnitudeAndIsSmooth() {
        var rng = SeededGenerator(seed: 1)
        let p = Simulation.smoothPhase(height: 32, width: 32, amplitude: 1, using: &rng)
        for i in 0..<p.count { XCTAssertEqual(p[flat: i].magnitude, 1, accuracy: 1e-5) }
        // Neighbouring pixels differ little (a low-frequency field).
        var worst: Float = 0
        for y in 0..<32 { for x in 0..<31 { worst = max(worst, (p[y, x + 1] - p[y, x]).magnitude) } }
        XCTAssertLessThan(worst, 0.5)
    }

    func testAcquisitionSNRAndMask() {
        var rng = SeededGenerator(seed: 9)
        let image = randomComplex([32, 32], seed: 2)
        let maps = ComplexArray(shape: [1, 32, 32], repeating: .one)
        var mask = RealArray(zeros: [32, 32])
        for y in 0..<32 { mask[y, 5] = 1 }
        let clean = Simulation.acquire(image: image, maps: maps, mask: mask, snrDB: nil, using: &rng)
        let noisy = Simulation.acquire(image: image, maps: maps, mask: mask, snrDB: 20, using: &rng)
        let snr = 10 * log10(clean.full.normSquared / (noisy.full - clean.full).normSquared)
        XCTAssertEqual(snr, 20, accuracy: 0.5)
        XCTAssertEqual(noisy.undersampled[0, 3, 4], .zero)
        XCTAssertEqual(noisy.undersampled[0, 3, 5], noisy.full[0, 3, 5])
    }
}
