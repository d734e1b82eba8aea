import AmbientCore
import XCTest

/// Reusable law checkers for tests (in the spirit of BART's lintest and swift-collections'
/// test support). Tolerances are relative to the size of the quantities compared.

/// Relative error ‖a − b‖ / max(‖b‖, tiny).
public func relativeError(_ a: ComplexArray, _ b: ComplexArray) -> Double {
    precondition(a.shape == b.shape, "relativeError: shapes \(a.shape) and \(b.shape) differ")
    return (a - b).norm / max(b.norm, 1e-30)
}

public func relativeError(_ a: RealArray, _ b: RealArray) -> Double {
    precondition(a.shape == b.shape, "relativeError: shapes \(a.shape) and \(b.shape) differ")
    return (a - b).norm / max(b.norm, 1e-30)
}

/// Asserts ‖a − b‖ ≤ tolerance · ‖b‖.
public func assertClose(_ a: ComplexArray, _ b: ComplexArray, relative tolerance: Double,
                        _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.shape, b.shape, "shapes differ \(message)", file: file, line: line)
    guard a.shape == b.shape else { return }
    let e = relativeError(a, b)
    XCTAssertLessThanOrEqual(e, tolerance, "relative error \(e) > \(tolerance) \(message)", file: file, line: line)
}

public func assertClose(_ a: RealArray, _ b: RealArray, relative tolerance: Double,
                        _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.shape, b.shape, "shapes differ \(message)", file: file, line: line)
    guard a.shape == b.shape else { return }
    let e = relativeError(a, b)
    XCTAssertLessThanOrEqual(e, tolerance, "relative error \(e) > \(tolerance) \(message)", file: file, line: line)
}

/// Asserts max |a − b| ≤ tolerance (absolute), for parity with a reference implementation.
public func assertMaxAbsDifference(_ a: [Float], _ b: [Float], atMost tolerance: Float,
                                   _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "lengths differ \(message)", file: file, line: line)
    let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
    XCTAssertLessThanOrEqual(worst, tolerance, "max abs difference \(worst) > \(tolerance) \(message)", file: file, line: line)
}

/// Random complex array from a seed (test inputs).
public func randomComplex(_ shape: [Int], seed: UInt64) -> ComplexArray {
    var rng = SeededGenerator(seed: seed)
    return ComplexArray.gaussianNoise(shape: shape, variance: 1, using: &rng)
}

/// The adjoint test ⟨A x, y⟩ = ⟨x, Aᴴ y⟩ for random x, y; returns the relative mismatch.
public func adjointMismatch(_ op: LinearOperator, seed: UInt64 = 1) -> Double {
    let x = randomComplex(op.inputShape, seed: seed)
    let y = randomComplex(op.outputShape, seed: seed &+ 1)
    let lhs = op.forward(x).dot(y)
    let rhs = x.dot(op.adjoint(y))
    let diff = (lhs - rhs).magnitude
    return Double(diff) / Double(max(lhs.magnitude, rhs.magnitude, 1e-30))
}

/// Asserts the adjoint identity to `tolerance` relative, and that `normal` equals AᴴA.
public func assertAdjoint(_ op: LinearOperator, tolerance: Double = 1e-5,
                          file: StaticString = #filePath, line: UInt = #line) {
    let mismatch = adjointMismatch(op)
    XCTAssertLessThanOrEqual(mismatch, tolerance, "\(op.name): ⟨Ax,y⟩ vs ⟨x,Aᴴy⟩ mismatch \(mismatch)", file: file, line: line)
    let x = randomComplex(op.inputShape, seed: 7)
    let e = relativeError(op.normal(x), op.adjoint(op.forward(x)))
    XCTAssertLessThanOrEqual(e, tolerance, "\(op.name): normal differs from AᴴA by \(e)", file: file, line: line)
}
