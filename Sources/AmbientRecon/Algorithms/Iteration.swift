import AmbientCore

/// What an iterative algorithm reports after each iteration (for progress bars and logs).
public struct IterationReport: Sendable, Equatable {
    /// 1-based index of the iteration just finished.
    public let iteration: Int
    public let maxIterations: Int
    /// The algorithm's own convergence measure: the residual norm ‖b − (N + λI)x‖ for CG,
    /// the relative change ‖xₖ₊₁ − xₖ‖ / ‖xₖ₊₁‖ for FISTA and primal–dual.
    public let value: Double

    public init(iteration: Int, maxIterations: Int, value: Double) {
        self.iteration = iteration
        self.maxIterations = maxIterations
        self.value = value
    }
}

/// Called once per iteration; must not retain the report beyond the call's needs.
public typealias IterationCallback = (IterationReport) -> Void

// In-place vector kernels the algorithms share. They work on raw buffers so that the
// iterations allocate nothing beyond what the operator closures return.
extension NDArray where Element == Complex32 {
    /// Re⟨self, other⟩ = Σ Re(conj(aᵢ)·bᵢ), accumulated in double precision.
    func realDot(_ other: ComplexArray) -> Double {
        precondition(shape == other.shape, "realDot: shapes \(shape) and \(other.shape) differ")
        return withUnsafeBufferPointer { a in
            other.withUnsafeBufferPointer { b in
                a.baseAddress!.withMemoryRebound(to: Float.self, capacity: 2 * a.count) { fa in
                    b.baseAddress!.withMemoryRebound(to: Float.self, capacity: 2 * b.count) { fb in
                        var sum = 0.0
                        var partial: Float = 0
                        let n = 2 * a.count
                        var i = 0
                        // Float blocks of 1024 products keep rounding small and the loop vectorised.
                        while i < n {
                            let end = Swift.min(i + 1024, n)
                            partial = 0
                            for j in i..<end { partial += fa[j] * fb[j] }
                            sum += Double(partial)
                            i = end
                        }
                        return sum
                    }
                }
            }
        }
    }

    /// self = self · a + other · b (real scalars), element-wise.
    mutating func linearCombine(_ a: Float, _ other: ComplexArray, _ b: Float) {
        precondition(shape == other.shape, "linearCombine: shapes \(shape) and \(other.shape) differ")
        other.withUnsafeBufferPointer { src in
            withUnsafeMutableBufferPointer { dst in
                dst.baseAddress!.withMemoryRebound(to: Float.self, capacity: 2 * dst.count) { d in
                    src.baseAddress!.withMemoryRebound(to: Float.self, capacity: 2 * src.count) { s in
                        for i in 0..<(2 * dst.count) { d[i] = d[i] * a + s[i] * b }
                    }
                }
            }
        }
    }

    /// Copies `other` into self's storage (same shape), without allocating when self is unique.
    mutating func assign(_ other: ComplexArray) {
        precondition(shape == other.shape, "assign: shapes \(shape) and \(other.shape) differ")
        other.withUnsafeBufferPointer { src in
            withUnsafeMutableBufferPointer { dst in dst.baseAddress!.update(from: src.baseAddress!, count: src.count) }
        }
    }
}

/// ‖a − b‖² without forming a − b.
func distanceSquared(_ a: ComplexArray, _ b: ComplexArray) -> Double {
    a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            var sum = 0.0
            for i in 0..<pa.count { sum += Double((pa[i] - pb[i]).magnitudeSquared) }
            return sum
        }
    }
}
