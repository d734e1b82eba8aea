import AmbientCore

/// Settings for `cgSenseRecon`.
public struct CGSenseConfig: Codable, Sendable, Equatable {
    /// Tikhonov weight λ ≥ 0 (BART `pics -l2 -r λ`; the solution does not depend on the data's
    /// scale, so no data scaling is needed).
    public var lambda: Float = 0
    public var maxIterations: Int = 30
    /// Relative residual at which CG stops.
    public var tolerance: Double = 1e-6

    public init(lambda: Float = 0, maxIterations: Int = 30, tolerance: Double = 1e-6) {
        self.lambda = lambda
        self.maxIterations = maxIterations
        self.tolerance = tolerance
    }
}

/// CG-SENSE (Pruessmann et al. 2001), with optional Tikhonov regularisation:
///
///     min_x ‖A x − y‖₂² + λ ‖x‖₂²,   A = M F S,
///
/// solved through the normal equations (AᴴA + λI) x = Aᴴ y by conjugate gradient from x₀ = 0.
///
/// - Parameters:
///   - kspace: y, [C, H, W] (unsampled entries are ignored through the mask).
///   - maps: S, [C, H, W] coil sensitivities.
///   - mask: M, [H, W] sampling weights.
/// - Returns: x, the image [H, W].
public func cgSenseRecon(kspace: ComplexArray, maps: ComplexArray, mask: RealArray,
                         config: CGSenseConfig = .init(), progress: IterationCallback? = nil) throws -> ComplexArray {
    try requireNonNegative(config.lambda, "lambda")
    try requirePositive(config.maxIterations, "maxIterations")
    let problem = try SenseProblem(kspace: kspace, maps: maps, mask: mask)
    let a = problem.forwardModel
    let rhs = a.adjoint(kspace)
    return conjugateGradient(normal: a.normal, rhs: rhs,
                             config: ConjugateGradientConfig(maxIterations: config.maxIterations,
                                                             tolerance: config.tolerance, lambda: config.lambda),
                             callback: progress)
}
