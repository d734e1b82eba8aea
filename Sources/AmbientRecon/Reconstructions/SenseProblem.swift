import AmbientCore

/// A validated multi-coil Cartesian problem y = M F S x + noise, shared by the reconstructions:
/// k-space [C, H, W], sensitivity maps [C, H, W], sampling mask [H, W].
struct SenseProblem {
    let kspace: ComplexArray
    let maps: ComplexArray
    let mask: RealArray
    let forwardModel: LinearOperator

    var height: Int { maps.shape[1] }
    var width: Int { maps.shape[2] }

    init(kspace: ComplexArray, maps: ComplexArray, mask: RealArray) throws {
        guard kspace.rank == 3 else {
            throw AmbientError(.badShape, "kspace", "expected [coils, ky, kx], got shape \(kspace.shape)")
        }
        guard maps.shape == kspace.shape else {
            throw AmbientError(.badShape, "maps", "sensitivity maps \(maps.shape) do not match k-space \(kspace.shape)")
        }
        guard mask.shape == Array(kspace.shape.suffix(2)) else {
            throw AmbientError(.badShape, "mask", "mask \(mask.shape) does not match the k-space plane \(Array(kspace.shape.suffix(2)))")
        }
        guard kspace.count > 0 else { throw AmbientError(.badShape, "kspace", "k-space is empty: \(kspace.shape)") }
        try kspace.requireFinite("kspace")
        try maps.requireFinite("maps")
        try mask.requireFinite("mask")
        if mask.minimum < 0 { throw AmbientError(.badValue, "mask", "mask has negative weights (min \(mask.minimum))") }
        self.kspace = kspace
        self.maps = maps
        self.mask = mask
        forwardModel = .sense(maps: maps, mask: mask)
    }

    /// An upper bound on ‖A‖² = ‖AᴴA‖: max(m²) · maxₚ Σ_c |s_c(p)|², since F is unitary.
    /// Equals 1 for normalised (ESPIRiT) maps and a binary mask.
    var normalBound: Float {
        let c = maps.shape[0], plane = height * width
        let coilEnergy: Float = maps.withUnsafeBufferPointer { s in
            var best: Float = 0
            for p in 0..<plane {
                var sum: Float = 0
                for coil in 0..<c { sum += s[coil * plane + p].magnitudeSquared }
                best = max(best, sum)
            }
            return best
        }
        let maskMax = mask.withUnsafeBufferPointer { m in m.reduce(Float(0)) { max($0, $1 * $1) } }
        return coilEnergy * maskMax
    }
}

func requireNonNegative(_ value: Float, _ name: String) throws {
    guard value.isFinite, value >= 0 else {
        throw AmbientError(.badArgument, name, "must be a finite number ≥ 0, got \(value)")
    }
}

func requirePositive(_ value: Int, _ name: String) throws {
    guard value > 0 else { throw AmbientError(.badArgument, name, "must be ≥ 1, got \(value)") }
}
