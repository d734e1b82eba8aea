import AmbientCore
import AmbientTestSupport
import XCTest

final class FFTTests: XCTestCase {
    /// Centred unitary DFT written out: X[k] = Σ_n x[n] e^{∓2πi (k−c)(n−c)/N} / √N with c = ⌊N/2⌋.
    func naiveCentredDFT(_ x: ComplexArray, inverse: Bool) -> ComplexArray {
        let h = x.shape[x.rank - 2], w = x.shape[x.rank - 1]
        let batch = x.count / (h * w)
        let sign: Double = inverse ? 1 : -1
        var out = ComplexArray(zeros: x.shape)
        for b in 0..<batch {
            for ky in 0..<h {
                for kx in 0..<w {
                    var re = 0.0, im = 0.0
                    for y in 0..<h {
                        for xx in 0..<w {
                            let phase = sign * 2 * Double.pi * (Double((ky - h / 2) * (y - h / 2)) / Double(h)
                                                                  + Double((kx - w / 2) * (xx - w / 2)) / Double(w))
                            let v = x[flat: b * h * w + y * w + xx]
                            re += Double(v.re) * cos(phase) - Double(v.im) * sin(phase)
                            im += Double(v.re) * sin(phase) + Double(v.im) * cos(phase)
                        }
                    }
                    let s = 1 / Double(h * w).squareRoot()
                    out[flat: b * h * w + ky * w + kx] = Complex32(Float(re * s), Float(im * s))
                }
            }
        }
        return out
    }

    func testMatchesNaiveDFTForEvenOddAndMixedSizes() {
        for shape in [[2, 8, 6], [1, 5, 7], [3, 6, 5], [1, 4, 4], [2, 1, 9]] {
            let x = randomComplex(shape, seed: UInt64(shape.reduce(0, +)))
            assertClose(FFT.forward(x), naiveCentredDFT(x, inverse: false), relative: 1e-5, "forward \(shape)")
            assertClose(FFT.inverse(x), naiveCentredDFT(x, inverse: true), relative: 1e-5, "inverse \(shape)")
        }
    }

    func testParsevalAndRoundTrip() {
        for shape in [[4, 32, 24], [2, 17, 10]] {
            let x = randomComplex(shape, seed: 3)
            let k = FFT.forward(x)
            XCTAssertEqual(k.norm, x.norm, accuracy: 1e-5 * x.norm)
            assertClose(FFT.inverse(k), x, relative: 1e-6)
        }
    }

    func testCentredImpulseIsFlat() {
        // A delta at the centre pixel transforms to a constant 1/√N: the centring convention.
        var x = ComplexArray(zeros: [8, 8])
        x[4, 4] = .one
        let k = FFT.forward(x)
        for i in 0..<k.count { XCTAssertEqual(k[flat: i].re, 1.0 / 8, accuracy: 1e-6); XCTAssertEqual(k[flat: i].im, 0, accuracy: 1e-6) }
    }

    func testConcurrentTransformsAgree() {
        let x = randomComplex([3, 40, 40], seed: 5)
        let reference = FFT.forward(x)
        let results = UnsafeMutableBufferPointer<Double>.allocate(capacity: 16)
        defer { results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            results[i] = relativeError(FFT.forward(x), reference)
        }
        XCTAssertEqual(results.max()!, 0, accuracy: 1e-7)
    }
}
