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

final class EMAWarmupTests: XCTestCase {
    func testWarmupDecayRisesToTheConfiguredDecay() throws {
        let module = try Linear(2, 2, generator: TorchGenerator(seed: 1), device: .cpu)
        let ema = try ExponentialMovingAverage(of: module, decay: 0.999)
        XCTAssertEqual(ema.decay(atStep: 1), 2.0 / 11, accuracy: 1e-6)
        XCTAssertEqual(ema.decay(atStep: 90), 91.0 / 100, accuracy: 1e-6)
        XCTAssertEqual(ema.decay(atStep: 100_000), 0.999, accuracy: 1e-7)
        // At step 1 the shadow moves 9/11 of the way to the weights.
        let before = try ema.shadow[0].tensor.floats()
        try withNoGrad { try module.weight.scaleInPlace(by: 3) }
        try ema.update(from: module, step: 1)
        let weights = try module.weight.floats(), after = try ema.shadow[0].tensor.floats()
        for i in 0..<before.count { XCTAssertEqual(after[i], before[i] + (weights[i] - before[i]) * 9 / 11, accuracy: 1e-5) }
    }
}
