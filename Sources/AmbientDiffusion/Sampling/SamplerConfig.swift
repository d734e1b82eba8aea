import AmbientCore
import Foundation

/// The ODE solver of a diffusion sampler.
public enum SamplerSolver: String, Codable, Sendable, CaseIterable {
    /// First order: one network evaluation per step.
    case euler
    /// Heun's second-order correction (EDM's Algorithm 1/2): two evaluations per step but the last.
    case heun
}

/// Karras et al. (EDM, 2022) sampler settings, with the paper's defaults (NVlabs/edm generate.py):
/// N = 18 steps from σ_max = 80 to σ_min = 0.002 with ρ = 7, Heun, deterministic (S_churn = 0).
/// The stochastic variant adds noise γ·t_i (γ = min(S_churn/N, √2 − 1)) while S_min ≤ t_i ≤ S_max,
/// inflated by S_noise. JSON keys are snake_case; missing keys take the defaults; an infinite
/// S_max is written as absent.
public struct SamplerConfig: Codable, Equatable, Sendable {
    public var steps: Int = 18
    public var sigmaMin: Float = 0.002
    public var sigmaMax: Float = 80
    public var rho: Float = 7
    public var solver: SamplerSolver = .heun
    public var churn: Float = 0
    public var churnSigmaMin: Float = 0
    public var churnSigmaMax: Float = .infinity
    public var churnNoise: Float = 1

    public init(steps: Int = 18, sigmaMin: Float = 0.002, sigmaMax: Float = 80, rho: Float = 7, solver: SamplerSolver = .heun,
                churn: Float = 0, churnSigmaMin: Float = 0, churnSigmaMax: Float = .infinity, churnNoise: Float = 1) {
        self.steps = steps
        self.sigmaMin = sigmaMin
        self.sigmaMax = sigmaMax
        self.rho = rho
        self.solver = solver
        self.churn = churn
        self.churnSigmaMin = churnSigmaMin
        self.churnSigmaMax = churnSigmaMax
        self.churnNoise = churnNoise
    }

    enum CodingKeys: String, CodingKey {
        case steps, rho, solver
        case sigmaMin = "sigma_min", sigmaMax = "sigma_max", churn = "s_churn", churnSigmaMin = "s_min"
        case churnSigmaMax = "s_max", churnNoise = "s_noise"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SamplerConfig()
        steps = try c.decodeIfPresent(Int.self, forKey: .steps) ?? d.steps
        sigmaMin = try c.decodeIfPresent(Float.self, forKey: .sigmaMin) ?? d.sigmaMin
        sigmaMax = try c.decodeIfPresent(Float.self, forKey: .sigmaMax) ?? d.sigmaMax
        rho = try c.decodeIfPresent(Float.self, forKey: .rho) ?? d.rho
        solver = try c.decodeIfPresent(SamplerSolver.self, forKey: .solver) ?? d.solver
        churn = try c.decodeIfPresent(Float.self, forKey: .churn) ?? d.churn
        churnSigmaMin = try c.decodeIfPresent(Float.self, forKey: .churnSigmaMin) ?? d.churnSigmaMin
        churnSigmaMax = try c.decodeIfPresent(Float.self, forKey: .churnSigmaMax) ?? d.churnSigmaMax
        churnNoise = try c.decodeIfPresent(Float.self, forKey: .churnNoise) ?? d.churnNoise
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(steps, forKey: .steps)
        try c.encode(sigmaMin, forKey: .sigmaMin)
        try c.encode(sigmaMax, forKey: .sigmaMax)
        try c.encode(rho, forKey: .rho)
        try c.encode(solver, forKey: .solver)
        try c.encode(churn, forKey: .churn)
        try c.encode(churnSigmaMin, forKey: .churnSigmaMin)
        // JSON has no infinity: ∞ (no upper limit) is written as an absent key.
        if churnSigmaMax.isFinite { try c.encode(churnSigmaMax, forKey: .churnSigmaMax) }
        try c.encode(churnNoise, forKey: .churnNoise)
    }

