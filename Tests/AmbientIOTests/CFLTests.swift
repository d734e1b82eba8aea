import AmbientCore
import AmbientIO
import AmbientTestSupport
import Foundation
import XCTest

final class CFLTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("cfl-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func testRoundTripKeepsShapeAndValues() throws {
        let x = randomComplex([3, 1, 5, 7], seed: 4)
        try CFL.write(x, to: path("x"))
        XCTAssertEqual(try CFL.read(path("x")), x)
        XCTAssertEqual(try CFL.read(path("x.cfl")), x, "extension is optional")
        XCTAssertEqual(try CFL.read(path("x")).squeezingSingletons().shape, [3, 5, 7])
    }

    func testHeaderListsDimsReversedAsBARTDoes() throws {
        try CFL.write(ComplexArray(zeros: [8, 1, 6, 4]), to: path("k"))
        let header = try String(contentsOfFile: path("k.hdr"), encoding: .utf8)
        let dimsLine = header.split(separator: "\n")[1].split(separator: " ").map { Int($0)! }
        XCTAssertEqual(Array(dimsLine.prefix(4)), [4, 6, 1, 8], "BART [kx, ky, 1, coils]")
        XCTAssertEqual(dimsLine.count, 16)
        let data = try Data(contentsOf: URL(fileURLWithPath: path("k.cfl")))
        XCTAssertEqual(data.count, 8 * 6 * 4 * 8)
        // No stray temporary files after an atomic write.
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        XCTAssertEqual(names, ["k.cfl", "k.hdr"])
    }

    func testCoilLayoutInsertsBARTsZAxis() throws {
        let x = randomComplex([4, 6, 5], seed: 1)
        XCTAssertEqual(try CFL.bartCoilLayout(x).shape, [4, 1, 6, 5])
        XCTAssertThrowsError(try CFL.bartCoilLayout(randomComplex([6, 5], seed: 1)))
    }

    func testMissingFilesAreNamed() throws {
        assertCFLError(try CFL.read(path("absent")), kind: .fileNotFound, subjectSuffix: "absent.hdr")
        try "# Dimensions\n2 2 \n".write(toFile: path("nodata.hdr"), atomically: true, encoding: .utf8)
        assertCFLError(try CFL.read(path("nodata")), kind: .fileNotFound, subjectSuffix: "nodata.cfl")
    }

    func testTruncatedDataIsReported() throws {
        try CFL.write(randomComplex([4, 4], seed: 2), to: path("t"))
        let data = try Data(contentsOf: URL(fileURLWithPath: path("t.cfl")))
        try data.prefix(100).write(to: URL(fileURLWithPath: path("t.cfl")))
        assertCFLError(try CFL.read(path("t")), kind: .badFormat, subjectSuffix: "t.cfl")
    }

    func testGarbageHeadersAreRejected() throws {
        try Data(count: 32).write(to: URL(fileURLWithPath: path("g.cfl")))
        for garbage in ["hello world\n", "# Dimensions\n2 x 1\n", "# Dimensions\n2 -2\n", "# Dimensions\n", "# Dimensions\n\n"] {
            try garbage.write(toFile: path("g.hdr"), atomically: true, encoding: .utf8)
            assertCFLError(try CFL.read(path("g")), kind: .badFormat, subjectSuffix: "g.hdr", garbage)
        }
        try Data([0xFF, 0xFE, 0xFD]).write(to: URL(fileURLWithPath: path("g.hdr")))
        assertCFLError(try CFL.read(path("g")), kind: .badFormat, subjectSuffix: "g.hdr")
    }

    func testWriteIntoMissingFolderThrows() {
        let target = folder.appendingPathComponent("no/such/dir/x").path
        assertCFLError(try CFL.write(ComplexArray(zeros: [2, 2]), to: target), kind: .unwritable, subjectSuffix: "x.cfl")
    }

    // MARK: interop with the real BART binary

    func testReadsBARTPhantoms() throws {
        let bart = try requireBART()
        try runTool(bart, ["phantom", "-x", "32", path("ph")])
        let image = try CFL.read(path("ph"))
        XCTAssertEqual(image.shape, [32, 32])
        XCTAssertGreaterThan(image.magnitude.maximum, 0.5, "the Shepp–Logan phantom has intensity ~1")
        try runTool(bart, ["phantom", "-s", "4", "-k", "-x", "32", path("ks")])
        let kspace = try CFL.read(path("ks"))
        XCTAssertEqual(kspace.shape, [4, 1, 32, 32], "BART [kx, ky, 1, coils] reads as [coils, 1, ky, kx]")
        // The centred unitary transform of the k-space phantom puts the object in the middle,
        // which checks both the axis order and the centring convention.
        let coil0 = FFT.inverse(kspace.squeezingSingletons().slice(0)).magnitude
        XCTAssertGreaterThan(coil0[16, 16], coil0[0, 0])
    }

    func testBARTFFTMatchesOursOnOurFile() throws {
        let bart = try requireBART()
        let x = randomComplex([3, 1, 16, 12], seed: 9)
        try CFL.write(x, to: path("in"))
        try runTool(bart, ["fft", "-u", "3", path("in"), path("out")])
        assertClose(try CFL.read(path("out")), FFT.forward(x), relative: 1e-5, "bart fft -u 3 vs FFT.forward")
        try runTool(bart, ["fft", "-u", "-i", "3", path("in"), path("back")])
        assertClose(try CFL.read(path("back")), FFT.inverse(x), relative: 1e-5, "bart fft -u -i 3 vs FFT.inverse")
    }
}

// MARK: helpers

private func assertCFLError<T>(_ body: @autoclosure () throws -> T, kind: AmbientError.Kind, subjectSuffix: String,
                                   _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("expected \(kind) error \(message)", file: file, line: line)
    } catch let error as AmbientError {
        XCTAssertEqual(error.kind, kind, "\(error) \(message)", file: file, line: line)
        XCTAssertTrue(error.subject.hasSuffix(subjectSuffix), "error names \(error.subject), expected …\(subjectSuffix)", file: file, line: line)
    } catch {
        XCTFail("expected AmbientError, got \(error) \(message)", file: file, line: line)
    }
}

/// The `bart` executable on PATH, or skip.
private func requireBART() throws -> String {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
        let candidate = "\(dir)/bart"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    throw XCTSkip("bart is not on PATH")
}

private func runTool(_ executable: String, _ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let message = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    if process.terminationStatus != 0 {
        XCTFail("\(executable) \(arguments.joined(separator: " ")) failed: \(String(decoding: message, as: UTF8.self))")
        throw AmbientError(.backend, executable, "exit \(process.terminationStatus)")
    }
}
