import AmbientCore
@testable import AmbientIO
import AmbientTestSupport
import XCTest

final class FastMRITests: XCTestCase {
    func testReadsFileWrittenByH5py() throws {
        let dir = try makeTemporaryDirectory(self)
        let path = dir + "/file_h5py.h5"
        let expected = try runFixtureScript(["write", path])
        let file = try FastMRIFile(path)
        let info = file.info
        XCTAssertEqual(info.kspaceShape, [3, 4, 16, 12])
        XCTAssertTrue(info.isMultiCoil)
        XCTAssertEqual(info.coilCount, 4)
        XCTAssertEqual(info.targetName, "reconstruction_rss")
        XCTAssertEqual(info.targetShape, [3, 8, 8])
        XCTAssertEqual(info.mask?.elements, [1, 0, 0, 0, 1, 1, 1, 1, 0, 0, 1, 0])
        XCTAssertEqual(info.acquisition, "CORPD_FBK")
        XCTAssertEqual(info.patientID, "abc123")
        XCTAssertEqual(info.acceleration, 4)
        XCTAssertEqual(info.numLowFrequency, 4)
        XCTAssertEqual(info.maxValue!, expected["max"] as! Double, accuracy: 1e-12)
        XCTAssertEqual(info.header?.encodedMatrix, [16, 12, 1])
        XCTAssertEqual(info.header?.reconMatrix, [8, 8, 1])
        XCTAssertEqual(info.header?.encodeStep1Limits, [0, 11, 6])
        XCTAssertEqual(info.cropSize, [8, 8])

        let slice1 = try file.readKSpace(slice: 1)
        XCTAssertEqual(slice1.shape, [4, 16, 12])
        let value = expected["kspace_1_2_3_4"] as! [Double]
        XCTAssertEqual(slice1[2, 3, 4], Complex32(Float(value[0]), Float(value[1])))
        let sums = expected["kspace_sum_slice2"] as! [Double]
        let slice2 = try file.readKSpace(slice: 2).elements
        XCTAssertEqual(slice2.reduce(0.0) { $0 + Double($1.re) }, sums[0], accuracy: 1e-6)
        XCTAssertEqual(slice2.reduce(0.0) { $0 + Double($1.im) }, sums[1], accuracy: 1e-6)
        XCTAssertEqual(try file.readTarget(slice: 2)[7, 1], Float(expected["rss_2_7_1"] as! Double))
        XCTAssertEqual(file.planeMask?.shape, [16, 12])
        XCTAssertEqual(file.planeMask?[5, 4], 1)
        XCTAssertEqual(file.planeMask?[5, 3], 0)
        // Slices read one by one equal the whole volume read at once.
        let volume = try file.readKSpaceVolume()
        XCTAssertEqual(volume.slice(2), try file.readKSpace(slice: 2))
    }

    func testLargeSlicesReadInParallelPartsAndFindNaNInAnyPart() throws {
        // 8 MiB per slice: the raw reader splits it into parts read by separate threads.
        let shape = [2, 16, 256, 256]
        var rng = SeededGenerator(seed: 4)
        var volume = ComplexArray.gaussianNoise(shape: shape, variance: 2, using: &rng)
        let plane = shape.dropFirst().reduce(1, *)
        volume.withUnsafeMutableBufferPointer { $0[2 * plane - 3] = Complex32(.nan, 0) }  // near the end of slice 1
        let path = try makeTemporaryDirectory(self) + "/large.h5"
        let writer = try FastMRIWriter(path: path)
        try writer.writeKSpace(volume)
        try writer.commit()
        let file = try FastMRIFile(path)
        var buffer = ComplexArray(zeros: [])
        try file.readKSpace(slice: 0, into: &buffer)
        XCTAssertEqual(buffer, volume.slice(0))
        XCTAssertThrowsError(try file.readKSpace(slice: 1, into: &buffer)) { error in
            XCTAssertTrue("\(error)".contains("slice 1"), "\(error)")
        }
    }

