import AmbientCore
@testable import AmbientIO
import AmbientTestSupport
import Foundation
import XCTest

/// Broken inputs give one clear `AmbientError` naming the file and the problem, never a crash.
final class BadInputTests: XCTestCase {
    private func writeFastMRI(_ path: String, _ build: (FastMRIWriter) throws -> Void) throws {
        let writer = try FastMRIWriter(path: path)
        try build(writer)
        try writer.commit()
    }

    func testMissingFile() {
        assertAmbientError(.fileNotFound, mentioning: ["/nonexistent/x.h5"]) { try FastMRIFile("/nonexistent/x.h5") }
        assertAmbientError(.fileNotFound, mentioning: ["nope.nii"]) { try NIfTI.read("/tmp/nope.nii") }
        assertAmbientError(.fileNotFound, mentioning: ["nope.png"]) { try PNG.read("/tmp/nope.png") }
    }

    func testTruncatedAndCorruptHDF5() throws {
        let dir = try makeTemporaryDirectory(self)
        try writeFastMRI(dir + "/good.h5") { try $0.writeKSpace(randomComplex([2, 2, 32, 32], seed: 1)) }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/good.h5"))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: dir + "/truncated.h5"))
        assertAmbientError(.unreadable, mentioning: ["truncated.h5", "cannot open HDF5 file", "truncated"]) {
            try FastMRIFile(dir + "/truncated.h5")
        }
        try Data("definitely not HDF5".utf8).write(to: URL(fileURLWithPath: dir + "/garbage.h5"))
        assertAmbientError(.badFormat, mentioning: ["garbage.h5", "not an HDF5 file"]) { try FastMRIFile(dir + "/garbage.h5") }
    }

    func testMissingDatasetsWrongTypesAndRanks() throws {
        let dir = try makeTemporaryDirectory(self)
        try writeFastMRI(dir + "/nokspace.h5") { try $0.writeReconstruction(RealArray(zeros: [1, 2, 2]), name: "reconstruction_rss") }
        assertAmbientError(.badFormat, mentioning: ["nokspace.h5", "missing dataset 'kspace'"]) { try FastMRIFile(dir + "/nokspace.h5") }

        let file = try HDF5File(path: dir + "/real.h5", mode: .create)
        try file.root.createDataset("kspace", type: .float32, shape: [1, 4, 4]).write(RealArray(zeros: [1, 4, 4]))
        let file2 = try HDF5File(path: dir + "/rank.h5", mode: .create)
        try file2.root.createDataset("kspace", type: .complex64, shape: [4, 4]).write(ComplexArray(zeros: [4, 4]))
        try file.flush(); try file2.flush()
        assertAmbientError(.badFormat, mentioning: ["real.h5:/kspace", "complex64", "float32"]) { try FastMRIFile(dir + "/real.h5") }
        assertAmbientError(.badShape, mentioning: ["rank.h5:/kspace", "rank 3 or 4", "[4, 4]"]) { try FastMRIFile(dir + "/rank.h5") }

        try writeFastMRI(dir + "/slices.h5") {
            try $0.writeKSpace(ComplexArray(zeros: [2, 4, 4]))
            try $0.writeReconstruction(RealArray(zeros: [3, 2, 2]), name: "reconstruction_esc")
        }
        assertAmbientError(.badShape, mentioning: ["reconstruction_esc", "3 slices", "2"]) { try FastMRIFile(dir + "/slices.h5") }

        try writeFastMRI(dir + "/ok.h5") { try $0.writeKSpace(ComplexArray(zeros: [2, 4, 4])) }
        let ok = try FastMRIFile(dir + "/ok.h5")
        assertAmbientError(.badArgument, mentioning: ["ok.h5", "slice 5 out of range"]) { try ok.readKSpace(slice: 5) }
        assertAmbientError(.badFormat, mentioning: ["ok.h5", "no reference reconstruction"]) { try ok.readTarget(slice: 0) }
        assertAmbientError(.badFormat, mentioning: ["missing dataset 'nope'"]) { try HDF5File(path: dir + "/ok.h5").root.dataset("nope") }
        assertAmbientError(.badFormat, mentioning: ["expected real numbers", "complex64"]) {
            try HDF5File(path: dir + "/ok.h5").root.dataset("kspace").read(as: Float.self)
        }
    }

