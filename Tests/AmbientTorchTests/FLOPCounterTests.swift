import AmbientCore
import AmbientTorch
import XCTest

final class FLOPCounterTests: XCTestCase {
    func testCountsConvLinearAndMatmulAndNothingOutside() throws {
        let x = try Tensor.ones([2, 3, 8, 8])
        let w = try Tensor.ones([5, 3, 3, 3])
        let flops = try FLOPCounter.count {
            _ = try x.conv2d(weight: w, bias: nil, padding: 1)                           // 2·(2·5·8·8)·27
            _ = try Tensor.ones([4, 6]).linear(weight: try Tensor.ones([7, 6]), bias: nil)  // 2·(4·7)·6
            _ = try Tensor.ones([2, 4, 5]).bmm(try Tensor.ones([2, 5, 3]))                  // 2·(2·4·3)·5
        }
        let expected: Double = 2 * 640 * 27 + 2 * 28 * 6 + 2 * 24 * 5
        XCTAssertEqual(flops, expected)
        _ = try x.conv2d(weight: w, bias: nil, padding: 1)
        XCTAssertEqual(try FLOPCounter.count {}, 0, "ops outside count() are not counted")
    }
}
