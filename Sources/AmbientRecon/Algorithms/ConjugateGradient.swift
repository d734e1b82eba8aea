import AmbientCore

/// Settings for `conjugateGradient` (defaults as BART's `iter_conjgrad_defaults` / `pics -l2`).
public struct ConjugateGradientConfig: Codable, Sendable, Equatable {
    /// Upper bound on iterations.
    public var maxIterations: Int = 30
    /// Stop when ‖r‖ ≤ tolerance · ‖b‖ (relative residual); 0 runs all iterations.
    public var tolerance: Double = 1e-6
    /// Tikhonov weight λ in (N + λI) x = b.
    public var lambda: Float = 0

    public init(maxIterations: Int = 30, tolerance: Double = 1e-6, lambda: Float = 0) {
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.lambda = lambda
    }
}

/// Conjugate gradient for (N + λI) x = b with N Hermitian positive semi-definite
/// (N = AᴴA for least squares), given only as a closure (BART `conjgrad`, SigPy `ConjugateGradient`).
///
/// - Parameters:
///   - normal: x ↦ N x. Must be Hermitian PSD; the result may be a fresh array.
///   - rhs: b.
///   - initial: x₀ (zeros when nil).
///   - callback: called after each iteration with the residual norm ‖r‖.
/// - Returns: the approximate solution.
public func conjugateGradient(normal: (ComplexArray) -> ComplexArray, rhs b: ComplexArray,
                              initial: ComplexArray? = nil, config: ConjugateGradientConfig = .init(),
                              callback: IterationCallback? = nil) -> ComplexArray {
    var x = initial ?? ComplexArray(zeros: b.shape)
    precondition(x.shape == b.shape, "conjugateGradient: initial \(x.shape) and rhs \(b.shape) differ")
    let lambda = config.lambda

    // r = b − (N + λI) x
    var r = b
    if initial != nil {
        var ax = normal(x)
        if lambda != 0 { ax.linearCombine(1, x, lambda) }
        r.linearCombine(1, ax, -1)
    }
    var p = r
    var rsOld = r.realDot(r)
    let stopSquared = config.tolerance * config.tolerance * b.realDot(b)
    if rsOld == 0 || rsOld <= stopSquared || config.maxIterations < 1 { return x }

    for iteration in 1...config.maxIterations {
        var ap = normal(p)
        if lambda != 0 { ap.linearCombine(1, p, lambda) }
        let pAp = p.realDot(ap)
        if pAp <= 0 { break }  // N + λI is singular along p: nothing more to gain
        let alpha = Float(rsOld / pAp)
        x.linearCombine(1, p, alpha)
        r.linearCombine(1, ap, -alpha)
        let rsNew = r.realDot(r)
        callback?(IterationReport(iteration: iteration, maxIterations: config.maxIterations, value: rsNew.squareRoot()))
        if rsNew <= stopSquared { break }
        p.linearCombine(Float(rsNew / rsOld), r, 1)  // p = r + β p
        rsOld = rsNew
    }
    return x
}