    func testNonFiniteKSpace() throws {
        let dir = try makeTemporaryDirectory(self)
        var kspace = randomComplex([2, 2, 4, 4], seed: 4)
        kspace[1, 0, 2, 3] = Complex32(.nan, 0)
        try writeFastMRI(dir + "/nan.h5") { try $0.writeKSpace(kspace) }
        let file = try FastMRIFile(dir + "/nan.h5")
        XCTAssertNoThrow(try file.readKSpace(slice: 0))
        assertAmbientError(.badValue, mentioning: ["nan.h5:/kspace", "slice 1", "NaN or Inf"]) { try file.readKSpace(slice: 1) }
        assertAmbientError(.badValue, mentioning: ["x", "all zeros"]) { try validateKSpace(ComplexArray(zeros: [2, 2]), subject: "x") }
        var inf = ComplexArray(shape: [2, 2], repeating: .one)
        inf[0, 1] = Complex32(0, .infinity)
        assertAmbientError(.badValue, mentioning: ["y", "NaN or Inf"]) { try validateKSpace(inf, subject: "y") }
    }

    func testBrokenNIfTIAndNPY() throws {
        let dir = try makeTemporaryDirectory(self)
        try Data(repeating: 7, count: 400).write(to: URL(fileURLWithPath: dir + "/junk.nii"))
        assertAmbientError(.badFormat, mentioning: ["junk.nii", "not a NIfTI-1 file"]) { try NIfTI.read(dir + "/junk.nii") }
        try NIfTI.write(RealArray(zeros: [4, 4, 4]), to: dir + "/v.nii")
        let good = try Data(contentsOf: URL(fileURLWithPath: dir + "/v.nii"))
        try good.prefix(500).write(to: URL(fileURLWithPath: dir + "/short.nii"))
        assertAmbientError(.badFormat, mentioning: ["short.nii", "truncated NIfTI data"]) { try NIfTI.read(dir + "/short.nii") }
        try Data([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]).write(to: URL(fileURLWithPath: dir + "/bad.nii.gz"))
        assertAmbientError(.badFormat, mentioning: ["bad.nii.gz"]) { try NIfTI.read(dir + "/bad.nii.gz") }

        try NPY.write(RealArray(zeros: [10, 10]), to: dir + "/a.npy")
        let npy = try Data(contentsOf: URL(fileURLWithPath: dir + "/a.npy"))
        try npy.prefix(npy.count - 8).write(to: URL(fileURLWithPath: dir + "/cut.npy"))
        assertAmbientError(.badFormat, mentioning: ["cut.npy", "truncated data", "[10, 10]"]) { try NPY.read(dir + "/cut.npy") }
        try npy.prefix(20).write(to: URL(fileURLWithPath: dir + "/head.npy"))
        assertAmbientError(.badFormat, mentioning: ["head.npy", "truncated .npy header"]) { try NPY.read(dir + "/head.npy") }
        try Data("hello".utf8).write(to: URL(fileURLWithPath: dir + "/text.npy"))
        assertAmbientError(.badFormat, mentioning: ["text.npy", "not a .npy file"]) { try NPY.read(dir + "/text.npy") }
        var structured = Array(npy)
        let header = "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }"
        structured = Array(npy.prefix(8)) + [UInt8(header.utf8.count), 0] + Array(header.utf8) + [0, 0, 0, 0]
        try Data(structured).write(to: URL(fileURLWithPath: dir + "/struct.npy"))
        assertAmbientError(.badFormat, mentioning: ["struct.npy", "structured"]) { try NPY.read(dir + "/struct.npy") }
        try Data("not a png".utf8).write(to: URL(fileURLWithPath: dir + "/x.png"))
        assertAmbientError(.badFormat, mentioning: ["x.png", "cannot read PNG"]) { try PNG.read(dir + "/x.png") }
    }

    func testWritingIntoMissingFolderFails() {
        assertAmbientError(.unwritable, mentioning: ["/nonexistent-dir/r.h5", "does not exist"]) {
            try FastMRIWriter.writeReconstruction(RealArray(zeros: [1, 1, 1]), to: "/nonexistent-dir/r.h5")
        }
        assertAmbientError(.unwritable, mentioning: ["/nonexistent-dir/a.png"]) {
            try PNG.write(gray: RealArray(zeros: [2, 2]), to: "/nonexistent-dir/a.png")
        }
    }
}
