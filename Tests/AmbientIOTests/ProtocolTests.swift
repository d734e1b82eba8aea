import AmbientCore
@testable import AmbientIO
import XCTest

final class ProtocolTests: XCTestCase {
    let protocolsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("protocols").path

    /// Acquisition protocols live at the top of protocols/ (training options and U-Net configs in protocols/training/).
    func testShippedProtocolsLoadAndRoundTrip() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: protocolsDirectory).filter { $0.hasSuffix(".json") }
        XCTAssertGreaterThanOrEqual(files.count, 3)
        for file in files {
            let p = try AcquisitionProtocol.load("\(protocolsDirectory)/\(file)")
            XCTAssertEqual(p.name + ".json", file)
            let copy = try ConfigFile.decode(AcquisitionProtocol.self, from: try ConfigFile.encode(p), source: file)
            XCTAssertEqual(copy, p)
        }
        let r8 = try AcquisitionProtocol.load("\(protocolsDirectory)/brain64-r8.json")
        XCTAssertEqual(r8.mask, .cartesianRandom(acceleration: 8, centerFraction: nil, acsLines: 4))
        XCTAssertEqual(r8.furtherCorruption, .lineFraction(fraction: 0.2))
    }

    func testMaskIsSeededByFileAndSliceOnly() throws {
        let p = try AcquisitionProtocol.load("\(protocolsDirectory)/brain64-r4.json")
        XCTAssertEqual(try p.mask(file: "/a/b/vol1.h5", slice: 3), try p.mask(file: "/other/vol1.h5", slice: 3))
        XCTAssertNotEqual(try p.mask(file: "vol1.h5", slice: 3), try p.mask(file: "vol1.h5", slice: 4))
    }

    func testBadProtocolNamesFileAndKey() throws {
        let path = NSTemporaryDirectory() + "bad-protocol-\(getpid()).json"
        try Data(#"{"name": "x", "matrix": [64], "coils": 8}"#.utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try AcquisitionProtocol.load(path)) { error in
            XCTAssertTrue("\(error)".contains(path), "\(error)")
            XCTAssertTrue("\(error)".contains("matrix"), "\(error)")
        }
        try Data(#"{"name": "x", "coils": "eight"}"#.utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try AcquisitionProtocol.load(path)) { XCTAssertTrue("\($0)".contains("coils"), "\($0)") }
    }
}
