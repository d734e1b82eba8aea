import AmbientCore
import AmbientRecon

/// An optional last step that makes a sample agree with the measured k-space.
/// JSON form: `"none"`-like `{"none": {}}`, `{"replaceSampled": {}}`,
/// `{"conjugateGradient": {"iterations": 5, "weight": 0.1}}`.
public enum DataConsistencyProjection: Codable, Sendable, Equatable {
    case none
    /// Coil k-space F S x with the sampled entries replaced by y, combined back with the maps:
    /// x' = Sᴴ F⁻¹ ((1 − M) F S x + M y) (with Σ_c |S_c|² = 1). Exactly consistent for one coil; with
    /// several coils the replaced coil images leave the range of S, so this is one step towards the data
    /// (use `conjugateGradient` for a least-squares fit).
    case replaceSampled
    /// A few CG iterations on ‖A x − y‖² + μ‖x − x̂‖², i.e. (AᴴA + μI) x = Aᴴy + μx̂, started at x̂.
    case conjugateGradient(iterations: Int, weight: Float)

    func validate() throws {
        if case let .conjugateGradient(iterations, weight) = self {
            guard iterations >= 1, weight >= 0, weight.isFinite else {
                throw AmbientError(.badArgument, "data_consistency", "CG needs iterations ≥ 1 and weight ≥ 0, got \(iterations), \(weight)")
            }
        }
    }

    /// The projected image [H, W] for `kspace` y [C, H, W] (already masked), `maps`, `mask`.
    public func apply(_ x: ComplexArray, kspace y: ComplexArray, maps: ComplexArray, mask: RealArray) -> ComplexArray {
        switch self {
        case .none:
            return x
        case .replaceSampled:
            let coils = LinearOperator.coilSensitivities(maps)
            var k = FFT.forward(coils.forward(x))
            k.withUnsafeMutableBufferPointer { kp in
                y.withUnsafeBufferPointer { yp in
                    mask.withUnsafeBufferPointer { m in
                        let n = m.count
                        for i in 0..<kp.count { kp[i] += (yp[i] - kp[i]) * m[i % n] }
                    }
                }
            }
            return coils.adjoint(FFT.inverse(k))
        case let .conjugateGradient(iterations, weight):
            let a = LinearOperator.sense(maps: maps, mask: mask)
            var rhs = a.adjoint(y)
            rhs.axpy(weight, x)
            return AmbientRecon.conjugateGradient(normal: a.normal, rhs: rhs, initial: x,
                                     config: ConjugateGradientConfig(maxIterations: iterations, tolerance: 0, lambda: weight))
        }
    }
}
