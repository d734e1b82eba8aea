import AmbientCore

/// Which evaluation of a step a denoiser call is: the predictor at (x̂, t̂) or Heun's corrector at
/// (x_{i+1}, t_{i+1}).
enum EDMEvaluation { case predictor, corrector }

/// EDM's sampler (Karras et al. 2022, Algorithm 2; Algorithm 1 when S_churn = 0) over a batch of
/// complex images [B, H, W], each with its own seeded noise stream:
///   x_0 = t_0·n,  t̂ = t_i(1 + γ_i),  x̂ = x_i + √(t̂² − t_i²)·S_noise·ε,
///   d = (x̂ − D(x̂; t̂))/t̂,  x_{i+1} = x̂ + (t_{i+1} − t̂)·d,
///   Heun (t_{i+1} > 0): d' = (x_{i+1} − D(x_{i+1}; t_{i+1}))/t_{i+1},  x_{i+1} = x̂ + (t_{i+1} − t̂)(d + d')/2.
/// Noise is complex with unit variance per real channel, as training's EDM noise.
/// `afterStep(x_{i+1}, i, x̂, t̂)` may modify the new state (posterior samplers' likelihood step).
/// `start` [B, H, W] replaces x_0 = t_0·n by start + t_0·n: a warm start from an estimate noised to
/// t_0 = σ_max (Chung et al. 2022, "Come-Closer-Diffuse-Faster").
struct EDMIntegrator {
    let config: SamplerConfig

    func run(height: Int, width: Int, generators: inout [SeededGenerator], start: ComplexArray? = nil,
             denoise: (_ x: ComplexArray, _ sigma: Float, _ evaluation: EDMEvaluation) throws -> ComplexArray,
             afterStep: ((_ next: inout ComplexArray, _ step: Int) throws -> Void)? = nil,
             onStep: ((Int) -> Void)? = nil) throws -> ComplexArray {
        let b = generators.count, plane = height * width
        let t = config.noiseLevels
        var x = start ?? ComplexArray(zeros: [b, height, width])
        precondition(x.shape == [b, height, width], "EDMIntegrator: start must be [\(b), \(height), \(width)], got \(x.shape)")
        addNoise(to: &x, scale: t[0], plane: plane, generators: &generators)
        for i in 0..<config.steps {
            let tCur = t[i], tNext = t[i + 1]
            let gamma = config.churnFactor(at: tCur)
            let tHat = tCur + gamma * tCur
            if tHat > tCur {
                addNoise(to: &x, scale: (tHat * tHat - tCur * tCur).squareRoot() * config.churnNoise, plane: plane, generators: &generators)
            }
            let xHat = x
            let d = slope(xHat, try denoise(xHat, tHat, .predictor), tHat)
            var next = xHat
            next.axpy(tNext - tHat, d)
            if config.solver == .heun && tNext > 0 {
                let dNext = slope(next, try denoise(next, tNext, .corrector), tNext)
                next = xHat
                next.axpy(0.5 * (tNext - tHat), d + dNext)
            }
            try afterStep?(&next, i)
            x = next
            onStep?(i + 1)
        }
        return x
    }

    /// (x − D)/t
    private func slope(_ x: ComplexArray, _ denoised: ComplexArray, _ t: Float) -> ComplexArray {
        x.zipMap(denoised, "EDM slope") { ($0 - $1) * (1 / t) }
    }

    /// x_b += scale·n_b with n_b from image b's own generator (unit variance per real channel).
    private func addNoise(to x: inout ComplexArray, scale: Float, plane: Int, generators: inout [SeededGenerator]) {
        x.withUnsafeMutableBufferPointer { p in
            for b in 0..<generators.count {
                for i in (b * plane)..<((b + 1) * plane) {
                    p[i] += Complex32(generators[b].nextNormal(), generators[b].nextNormal()) * scale
                }
            }
        }
    }
}
