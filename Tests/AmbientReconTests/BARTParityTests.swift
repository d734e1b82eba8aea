import AmbientCore
import AmbientIO
import AmbientRecon
import AmbientTestSupport
import Foundation
import XCTest

/// Parity with BART's `pics` on BART's own simulation: 8-coil phantom k-space, ESPIRiT maps
/// from `bart ecalib -m1`, one variable-density mask. Truth is the coil combination of the fully
/// sampled data (Sᴴ F⁻¹ y_full).
final class BARTParityTests: XCTestCase {
    private struct Case {
        let bart: BART
        let kspace: ComplexArray   // [C, H, W], undersampled
        let maps: ComplexArray     // [C, H, W]
        let mask: RealArray        // [H, W]
        let truth: ComplexArray    // [H, W]
    }

    private func makeCase(size: Int = 128) throws -> Case {
        let bart = try BART()
        try bart.run(["phantom", "-s", "8", "-k", "-x", "\(size)", "full"])
        try bart.run(["ecalib", "-m1", "full", "maps"])
        let full = try bart.read("full").squeezingSingletons()
        let maps = try bart.read("maps").squeezingSingletons()
        XCTAssertEqual(full.shape, [8, size, size])
        XCTAssertEqual(maps.shape, [8, size, size])
        let mask = variableDensityMask(size: size, fraction: 0.25, center: 20, seed: 7)
        let under = LinearOperator.mask(mask, shape: full.shape).forward(full)
        try bart.write(CFL.bartCoilLayout(under), "under")
        let truth = try zeroFilledRecon(kspace: full, maps: maps)
        return Case(bart: bart, kspace: under, maps: maps, mask: mask, truth: truth)
    }

    func testL1WaveletMatchesBARTPicsAtTheSameLambda() throws {
        let c = try makeCase()
        defer { c.bart.remove() }
        let lambda: Float = 0.01
        // -S: BART multiplies its result back by its data scale, as our `.bart` scaling does.
        let log = try c.bart.run(["pics", "-S", "-d4", "-l1", "-r", "\(lambda)", "-i", "100", "under", "maps", "bart_l1"])
        let theirs = try c.bart.read("bart_l1").squeezingSingletons()
        let ours = try l1WaveletRecon(kspace: c.kspace, maps: c.maps, mask: c.mask,
                                      config: L1WaveletConfig(lambda: lambda, iterations: 100))
        let zeroFilled = try zeroFilledRecon(kspace: c.kspace, maps: c.maps, mask: c.mask)
        let errorOurs = nrmse(ours, c.truth), errorBART = nrmse(theirs, c.truth), errorZF = nrmse(zeroFilled, c.truth)
        print("ℓ1-wavelet λ=\(lambda): NRMSE ours \(errorOurs), BART \(errorBART), zero-filled \(errorZF)")
        XCTAssertLessThan(errorBART, 0.8 * errorZF, "the setting is one where regularisation matters")
        XCTAssertLessThanOrEqual(errorOurs, 1.05 * errorBART, "ours within 5% of BART's NRMSE")
        // The two solve the same problem up to the wavelet: closer to each other than to the truth.
        XCTAssertLessThan(nrmse(ours, theirs), errorBART)

        // Our data scale estimate is BART's (printed at debug level 4).
        if let line = log.split(separator: "\n").first(where: { $0.contains("Inverse scaling of the data") }),
           let value = Float(line.split(separator: ":").last!.trimmingCharacters(in: .whitespaces)) {
            XCTAssertEqual(try bartDataScale(kspace: c.kspace, mask: c.mask), value, accuracy: 0.02 * value)
        } else {
            XCTFail("bart pics did not print its data scaling:\n\(log.prefix(1000))")
        }
    }
}
