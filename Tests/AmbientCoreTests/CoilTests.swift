import AmbientCore
import AmbientTestSupport
import XCTest

final class CoilTests: XCTestCase {
    func testBirdcageMapsAreNormalisedAndSmooth() throws {
        let maps = try Coils.birdcageSensitivities(coils: 8, height: 64, width: 64)
        XCTAssertEqual(maps.shape, [8, 64, 64])
        let rss = try Coils.rootSumOfSquares(maps)
        XCTAssertLessThan(relativeError(rss, RealArray(shape: [64, 64], repeating: 1)), 1e-5)
        // Smooth: almost all energy of each map sits in the central 16×16 of k-space.
        let k = FFT.forward(maps)
        var centre = 0.0
        for c in 0..<8 { for y in 24..<40 { for x in 24..<40 { centre += Double(k[c, y, x].magnitudeSquared) } } }
        XCTAssertGreaterThan(centre / k.normSquared, 0.97)
        // Different coils see different parts of the image.
        XCTAssertGreaterThan(maps[0, 32, 63].magnitude, 2 * maps[0, 32, 0].magnitude)
    }

    func testRootSumOfSquaresAndCombination() throws {
        let maps = try Coils.birdcageSensitivities(coils: 4, height: 16, width: 16)
        let image = randomComplex([16, 16], seed: 3)
        let coilImages = LinearOperator.coilSensitivities(maps).forward(image)
        // Σ|s_c|² = 1, so RSS of the coil images is |x| and the combination returns x.
        assertClose(try Coils.rootSumOfSquares(coilImages), image.magnitude, relative: 1e-5)
        assertClose(try Coils.combine(coilImages, sensitivities: maps), image, relative: 1e-5)
        // Batched RSS over [slices, C, H, W].
        let batch = ComplexArray.stack([coilImages, coilImages])
        XCTAssertEqual(try Coils.rootSumOfSquares(batch).shape, [2, 16, 16])
        XCTAssertThrowsError(try Coils.combine(coilImages, sensitivities: maps.slice(0).reshaped([1, 16, 16])))
    }

    func testCoilCompressionKeepsEnergyOfLowRankData() throws {
        // 8 physical coils that are mixtures of 3 sources: 3 virtual coils hold everything.
        let sources = randomComplex([3, 20, 20], seed: 1)
        let mixing = randomComplex([8, 3], seed: 2)
        var data = ComplexArray(zeros: [8, 20, 20])
        for c in 0..<8 { for s in 0..<3 { for i in 0..<400 { data[flat: c * 400 + i] += mixing[c, s] * sources[flat: s * 400 + i] } } }
        let matrix = try Coils.compressionMatrix(data, virtualCoils: 3)
        XCTAssertEqual(matrix.shape, [3, 8])
        let compressed = try Coils.compress(data, matrix: matrix)
        XCTAssertEqual(compressed.shape, [3, 20, 20])
        XCTAssertEqual(compressed.normSquared / data.normSquared, 1, accuracy: 1e-4)
        // Rows are orthonormal, and the first virtual coil carries the most energy.
        for a in 0..<3 {
            for b in 0..<3 {
                var dot = Complex32.zero
                for c in 0..<8 { dot += matrix[a, c].conjugate * matrix[b, c] }
                XCTAssertEqual(dot.magnitude, a == b ? 1 : 0, accuracy: 1e-4)
            }
        }
        XCTAssertGreaterThan(compressed.slice(0).normSquared, compressed.slice(2).normSquared)
        XCTAssertThrowsError(try Coils.compressionMatrix(data, virtualCoils: 9))
    }
}
