import AmbientCore

/// Settings for `l1WaveletRecon`. Defaults follow BART's `pics -l1`: FISTA, step 0.95,
/// random wavelet shifts, BART's data scaling, the 4-tap Daubechies filter.
public struct L1WaveletConfig: Codable, Sendable, Equatable {
    /// Regularisation weight λ; its meaning depends on `dataScaling` (with `.bart`, the same
    /// number as `bart pics -l1 -r λ`).
    public var lambda: Float = 0.01
    public var iterations: Int = 100
    /// Orthogonal Daubechies wavelet with periodic boundaries. db2 has BART's `dau2` filter
    /// (BART extends symmetrically, a slightly redundant frame; see docs/recon.md).
    public var wavelet: DaubechiesWavelet = .db2
    /// Decomposition levels; nil picks the most that keep the coarsest band ≥ 16 pixels (BART's rule).
    public var levels: Int? = nil
    /// Cycle spinning: a fresh random circular shift of the wavelet grid in every iteration,
    /// as BART does unless `pics -n`. Suppresses blocky wavelet artefacts.
    public var randomShift: Bool = true
    /// Seed of the shift sequence.
    public var seed: UInt64 = 0
    /// FISTA step as a fraction of 1/‖AᴴA‖ (a bound from the maps and mask is used).
    public var stepSize: Float = 0.95
    public var dataScaling: DataScaling = .bart

    public init(lambda: Float = 0.01, iterations: Int = 100, wavelet: DaubechiesWavelet = .db2, levels: Int? = nil,
                randomShift: Bool = true, seed: UInt64 = 0, stepSize: Float = 0.95, dataScaling: DataScaling = .bart) {
        self.lambda = lambda
        self.iterations = iterations
        self.wavelet = wavelet
        self.levels = levels
        self.randomShift = randomShift
        self.seed = seed
        self.stepSize = stepSize
        self.dataScaling = dataScaling
    }
}

/// ℓ1-wavelet compressed-sensing reconstruction (Lustig et al. 2007):
///
///     min_x ½ ‖A x − y‖₂² + λ ‖Ψ x‖₁,   A = M F S,
///
/// with Ψ an orthogonal 2-D Daubechies wavelet transform and ‖·‖₁ the sum of complex magnitudes
/// over all coefficients (the coarse approximation band included, as in BART and SigPy).
/// Solved by FISTA from x₀ = 0 with step α = stepSize / ‖AᴴA‖ and prox
/// x ↦ Ψᴴ soft(Ψ x, αλ). With `dataScaling = .bart`, y is divided by s = `bartDataScale` first
/// and the result multiplied by s, i.e. the problem above is solved with λ · s.
///
/// - Parameters:
///   - kspace: y, [C, H, W].
///   - maps: S, [C, H, W] coil sensitivities.
///   - mask: M, [H, W] sampling weights.
///   - progress: called after each FISTA iteration.
/// - Returns: x, the image [H, W].
public func l1WaveletRecon(kspace: ComplexArray, maps: ComplexArray, mask: RealArray,
                           config: L1WaveletConfig = .init(), progress: IterationCallback? = nil) throws -> ComplexArray {
    try requireNonNegative(config.lambda, "lambda")
    try requirePositive(config.iterations, "iterations")
    guard config.stepSize > 0, config.stepSize.isFinite else {
        throw AmbientError(.badArgument, "stepSize", "must be > 0, got \(config.stepSize)")
    }
    let problem = try SenseProblem(kspace: kspace, maps: maps, mask: mask)
    let levels = config.levels ?? WaveletTransform2D.maximumLevels(height: problem.height, width: problem.width)
    guard levels >= 0 else { throw AmbientError(.badArgument, "levels", "must be ≥ 0, got \(levels)") }
    let psi = WaveletTransform2D(wavelet: config.wavelet, levels: levels)
    try psi.validate(shape: [problem.height, problem.width], subject: "kspace")

    let bound = problem.normalBound
    guard bound > 0 else { return ComplexArray(zeros: [problem.height, problem.width]) }  // A = 0
    let scale: Float = config.dataScaling == .bart ? try bartDataScale(kspace: kspace, mask: mask) : 1
    let a = problem.forwardModel
    var adjointData = a.adjoint(kspace)
    adjointData.scale(by: 1 / scale)

    var rng = SeededGenerator(seed: config.seed)
    let shiftRange = UInt64(1) << UInt64(levels)
    let lambda = config.lambda
    var x = fista(
        gradient: { z in
            var g = a.normal(z)
            g.linearCombine(1, adjointData, -1)  // AᴴA z − Aᴴy
            return g
        },
        proximal: { v, step in
            var dy = 0, dx = 0
            if config.randomShift && levels > 0 {
                // Shifts by whole multiples of 2^levels only permute coefficients: [0, 2^levels) covers all.
                dy = Int(rng.next() % shiftRange)
                dx = Int(rng.next() % shiftRange)
            }
            Proximal.waveletSoftThreshold(&v, threshold: step * lambda, transform: psi, shiftY: dy, shiftX: dx)
        },
        initial: ComplexArray(zeros: [problem.height, problem.width]),
        config: FISTAConfig(maxIterations: config.iterations, stepSize: config.stepSize / bound),
        callback: progress)
    x.scale(by: scale)
    return x
}
