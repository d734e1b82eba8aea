import AmbientCore

/// Settings for `fista` (defaults as BART's `pics` with FISTA: 0.95 step, no stopping rule).
public struct FISTAConfig: Codable, Sendable, Equatable {
    public var maxIterations: Int = 100
    /// Gradient step α. Convergence needs α ≤ 1/L with L the Lipschitz constant of ∇f
    /// (‖AᴴA‖ for f = ½‖Ax − y‖²).
    public var stepSize: Float = 0.95
    /// Stop when ‖xₖ₊₁ − xₖ‖ ≤ tolerance · ‖xₖ₊₁‖; 0 runs all iterations.
    public var tolerance: Double = 0

    public init(maxIterations: Int = 100, stepSize: Float = 0.95, tolerance: Double = 0) {
        self.maxIterations = maxIterations
        self.stepSize = stepSize
        self.tolerance = tolerance
    }
}

/// FISTA (Beck & Teboulle 2009) for min_x f(x) + g(x), f smooth, g with a cheap proximal map.
///
/// - Parameters:
///   - gradient: x ↦ ∇f(x). The returned array is used as scratch (it is overwritten).
///   - proximal: (v, α) ↦ prox_{α g}(v), in place.
///   - initial: x₀.
/// Each iteration: v = zₖ − α∇f(zₖ); xₖ₊₁ = prox_{αg}(v); tₖ₊₁ = (1 + √(1 + 4tₖ²))/2;
/// zₖ₊₁ = xₖ₊₁ + ((tₖ − 1)/tₖ₊₁)(xₖ₊₁ − xₖ).
public func fista(gradient: (ComplexArray) -> ComplexArray, proximal: (inout ComplexArray, Float) -> Void,
                  initial: ComplexArray, config: FISTAConfig = .init(), callback: IterationCallback? = nil) -> ComplexArray {
    var x = initial
    var z = initial
    var t: Float = 1
    let step = config.stepSize
    guard config.maxIterations > 0 else { return x }
    for iteration in 1...config.maxIterations {
        var v = gradient(z)
        precondition(v.shape == x.shape, "fista: gradient returned shape \(v.shape), expected \(x.shape)")
        v.linearCombine(-step, z, 1)  // v = z − α∇f(z)
        proximal(&v, step)
        let tNext = (1 + (1 + 4 * t * t).squareRoot()) / 2
        let momentum = (t - 1) / tNext
        var changeSquared = 0.0, normSquared = 0.0
        v.withUnsafeBufferPointer { xNew in
            x.withUnsafeMutableBufferPointer { xOld in
                z.withUnsafeMutableBufferPointer { zp in
                    for i in 0..<xNew.count {
                        let d = xNew[i] - xOld[i]
                        changeSquared += Double(d.magnitudeSquared)
                        normSquared += Double(xNew[i].magnitudeSquared)
                        zp[i] = xNew[i] + d * momentum
                        xOld[i] = xNew[i]
                    }
                }
            }
        }
        t = tNext
        let relativeChange = (changeSquared / max(normSquared, .leastNormalMagnitude)).squareRoot()
        callback?(IterationReport(iteration: iteration, maxIterations: config.maxIterations, value: relativeChange))
        if relativeChange <= config.tolerance { break }
    }
    return x
}