    /// Checks the settings; errors name the JSON key.
    public func validated() throws -> SamplerConfig {
        func bad(_ key: String, _ message: String) -> AmbientError { AmbientError(.badArgument, key, message) }
        guard steps >= 1 else { throw bad("steps", "must be ≥ 1, got \(steps)") }
        guard sigmaMin > 0, sigmaMin.isFinite else { throw bad("sigma_min", "must be positive, got \(sigmaMin)") }
        guard sigmaMax >= sigmaMin, sigmaMax.isFinite else { throw bad("sigma_max", "must be finite and ≥ sigma_min (\(sigmaMin)), got \(sigmaMax)") }
        guard rho > 0, rho.isFinite else { throw bad("rho", "must be positive, got \(rho)") }
        guard churn >= 0, churn.isFinite else { throw bad("s_churn", "must be ≥ 0, got \(churn)") }
        guard churnSigmaMin >= 0, churnSigmaMax >= churnSigmaMin else {
            throw bad("s_min", "need 0 ≤ s_min ≤ s_max, got \(churnSigmaMin) and \(churnSigmaMax)")
        }
        guard churnNoise >= 0, churnNoise.isFinite else { throw bad("s_noise", "must be ≥ 0, got \(churnNoise)") }
        return self
    }

    /// EDM's noise levels t_0 = σ_max > … > t_{N−1} = σ_min, then t_N = 0 (N + 1 values):
    /// t_i = (σ_max^{1/ρ} + i/(N−1)·(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ. One step gives [σ_max, 0].
    public var noiseLevels: [Float] { edmNoiseLevels(steps: steps, sigmaMin: sigmaMin, sigmaMax: sigmaMax, rho: rho) }

    /// γ_i of step i at noise level t: min(S_churn/N, √2 − 1) inside [S_min, S_max], else 0.
    public func churnFactor(at t: Float) -> Float {
        guard churn > 0, t >= churnSigmaMin, t <= churnSigmaMax else { return 0 }
        return min(churn / Float(steps), Float(2).squareRoot() - 1)
    }

    /// Network evaluations per image: Heun skips the correction on the last step (t_N = 0).
    public var networkEvaluations: Int { solver == .heun ? 2 * steps - 1 : steps }
}

/// EDM's time steps (Karras et al. 2022, eq. 5) in double precision, rounded to Float, plus t_N = 0.
public func edmNoiseLevels(steps: Int, sigmaMin: Float, sigmaMax: Float, rho: Float) -> [Float] {
    precondition(steps >= 1, "edmNoiseLevels: steps must be ≥ 1")
    let lo = Foundation.pow(Double(sigmaMin), 1 / Double(rho)), hi = Foundation.pow(Double(sigmaMax), 1 / Double(rho))
    var levels = (0..<steps).map { i -> Float in
        let fraction = steps == 1 ? 0 : Double(i) / Double(steps - 1)
        return Float(Foundation.pow(hi + fraction * (lo - hi), Double(rho)))
    }
    levels.append(0)
    return levels
}

/// Parses a seed list as EDM's `--seeds`: comma-separated numbers and inclusive ranges,
/// "0-63,70" → 0, 1, …, 63, 70. Order is kept; duplicates are rejected (they would give identical samples).
public func parseSeeds(_ text: String) throws -> [UInt64] {
    var seeds: [UInt64] = []
    var seen = Set<UInt64>()
    func bad(_ message: String) -> AmbientError { AmbientError(.badArgument, "--seeds", message) }
    for rawPart in text.split(separator: ",", omittingEmptySubsequences: false) {
        let part = rawPart.trimmingCharacters(in: .whitespaces)
        guard !part.isEmpty else { throw bad("empty entry in '\(text)'") }
        let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
        let range: ClosedRange<UInt64>
        switch bounds.count {
        case 1:
            guard let value = UInt64(part) else { throw bad("'\(part)' is not a non-negative integer") }
            range = value...value
        case 2:
            guard let lo = UInt64(bounds[0]), let hi = UInt64(bounds[1]) else {
                throw bad("'\(part)' is not a range like 0-63")
            }
            guard lo <= hi else { throw bad("range '\(part)' runs backwards") }
            guard hi - lo < 1_000_000 else { throw bad("range '\(part)' has more than a million seeds") }
            range = lo...hi
        default:
            throw bad("'\(part)' is not a number or a range like 0-63")
        }
        for seed in range {
            guard seen.insert(seed).inserted else { throw bad("seed \(seed) is listed twice") }
            seeds.append(seed)
        }
    }
    return seeds
}
