import AmbientCore
@testable import AmbientIO
import AmbientTestSupport
import Foundation
import XCTest

final class FormatTests: XCTestCase {
    func testNPYRoundTripRealAndComplex() throws {
        let dir = try makeTemporaryDirectory(self)
        let real = RealArray(shape: [2, 3, 4]) { Float($0) - 5.5 }
        try NPY.write(real, to: dir + "/r.npy")
        XCTAssertEqual(try NPY.read(dir + "/r.npy"), .real(real))
        let complex = randomComplex([3, 5], seed: 2)
        try NPY.write(complex, to: dir + "/c.npy")
        XCTAssertEqual(try NPY.read(dir + "/c.npy"), .complex(complex))
        // Header block is 64-byte aligned, as NumPy writes it.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/c.npy"))
        XCTAssertEqual((bytes.count - 15 * 8) % 64, 0)
    }

    func testNPYParityWithNumPy() throws {
        guard runProgram("python3", ["-c", "import numpy"]) != nil else { throw XCTSkip("python3 with numpy not available") }
        let dir = try makeTemporaryDirectory(self)
        let script = """
        import numpy as np, sys
        d = sys.argv[1]
        a = np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 7
        np.save(d + '/f64_fortran.npy', np.asfortranarray(a))
        np.save(d + '/c128.npy', (a + 1j * a[::-1]).astype(np.complex128))
        np.save(d + '/be_f4.npy', a.astype('>f4'))
        np.save(d + '/i16.npy', (a * 100).astype(np.int16))
        np.lib.format.write_array(open(d + '/v2.npy', 'wb'), a.astype(np.float32), version=(2, 0))
        # and read ours
        ours = np.load(d + '/ours.npy')
        assert ours.dtype == np.complex64 and ours.shape == (2, 2), (ours.dtype, ours.shape)
        assert abs(ours[1, 0] - (3 - 4j)) < 1e-6
        """
        try NPY.write(ComplexArray(shape: [2, 2], elements: [.zero, .one, Complex32(3, -4), .i]), to: dir + "/ours.npy")
        XCTAssertNotNil(runProgram("python3", ["-c", script, dir]), "numpy side failed")
        let expected = RealArray(shape: [2, 3, 4]) { Float(Double($0) / 7) }
        guard case let .real(fortran) = try NPY.read(dir + "/f64_fortran.npy") else { return XCTFail("expected real") }
        assertClose(fortran, expected, relative: 1e-7)
        guard case let .complex(c128) = try NPY.read(dir + "/c128.npy") else { return XCTFail("expected complex") }
        XCTAssertEqual(c128.shape, [2, 3, 4])
        XCTAssertEqual(c128[0, 1, 2].re, expected[0, 1, 2], accuracy: 1e-6)
        XCTAssertEqual(c128[0, 1, 2].im, expected[1, 1, 2], accuracy: 1e-6)
        guard case let .real(bigEndian) = try NPY.read(dir + "/be_f4.npy") else { return XCTFail("expected real") }
        assertClose(bigEndian, expected, relative: 1e-7)
        guard case let .real(ints) = try NPY.read(dir + "/i16.npy") else { return XCTFail("expected real") }
        XCTAssertEqual(ints[1, 2, 3], Float(Int16(23.0 / 7 * 100)))
        guard case let .real(v2) = try NPY.read(dir + "/v2.npy") else { return XCTFail("expected real") }
        assertClose(v2, expected, relative: 1e-7)
    }

    func testNIfTIRoundTripPlainAndGzip() throws {
        let dir = try makeTemporaryDirectory(self)
        let volume = RealArray(shape: [3, 4, 5]) { sin(Float($0)) }
        for name in ["v.nii", "v.nii.gz"] {
            try NIfTI.write(volume, to: dir + "/" + name, voxelSize: [0.5, 0.5, 2])
            XCTAssertEqual(try NIfTI.read(dir + "/" + name), .real(volume))
            let header = try NIfTI.readHeader(dir + "/" + name)
            XCTAssertEqual(header.shape, [3, 4, 5])
            XCTAssertEqual(header.voxelSize, [0.5, 0.5, 2])
        }
        XCTAssertLessThan(try FileManager.default.attributesOfItem(atPath: dir + "/v.nii.gz")[.size] as! Int, 352 + 240)
    }

