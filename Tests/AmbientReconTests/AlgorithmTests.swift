import AmbientCore
import AmbientRecon
import AmbientTestSupport
import XCTest

/// The algorithms on problems whose solutions are known in closed form.
final class AlgorithmTests: XCTestCase {
    /// A Hermitian positive definite N = Bᴴ B + diag(d) on [6, 5] from a random SENSE operator.
    private func normalOperator() -> (ComplexArray) -> ComplexArray {
        let maps = randomComplex([3, 6, 5], seed: 21)
        let op = LinearOperator.sense(maps: maps, mask: RealArray(shape: [6, 5]) { Float($0 % 3 == 0 ? 0 : 1) })
        return { x in op.normal(x) }
    }

    func testConjugateGradientSolvesTheNormalEquations() {
        let normal = normalOperator()
        let truth = randomComplex([6, 5], seed: 5)
        let lambda: Float = 0.1
        var b = normal(truth)
        b.axpy(lambda, truth)
        var reports: [IterationReport] = []
        let x = conjugateGradient(normal: normal, rhs: b,
                                  config: ConjugateGradientConfig(maxIterations: 100, tolerance: 1e-7, lambda: lambda),
                                  callback: { reports.append($0) })
        assertClose(x, truth, relative: 1e-4, "(N + λI)⁻¹ b")
        XCTAssertFalse(reports.isEmpty)
        XCTAssertLessThanOrEqual(reports.count, 60, "CG converges in at most n = 30 steps in exact arithmetic")
        XCTAssertEqual(reports.first?.iteration, 1)
    }

    func testConjugateGradientWarmStartAndZeroRightHandSide() {
        let normal = normalOperator()
        let truth = randomComplex([6, 5], seed: 8)
        var b = normal(truth)
        b.axpy(Float(1), truth)
        let x = conjugateGradient(normal: normal, rhs: b, initial: truth,
                                  config: ConjugateGradientConfig(maxIterations: 5, tolerance: 1e-6, lambda: 1))
        assertClose(x, truth, relative: 1e-5, "starting at the solution stays there")
        let zero = conjugateGradient(normal: normal, rhs: ComplexArray(zeros: [6, 5]))
        XCTAssertEqual(zero.norm, 0)
    }

    /// min ½‖x − b‖² + λ‖x‖₁ has the solution soft(b, λ).
    func testFISTAFindsTheSoftThresholdedPoint() {
        let b = randomComplex([10, 10], seed: 2)
        let lambda: Float = 0.7
        var expected = b
        Proximal.softThreshold(&expected, threshold: lambda)
        var count = 0
        let x = fista(gradient: { x in x - b },
                      proximal: { v, step in Proximal.softThreshold(&v, threshold: step * lambda) },
                      initial: ComplexArray(zeros: [10, 10]),
                      config: FISTAConfig(maxIterations: 300, stepSize: 0.3, tolerance: 0),
                      callback: { _ in count += 1 })
        assertClose(x, expected, relative: 1e-4)
        XCTAssertEqual(count, 300)
    }

    func testFISTAStopsAtTolerance() {
        let b = randomComplex([4, 4], seed: 3)
        var count = 0
        _ = fista(gradient: { x in x - b }, proximal: { _, _ in }, initial: ComplexArray(zeros: [4, 4]),
                  config: FISTAConfig(maxIterations: 500, stepSize: 0.5, tolerance: 1e-3), callback: { _ in count += 1 })
        XCTAssertLessThan(count, 500)
    }

    /// The same problem through primal–dual: K = I, F(z) = ½‖z − b‖², G = λ‖x‖₁.
    func testPrimalDualFindsTheSoftThresholdedPoint() {
        let b = randomComplex([8, 8], seed: 4)
        let lambda: Float = 0.5
        var expected = b
        Proximal.softThreshold(&expected, threshold: lambda)
        let x = primalDual(forward: { [$0] }, adjoint: { $0[0] },
                           proximalDual: { u, sigma in u[0].linearCombineForTest(1 / (1 + sigma), b, -sigma / (1 + sigma)) },
                           proximalPrimal: { x, tau in Proximal.softThreshold(&x, threshold: tau * lambda) },
                           initial: ComplexArray(zeros: [8, 8]),
                           config: PrimalDualConfig(maxIterations: 400, operatorNormBound: 1))
        assertClose(x, expected, relative: 1e-3)
    }

    func testProximalMaps() {
        var z = ComplexArray(shape: [3], elements: [Complex32(3, 4), Complex32(0.3, -0.4), .zero])
        Proximal.softThreshold(&z, threshold: 1)
        XCTAssertEqual(z[0].re, 2.4, accuracy: 1e-6, "|z| 5 → 4, phase kept")
        XCTAssertEqual(z[0].im, 3.2, accuracy: 1e-6)
        XCTAssertEqual(z[1], .zero, "|z| < t → 0")
        XCTAssertEqual(z[2], .zero)

        var u = ComplexArray(shape: [2, 1, 2], elements: [Complex32(3, 0), Complex32(0.1, 0), Complex32(0, 4), Complex32(0.1, 0)])
        Proximal.projectPixelNorms(&u, radius: 1)
        XCTAssertEqual(u[0, 0, 0].re, 0.6, accuracy: 1e-6, "(3, 4i) has norm 5 → scaled to norm 1")
        XCTAssertEqual(u[1, 0, 0].im, 0.8, accuracy: 1e-6)
        XCTAssertEqual(u[0, 0, 1], Complex32(0.1, 0), "inside the ball: unchanged")
    }

    func testGradientOperator() {
        let grad = LinearOperator.gradient2D(height: 6, width: 7)
        assertAdjoint(grad)
        let ramp = ComplexArray(shape: [6, 7]) { i in Complex32(Float(i % 7), 0) }
        let g = grad.forward(ramp)
        XCTAssertEqual(g[1, 2, 3], Complex32(1, 0), "∂x of a ramp in x")
        XCTAssertEqual(g[0, 2, 3], .zero, "∂y of a ramp in x")
        XCTAssertEqual(g[1, 2, 6], Complex32(-6, 0), "periodic wrap at the right edge")
        // ‖∇‖² ≤ 8: the checkerboard attains it.
        let checker = ComplexArray(shape: [6, 6]) { i in Complex32((i / 6 + i % 6) % 2 == 0 ? 1 : -1, 0) }
        let grad6 = LinearOperator.gradient2D(height: 6, width: 6)
        XCTAssertEqual(grad6.forward(checker).normSquared / checker.normSquared, 8, accuracy: 1e-5)
    }
}

extension NDArray where Element == Complex32 {
    /// self = a·self + b·other (the test's own copy of the algorithms' internal kernel).
    mutating func linearCombineForTest(_ a: Float, _ other: ComplexArray, _ b: Float) {
        self = self * a + other * b
    }
}
