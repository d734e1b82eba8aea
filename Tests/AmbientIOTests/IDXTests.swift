import AmbientCore
import AmbientIO
import XCTest

final class IDXTests: XCTestCase {
    func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "\(name)-\(getpid())-images-idx3-ubyte"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testReadsImagesAsUnitRangeFloats() throws {
        // 2 images of 2×3: values 0…11 scaled by 1/255.
        let header: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3]
        let path = try write(header + (0..<12).map { UInt8($0 * 20) }, "ok")
        let images = try IDX.read(path)
        XCTAssertEqual(images.shape, [2, 2, 3])
        XCTAssertEqual(images[1, 0, 2], Float(8 * 20) / 255, accuracy: 1e-6)
        XCTAssertEqual(try ScanFormat.detect(path), .idx)
    }

    func testBadMagicAndTruncationNameTheFile() throws {
        let bad = try write([1, 2, 3, 4, 5], "bad")
        XCTAssertThrowsError(try IDX.read(bad)) { XCTAssertTrue("\($0)".contains(bad) && "\($0)".contains("magic"), "\($0)") }
        let short = try write([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2], "short")
        XCTAssertThrowsError(try IDX.read(short)) { XCTAssertTrue("\($0)".contains("holds 2"), "\($0)") }
    }
}
