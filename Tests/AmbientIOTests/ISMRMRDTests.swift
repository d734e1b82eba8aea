import AmbientCore
@testable import AmbientIO
import AmbientTestSupport
import XCTest

/// Checks against Debian's ismrmrd-tools: `ismrmrd_generate_cartesian_shepp_logan` writes fully sampled,
/// 2× readout-oversampled k-space together with the ground-truth phantom and coil maps.
final class ISMRMRDTests: XCTestCase {
    private func generate(_ arguments: [String]) throws -> String {
        let dir = try makeTemporaryDirectory(self)
        let path = dir + "/shepp_logan.h5"
        guard runProgram("ismrmrd_generate_cartesian_shepp_logan", arguments + ["-o", path]) != nil else {
            throw XCTSkip("ismrmrd_generate_cartesian_shepp_logan not available (apt-get install ismrmrd-tools)")
        }
        return path
    }

    /// Stored [1, y, x] complex image → [x, y] (our k-space puts readout = x on rows).
    private func transposedTruth(_ file: ISMRMRDFile, _ name: String) throws -> ComplexArray {
        let stored: ComplexArray = try file.extraDataset(name).read()
        let rows = stored.shape[stored.rank - 2], columns = stored.shape[stored.rank - 1]
        let planes = stored.count / (rows * columns)
        return ComplexArray(shape: [planes, columns, rows]) { flat in
            let p = flat / (rows * columns), c = (flat / rows) % columns, r = flat % rows
            return stored[flat: (p * rows + r) * columns + c]
        }
    }

    func testCoilCombinedReconstructionMatchesStoredPhantom() throws {
        let path = try generate(["-m", "64", "-c", "4", "-n", "0", "-C"])
        let file = try ISMRMRDFile(path)
        XCTAssertEqual(file.header.encodedMatrix, [128, 64, 1])
        XCTAssertEqual(file.header.reconMatrix, [64, 64, 1])
        XCTAssertEqual(file.acquisitionCount, 65, "64 lines + 1 noise readout")
        XCTAssertEqual(try file.readAcquisitions().filter { $0.has(.isNoiseMeasurement) }.count, 1)

        let scan = try file.readCartesianKSpace()
        XCTAssertEqual(scan.kspace.shape, [1, 4, 64, 64], "[slices, coils, readout (oversampling removed), phase]")
        XCTAssertEqual(scan.sampledColumns.sum, 64)

        // Coil combination with the stored maps: x = Σ conj(S_c) I_c / Σ |S_c|².
        let coilImages = FFT.inverse(scan.kspace.slice(0))
        let maps = try transposedTruth(file, "csm")
        let phantom = try transposedTruth(file, "phantom").reshaped([64, 64])
        let combined = ComplexArray(shape: [64, 64]) { i in
            var numerator = Complex32.zero
            var denominator: Float = 0
            for c in 0..<4 {
                let s = maps[flat: c * 4096 + i]
                numerator += s.conjugate * coilImages[flat: c * 4096 + i]
                denominator += s.magnitudeSquared
            }
            return denominator > 0 ? numerator / denominator : .zero
        }
        XCTAssertLessThan(relativeError(combined, phantom), 1e-3)
    }

    func testOversampledCoilImagesMatchWithoutCropping() throws {
        let path = try generate(["-m", "32", "-c", "2", "-n", "0", "-r", "2"])
        let file = try ISMRMRDFile(path)
        let full = try file.readCartesianKSpace(repetition: 1, removeOversampling: false)
        XCTAssertEqual(full.kspace.shape, [1, 2, 64, 32])
        let truth = try transposedTruth(file, "coil_images")
        XCTAssertLessThan(relativeError(FFT.inverse(full.kspace.slice(0)), truth), 1e-4)
        // Cropping in k-space equals cropping the image centre.
        let cropped = try file.readCartesianKSpace(repetition: 1).kspace.slice(0)
        let image = FFT.inverse(cropped)
        let centre = ComplexArray(shape: [2, 32, 32]) { i in truth[flat: (i / 1024) * 2048 + ((i / 32) % 32 + 16) * 32 + i % 32] }
        XCTAssertLessThan(relativeError(image, centre), 1e-4)
        assertAmbientError(.badFormat, mentioning: ["repetition 2"]) { try file.readCartesianKSpace(repetition: 2) }
    }

    func testFastMRIFileIsNotAnISMRMRDFile() throws {
        let dir = try makeTemporaryDirectory(self)
        try FastMRIWriter.writeReconstruction(RealArray(zeros: [1, 2, 2]), to: dir + "/r.h5")
        assertAmbientError(.badFormat, mentioning: ["r.h5", "not an ISMRMRD file"]) { try ISMRMRDFile(dir + "/r.h5") }
    }
}
