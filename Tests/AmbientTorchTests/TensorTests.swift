import AmbientCore
import AmbientTestSupport
@testable import AmbientTorch
import XCTest

final class TensorTests: XCTestCase {
    func testRealArrayRoundTripKeepsShapeAndValues() throws {
        let array = RealArray(shape: [2, 3, 4]) { Float($0) * 0.5 - 3 }
        let tensor = try Tensor(array)
        XCTAssertEqual(tensor.shape, [2, 3, 4])
        XCTAssertEqual(try tensor.realArray(), array)
    }

    func testComplexImagesBecomeRealAndImaginaryChannels() throws {
        let images = randomComplex([3, 4, 5], seed: 11)
        let tensor = try Tensor(channelsFrom: images)
        XCTAssertEqual(tensor.shape, [3, 2, 4, 5])
        let real = try tensor.narrowed(axis: 1, start: 0, length: 1).realArray()
        let imaginary = try tensor.narrowed(axis: 1, start: 1, length: 1).realArray()
        XCTAssertEqual(real[2, 0, 3, 1], images[2, 3, 1].re)
        XCTAssertEqual(imaginary[1, 0, 0, 4], images[1, 0, 4].im)
        XCTAssertEqual(try tensor.complexImages(), images)
        // A single [H, W] image gets a batch axis of one.
        XCTAssertEqual(try Tensor(channelsFrom: images.slice(0)).shape, [1, 2, 4, 5])
    }

    func testComplexImagesOfAPermutedViewAreCorrect() throws {
        let images = randomComplex([2, 3, 3], seed: 3)
        // Transposing H and W twice must give the original back through the one-pass copy-out.
        let swapped = try Tensor(channelsFrom: images).transposed(2, 3).transposed(2, 3)
        XCTAssertEqual(try swapped.complexImages(), images)
    }

    func testArithmeticAndReductions() throws {
        let a = try Tensor(shape: [2, 2], elements: [1, 2, 3, 4])
        let b = try Tensor(shape: [2], elements: [10, 20])
        XCTAssertEqual(try (a + b).floats(), [11, 22, 13, 24])  // broadcasting over rows
        XCTAssertEqual(try (a * 2 - 1).floats(), [1, 3, 5, 7])
        XCTAssertEqual(try (1 - a).floats(), [0, -1, -2, -3])
        XCTAssertEqual(try a.matmul(a).floats(), [7, 10, 15, 22])
        XCTAssertEqual(try a.sum().item(), 10)
        XCTAssertEqual(try a.mean(axes: [1]).floats(), [1.5, 3.5])
        XCTAssertEqual(try a.permuted([1, 0]).contiguous().floats(), [1, 3, 2, 4])
        XCTAssertEqual(try Tensor.cat([a, a], axis: 0).shape, [4, 2])
        let softmax = try a.softmax(axis: 1).sum(axes: [1]).floats()
        for s in softmax { XCTAssertEqual(s, 1, accuracy: 1e-6) }
    }

    func testShapeErrorBecomesSwiftErrorNamingOpAndShapes() throws {
        let a = try Tensor.zeros([2, 3]), b = try Tensor.zeros([4, 5])
        XCTAssertThrowsError(try a.matmul(b)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("torch.matmul"), text)
            XCTAssertTrue(text.contains("[2, 3]") && text.contains("[4, 5]"), text)
            XCTAssertTrue(text.contains("cannot be multiplied"), text)  // libtorch's own message
        }
        // The error state does not leak into the next successful call.
        XCTAssertEqual(try a.matmul(Tensor.ones([3, 1])).shape, [2, 1])
        XCTAssertThrowsError(try a.reshaped([7]))
        XCTAssertThrowsError(try Tensor(channelsFrom: randomComplex([1, 2, 2, 2], seed: 1)))
    }

    func testBackwardGivesAnalyticGradient() throws {
        let x = try Tensor(shape: [3], elements: [1, -2, 0.5])
        try x.requiringGrad()
        let y = try x.squared() * x.sin()   // d/dx x² sin x = 2x sin x + x² cos x
        try y.backward(gradient: Tensor.ones([3]))
        let grad = try XCTUnwrap(x.grad).floats()
        for (g, v) in zip(grad, [Float(1), -2, 0.5]) {
            XCTAssertEqual(g, 2 * v * Foundation.sin(v) + v * v * Foundation.cos(v), accuracy: 1e-5)
        }
        x.zeroGrad()
        XCTAssertNil(x.grad)
    }

    func testNoGradScopeRecordsNothing() throws {
        let x = try Tensor.ones([2])
        try x.requiringGrad()
        let y = try withNoGrad { try x * 3 }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertTrue(try (x * 3).requiresGrad)
        XCTAssertThrowsError(try y.sum().backward())
    }

    func testSeededRandomNumbersRepeat() throws {
        let a = try Tensor.randn([100], generator: TorchGenerator(seed: 7)).floats()
        let b = try Tensor.randn([100], generator: TorchGenerator(seed: 7)).floats()
        let c = try Tensor.randn([100], generator: TorchGenerator(seed: 8)).floats()
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
        let mean = a.reduce(0, +) / 100
        XCTAssertLessThan(Swift.abs(mean), 0.4)
    }

    func testThreadsDefaultToAllCores() {
        XCTAssertEqual(Torch.threads, ProcessInfo.processInfo.activeProcessorCount)
        Torch.threads = 1
        XCTAssertEqual(Torch.threads, 1)
        Torch.threads = ProcessInfo.processInfo.activeProcessorCount
    }

    func testTimestepEmbeddingMatchesFormula() throws {
        let t = try Tensor(shape: [2], elements: [0, 10])
        let e = try timestepEmbedding(t, dimension: 8, flipSinToCos: true, freqShift: 1).realArray()
        XCTAssertEqual(e.shape, [2, 8])
        for i in 0..<4 {
            let f = Foundation.exp(-Foundation.log(10000.0) * Double(i) / 3)
            XCTAssertEqual(Double(e[1, i]), Foundation.cos(10 * f), accuracy: 1e-5)      // cos first when flipped
            XCTAssertEqual(Double(e[1, 4 + i]), Foundation.sin(10 * f), accuracy: 1e-5)
            XCTAssertEqual(e[0, i], 1)
        }
    }

    func testGradientClippingScalesToMaxNorm() throws {
        let p = try Tensor(shape: [2], elements: [1, 1])
        try p.requiringGrad()
        try (p * Tensor(shape: [2], elements: [3, 4])).sum().backward()  // grad = (3, 4), norm 5
        let norm = try clipGradientNorm([p], maxNorm: 1)
        XCTAssertEqual(norm, 5, accuracy: 1e-5)
        let g = try XCTUnwrap(p.grad).floats()
        XCTAssertEqual(g[0], 0.6, accuracy: 1e-5)
        XCTAssertEqual(g[1], 0.8, accuracy: 1e-5)
    }
}