    func testNIfTIInt16WithScalingIsXFastest() throws {
        // Hand-built int16 volume, dims x=3, y=2, z=1, with scl_slope 0.5 and scl_inter 10.
        let dir = try makeTemporaryDirectory(self)
        let path = dir + "/s.nii"
        try NIfTI.write(RealArray(zeros: [1, 2, 3]), to: path)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func put<T: FixedWidthInteger>(_ v: T, _ offset: Int) {
            withUnsafeBytes(of: v.littleEndian) { for (i, b) in $0.enumerated() { bytes[offset + i] = b } }
        }
        put(Int16(4), 70); put(Int16(16), 72)
        put(Float(0.5).bitPattern, 112); put(Float(10).bitPattern, 116)
        bytes = Array(bytes.prefix(352))
        for v: Int16 in [0, 1, 2, 10, 11, 12] { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        guard case let .real(volume) = try NIfTI.read(path) else { return XCTFail("expected real") }
        XCTAssertEqual(volume.shape, [1, 2, 3])
        XCTAssertEqual(volume[0, 0, 2], 2 * 0.5 + 10, "x is the fastest axis")
        XCTAssertEqual(volume[0, 1, 0], 10 * 0.5 + 10)
    }

    func testPNGRoundTrip8And16Bit() throws {
        let dir = try makeTemporaryDirectory(self)
        let image = RealArray(shape: [6, 9]) { Float($0) / 53 }
        try PNG.write(gray: image, to: dir + "/a.png", bitDepth: .eight)
        assertMaxAbsDifference(try PNG.read(dir + "/a.png").elements, image.elements, atMost: 0.5 / 255 + 1e-6)
        try PNG.write(gray: image, to: dir + "/b.png", bitDepth: .sixteen)
        assertMaxAbsDifference(try PNG.read(dir + "/b.png").elements, image.elements, atMost: 0.5 / 65535 + 1e-7)
        // Magnitude images are scaled to their maximum.
        try PNG.writeMagnitude(ComplexArray(shape: [1, 2], elements: [Complex32(0, 2), Complex32(1, 0)]), to: dir + "/m.png")
        XCTAssertEqual(try PNG.read(dir + "/m.png").elements, [1, Float(128) / 255])
    }

    func testGridHasPanelsAndTitles() throws {
        let dir = try makeTemporaryDirectory(self)
        let bright = RealArray(shape: [20, 30], repeating: 5)
        let ramp = RealArray(shape: [20, 30]) { Float($0 % 30) }
        let canvas = Figures.grid([ImagePanel(title: "truth", image: bright), ImagePanel(title: "recon", image: ramp)], textScale: 1, zoom: 1)
        XCTAssertEqual(canvas.width, 8 + 2 * (30 + 8))
        XCTAssertEqual(canvas.height, 8 + 7 + 8 + 20 + 8)
        // A panel's pixel is white (own maximum); title pixels are dark.
        let panelPixel = ((8 + 15 + 5) * canvas.width + 8 + 5) * 3
        XCTAssertEqual(canvas.pixels[panelPixel], 255)
        XCTAssertTrue(stride(from: 0, to: canvas.width * 15 * 3, by: 3).contains { canvas.pixels[$0] == 0 }, "titles drawn")
        // By default small images are enlarged (30 px wide → ×6) and titles are drawn at 2×.
        try Figures.writeGrid([ImagePanel(title: "a", image: ramp)], to: dir + "/g.png")
        XCTAssertEqual(try PNG.read(dir + "/g.png").shape, [8 + 14 + 8 + 6 * 20 + 8, 8 + 6 * 30 + 8])
        let zoomed = Figures.grid([ImagePanel(title: "a", image: ramp)])
        XCTAssertEqual(zoomed.pixels[((8 + 14 + 8 + 5) * zoomed.width + 8 + 6 * 29 + 3) * 3], 255, "the brightest column keeps its value when enlarged")
        try Figures.writeLinePlot([.init(name: "loss", values: [1, 0.5, 0.25, 0.2])], to: dir + "/l.png", title: "loss", logY: true)
        XCTAssertEqual(try PNG.read(dir + "/l.png").shape, [400, 640])
    }

    func testLoadArrayAndDescribeDispatch() throws {
        let dir = try makeTemporaryDirectory(self)
        let kspace = randomComplex([2, 2, 4, 4], seed: 9)
        let writer = try FastMRIWriter(path: dir + "/f.h5")
        try writer.writeKSpace(kspace)
        try writer.setAttribute("acquisition", .string("CORPD"))
        try writer.commit()
        XCTAssertEqual(try ScanFormat.detect(dir + "/f.h5"), .fastMRI)
        XCTAssertEqual(try loadArray(dir + "/f.h5"), .complex(kspace))
        let text = try describe(dir + "/f.h5")
        XCTAssertTrue(text.contains("multi-coil, 2 slices, 2 coils"), text)
        XCTAssertTrue(text.contains("dataset kspace: [2, 2, 4, 4] complex64"), text)
        XCTAssertTrue(text.contains("attribute acquisition: CORPD"), text)
        try NPY.write(RealArray(zeros: [3]), to: dir + "/z.npy")
        XCTAssertEqual(try loadArray(dir + "/z.npy").shape, [3])
        XCTAssertTrue(try describe(dir + "/z.npy").contains("dtype: float32"))
        try FastMRIWriter.writeReconstruction(RealArray(zeros: [1, 2, 2]), to: dir + "/r.h5")
        XCTAssertEqual(try ScanFormat.detect(dir + "/r.h5"), .hdf5)
        assertAmbientError(.badFormat, mentioning: ["r.h5", "neither fastMRI"]) { try loadArray(dir + "/r.h5") }
    }
}
