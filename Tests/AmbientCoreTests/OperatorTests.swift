import AmbientCore
import AmbientTestSupport
import XCTest

final class OperatorTests: XCTestCase {
    func testFFTAndMaskAndSensePassAdjointTest() {
        let maps = randomComplex([4, 12, 10], seed: 11)
        var rng = SeededGenerator(seed: 2)
        let mask = RealArray(shape: [12, 10]) { _ in rng.nextUniform() < 0.4 ? 1 : 0 }
        assertAdjoint(.fft([4, 12, 10]))
        assertAdjoint(.mask(mask, shape: [4, 12, 10]))
        assertAdjoint(.coilSensitivities(maps))
        assertAdjoint(.sense(maps: maps, mask: mask))
        assertAdjoint(LinearOperator.sense(maps: maps, mask: mask).H)
        assertAdjoint(LinearOperator.sense(maps: maps, mask: mask).scaled(by: 3))
    }

    func testSenseForwardIsMaskedCoilFFT() {
        let maps = randomComplex([2, 8, 8], seed: 1)
        let x = randomComplex([8, 8], seed: 2)
        var mask = RealArray(zeros: [8, 8])
        mask[3, 5] = 1
        let y = LinearOperator.sense(maps: maps, mask: mask).forward(x)
        let coil1 = FFT.forward(ComplexArray(shape: [8, 8]) { i in maps[flat: 64 + i] * x[flat: i] })
        XCTAssertEqual(y[1, 3, 5], coil1[3, 5])
        XCTAssertEqual(y[1, 3, 4], .zero)
    }
}
