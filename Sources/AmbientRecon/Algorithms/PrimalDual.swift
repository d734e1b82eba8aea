import AmbientCore

/// Settings for `primalDual` (Chambolle–Pock).
public struct PrimalDualConfig: Codable, Sendable, Equatable {
    public var maxIterations: Int = 100
    /// Upper bound L on ‖K‖ (operator norm). Steps are τ = 0.99·√r / L and σ = 0.99 / (√r·L),
    /// which satisfy the convergence condition τσ‖K‖² < 1.
    public var operatorNormBound: Float = 1
    /// r = τ/σ, the balance between primal and dual steps (1 is the textbook choice; larger
    /// moves the image faster when the dual variables live on a larger scale).
    public var stepRatio: Float = 1
    /// Extrapolation θ ∈ [0, 1]; 1 is the standard choice.
    public var theta: Float = 1
    /// Stop when ‖xₖ₊₁ − xₖ‖ ≤ tolerance · ‖xₖ₊₁‖; 0 runs all iterations.
    public var tolerance: Double = 0

    public init(maxIterations: Int = 100, operatorNormBound: Float = 1, stepRatio: Float = 1, theta: Float = 1,
                tolerance: Double = 0) {
        self.maxIterations = maxIterations
        self.operatorNormBound = operatorNormBound
        self.stepRatio = stepRatio
        self.theta = theta
        self.tolerance = tolerance
    }
}

/// First-order primal–dual algorithm (Chambolle & Pock 2011) for min_x F(Kx) + G(x).
///
/// The dual variable is a list of blocks so that K can stack operators with different output
/// shapes (K = [A; ∇] for TV-regularised reconstruction).
///
/// - Parameters:
///   - forward: x ↦ K x as blocks.
///   - adjoint: blocks ↦ Kᴴ u.
///   - proximalDual: (u, σ) ↦ prox_{σF*}(u), in place.
///   - proximalPrimal: (x, τ) ↦ prox_{τG}(x), in place.
///   - initial: x₀; the dual starts at zero.
/// Each iteration: uₖ₊₁ = prox_{σF*}(uₖ + σK x̄ₖ); xₖ₊₁ = prox_{τG}(xₖ − τKᴴuₖ₊₁);
/// x̄ₖ₊₁ = xₖ₊₁ + θ(xₖ₊₁ − xₖ).
public func primalDual(forward: (ComplexArray) -> [ComplexArray], adjoint: ([ComplexArray]) -> ComplexArray,
                       proximalDual: (inout [ComplexArray], Float) -> Void,
                       proximalPrimal: (inout ComplexArray, Float) -> Void,
                       initial: ComplexArray, config: PrimalDualConfig = .init(),
                       callback: IterationCallback? = nil) -> ComplexArray {
    precondition(config.operatorNormBound > 0 && config.stepRatio > 0, "primalDual: operatorNormBound and stepRatio must be positive")
    let tau = 0.99 * config.stepRatio.squareRoot() / config.operatorNormBound
    let sigma = 0.99 / (config.stepRatio.squareRoot() * config.operatorNormBound)
    var x = initial
    var xBar = initial
    var u = forward(initial).map { ComplexArray(zeros: $0.shape) }
    guard config.maxIterations > 0 else { return x }
    for iteration in 1...config.maxIterations {
        let kx = forward(xBar)
        precondition(kx.count == u.count, "primalDual: forward returned \(kx.count) blocks, expected \(u.count)")
        for b in u.indices { u[b].linearCombine(1, kx[b], sigma) }
        proximalDual(&u, sigma)
        var xNew = adjoint(u)
        xNew.linearCombine(-tau, x, 1)  // x − τ Kᴴu
        proximalPrimal(&xNew, tau)
        var changeSquared = 0.0, normSquared = 0.0
        let theta = config.theta
        xNew.withUnsafeBufferPointer { xn in
            x.withUnsafeMutableBufferPointer { xo in
                xBar.withUnsafeMutableBufferPointer { xb in
                    for i in 0..<xn.count {
                        let d = xn[i] - xo[i]
                        changeSquared += Double(d.magnitudeSquared)
                        normSquared += Double(xn[i].magnitudeSquared)
                        xb[i] = xn[i] + d * theta
                        xo[i] = xn[i]
                    }
                }
            }
        }
        let relativeChange = (changeSquared / max(normSquared, .leastNormalMagnitude)).squareRoot()
        callback?(IterationReport(iteration: iteration, maxIterations: config.maxIterations, value: relativeChange))
        if relativeChange <= config.tolerance && iteration > 1 { break }
    }
    return x
}
