import AmbientCore

/// Zero-filled reconstruction: the adjoint of the forward model applied to the data.
///
/// - With maps, k-space [C, H, W]: x = Aᴴ y = Σ_c conj(s_c) · F⁻¹(M y_c), the SENSE coil
///   combination (for normalised maps, Σ_c |s_c|² = 1, this is the least-squares coil combination
///   of the zero-filled coil images).
/// - Without maps, k-space [H, W] (single coil): x = F⁻¹(M y).
/// - Without maps, k-space [C, H, W]: the root-sum-of-squares √(Σ_c |F⁻¹(M y_c)|²), returned as a
///   complex array with zero imaginary part.
///
/// - Parameters:
///   - kspace: [C, H, W] or [H, W].
///   - maps: [C, H, W] coil sensitivities, or nil.
///   - mask: [H, W] sampling weights; nil when `kspace` is already zero where unsampled.
/// - Returns: the image [H, W].
public func zeroFilledRecon(kspace: ComplexArray, maps: ComplexArray? = nil, mask: RealArray? = nil) throws -> ComplexArray {
    guard kspace.rank == 2 || kspace.rank == 3 else {
        throw AmbientError(.badShape, "kspace", "expected [coils, ky, kx] or [ky, kx], got shape \(kspace.shape)")
    }
    let plane = Array(kspace.shape.suffix(2))
    let weights = mask ?? RealArray(shape: plane, repeating: 1)
    if let maps {
        let problem = try SenseProblem(kspace: kspace, maps: maps, mask: weights)
        return problem.forwardModel.adjoint(kspace)
    }
    guard weights.shape == plane else {
        throw AmbientError(.badShape, "mask", "mask \(weights.shape) does not match the k-space plane \(plane)")
    }
    try kspace.requireFinite("kspace")
    try weights.requireFinite("mask")
    let images = FFT.inverse(LinearOperator.mask(weights, shape: kspace.shape).forward(kspace))
    if kspace.rank == 2 { return images }
    let coils = kspace.shape[0], n = plane[0] * plane[1]
    return images.withUnsafeBufferPointer { p in
        ComplexArray(shape: plane) { out in
            for i in 0..<n {
                var sum: Float = 0
                for c in 0..<coils { sum += p[c * n + i].magnitudeSquared }
                out[i] = Complex32(sum.squareRoot(), 0)
            }
        }
    }
}
