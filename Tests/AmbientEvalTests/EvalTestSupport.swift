import AmbientCore
import Foundation
import XCTest

/// A fresh temporary directory, removed by the test's teardown.
func makeTemporaryDirectory(_ test: XCTestCase) throws -> String {
    let path = NSTemporaryDirectory() + "ambient-eval-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}

/// Tests/AmbientEvalTests/Fixtures (made by scripts/fixtures/eval_make_metric_fixture.py).
let fixtureDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

/// Seeded images with structure: a few bright rectangles on a smooth gradient plus a little noise.
func structuredImages(count: Int, height: Int, width: Int, seed: UInt64) -> RealArray {
    var rng = SeededGenerator(seed: seed)
    var out = RealArray(zeros: [count, height, width])
    for k in 0..<count {
        var image = RealArray(zeros: [height, width])
        let tilt = rng.nextUniform()
        for y in 0..<height { for x in 0..<width { image[y, x] = 0.2 * tilt * Float(x + y) / Float(height + width) } }
        for _ in 0..<3 {
            let top = Int(rng.nextUniform() * Float(height - 4)), left = Int(rng.nextUniform() * Float(width - 4))
            let h = 2 + Int(rng.nextUniform() * Float(height / 2)), w = 2 + Int(rng.nextUniform() * Float(width / 2))
            let level = 0.3 + rng.nextUniform()
            for y in top..<min(top + h, height) { for x in left..<min(left + w, width) { image[y, x] += level } }
        }
        for i in 0..<image.count { image[flat: i] += 0.02 * rng.nextNormal() }
        out.setSlice(k, to: image)
    }
    return out
}

/// `image` plus seeded Gaussian noise of standard deviation `sigma`.
func addingNoise(_ image: RealArray, sigma: Float, seed: UInt64) -> RealArray {
    var rng = SeededGenerator(seed: seed)
    return image.map { $0 + sigma * rng.nextNormal() }
}

/// Asserts |a − b| ≤ tolerance·|b| (a and b equal when both are infinite of the same sign).
func assertRelativelyClose(_ a: Double, _ b: Double, _ tolerance: Double, _ message: String = "",
                           file: StaticString = #filePath, line: UInt = #line) {
    if a.isInfinite || b.isInfinite { XCTAssertEqual(a, b, message, file: file, line: line); return }
    XCTAssertLessThanOrEqual(abs(a - b), tolerance * abs(b), "\(a) vs \(b) \(message)", file: file, line: line)
}