    func testWriterRoundTripAndH5pyReadsIt() throws {
        let dir = try makeTemporaryDirectory(self)
        let kspace = randomComplex([2, 3, 8, 6], seed: 7)
        let rss = RealArray(shape: [2, 4, 4]) { Float($0) * 0.5 }
        let mask = RealArray(shape: [6], elements: [1, 0, 1, 1, 0, 1])
        let xml = "<ismrmrdHeader><encoding><encodedSpace><matrixSize><x>8</x><y>6</y></matrixSize></encodedSpace>" +
            "<reconSpace><matrixSize><x>4</x><y>4</y></matrixSize></reconSpace></encoding></ismrmrdHeader>"
        let path = dir + "/out.h5"
        let writer = try FastMRIWriter(path: path)
        try writer.beginKSpace(shape: kspace.shape)
        for s in 0..<2 { try writer.writeKSpace(slice: s, kspace.slice(s)) }
        try writer.writeReconstruction(rss, name: "reconstruction_rss")
        try writer.writeMask(mask)
        try writer.writeHeader(xml: xml)
        try writer.setAttribute("acquisition", .string("AXT2"))
        try writer.setAttribute("max", .double(7.5))
        try writer.setAttribute("acceleration", .int(8))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "nothing at the destination before commit")
        try writer.commit()

        let file = try FastMRIFile(path)
        XCTAssertEqual(try file.readKSpaceVolume(), kspace)
        XCTAssertEqual(try file.readTarget(slice: 1), rss.slice(1))
        XCTAssertEqual(file.info.mask, mask)
        XCTAssertEqual(file.info.headerXML, xml)
        XCTAssertEqual(file.info.cropSize, [4, 4])
        XCTAssertEqual(file.info.attributes["acquisition"], .string("AXT2"))
        XCTAssertEqual(file.info.maxValue, 7.5)
        XCTAssertEqual(file.info.acceleration, 8)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["out.h5"], "no temporary files left")

        // h5py sees the same layout and values as fastMRI's tools would.
        let seen = try runFixtureScript(["check", path])
        XCTAssertEqual((seen["kspace"] as? [String: Any])?["dtype"] as? String, "complex64")
        XCTAssertEqual((seen["reconstruction_rss"] as? [String: Any])?["dtype"] as? String, "float32")
        XCTAssertEqual(seen["mask"] as? [Int], [1, 0, 1, 1, 0, 1])
        XCTAssertEqual((seen["attrs"] as? [String: Any])?["acquisition"] as? String, "AXT2")
        XCTAssertEqual((seen["attrs"] as? [String: Any])?["acceleration"] as? Int, 8)
        let sums = seen["kspace_sum"] as! [Double]
        XCTAssertEqual(sums[0], kspace.elements.reduce(0.0) { $0 + Double($1.re) }, accuracy: 1e-5)
    }

    func testReconstructionFileForEvaluation() throws {
        let dir = try makeTemporaryDirectory(self)
        let volume = RealArray(shape: [3, 5, 5]) { Float($0 % 7) }
        let path = dir + "/file1000001.h5"
        try FastMRIWriter.writeReconstruction(volume, to: path)
        let root = try HDF5File(path: path).root
        let dataset = try root.dataset("reconstruction")
        XCTAssertEqual(dataset.elementType, .float(bits: 32))
        XCTAssertEqual(try dataset.read(as: Float.self), volume)
        // Overwriting replaces atomically.
        try FastMRIWriter.writeReconstruction(volume * 2, to: path)
        XCTAssertEqual(try HDF5File(path: path).root.dataset("reconstruction").read(as: Float.self), volume * 2)
    }

    func testAbandonedWriterLeavesNothing() throws {
        let dir = try makeTemporaryDirectory(self)
        do {
            let writer = try FastMRIWriter(path: dir + "/x.h5")
            try writer.writeReconstruction(RealArray(zeros: [1, 2, 2]))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
    }

    func testSingleCoilFile() throws {
        let dir = try makeTemporaryDirectory(self)
        let kspace = randomComplex([2, 6, 4], seed: 3)
        let writer = try FastMRIWriter(path: dir + "/sc.h5")
        try writer.writeKSpace(kspace)
        try writer.writeReconstruction(RealArray(zeros: [2, 3, 3]), name: "reconstruction_esc")
        try writer.commit()
        let file = try FastMRIFile(dir + "/sc.h5")
        XCTAssertFalse(file.info.isMultiCoil)
        XCTAssertEqual(file.info.coilCount, 1)
        XCTAssertEqual(file.info.targetName, "reconstruction_esc")
        XCTAssertEqual(try file.readKSpace(slice: 1), kspace.slice(1))
    }
}
