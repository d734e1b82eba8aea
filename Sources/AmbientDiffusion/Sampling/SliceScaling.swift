import AmbientCore

/// The scale that brings a slice to the networks' units (docs/conventions.md, Scaling): the
/// `percentile` (default 99th) magnitude of the zero-filled coil-combined image Aᴴy = Sᴴ F⁻¹ M y.
/// Samplers divide y by it and multiply their output back. Training data scaled the same way
/// (99th percentile of the zero-filled image = 1) then matches what the network saw.
public func zeroFilledScale(kspace: ComplexArray, maps: ComplexArray, mask: RealArray, percentile: Double = 0.99,
                            subject: String = "slice") throws -> Float {
    guard percentile > 0, percentile <= 1 else {
        throw AmbientError(.badArgument, subject, "scale percentile must lie in (0, 1], got \(percentile)")
    }
    let image = LinearOperator.sense(maps: maps, mask: mask).adjoint(kspace)
    let scale = magnitudePercentile(image, percentile)
    guard scale > 0, scale.isFinite else {
        throw AmbientError(.badValue, subject, "the zero-filled image is zero (no measured signal); cannot scale it")
    }
    return scale
}

/// The `percentile` magnitude (nearest rank) of a complex array.
func magnitudePercentile(_ x: ComplexArray, _ percentile: Double) -> Float {
    guard x.count > 0 else { return 0 }
    let sorted = x.magnitude.elements.sorted()
    let rank = Int((percentile * Double(sorted.count)).rounded(.up)) - 1
    return sorted[min(max(rank, 0), sorted.count - 1)]
}
