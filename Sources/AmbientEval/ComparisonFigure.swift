import AmbientCore
import AmbientIO

/// Gain applied to |error| maps in comparison figures, so that small errors are visible.
public let comparisonErrorGain: Float = 5

/// Writes a PNG grid comparing reconstructions of one image [H, W] (magnitudes):
///
///     truth        method 1        method 2 …
///     uncertainty  err x5 m1       err x5 m2 …   (the built-in font has no "|")
///
/// Truth and reconstructions share one scale (0 … the truth's maximum); error maps are
/// |reconstruction − truth| × 5 on that same scale (clipped); the uncertainty map (e.g. the
/// per-pixel standard deviation of posterior samples) is shown 0 … its own maximum. Without an
/// uncertainty map its cell is left blank.
public func comparisonFigure(truth: RealArray, reconstructions: [(String, RealArray)],
                             uncertainty: RealArray?, to path: String) throws {
    guard truth.rank == 2 else { throw AmbientError(.badShape, path, "truth must be [H, W], got \(truth.shape)") }
    guard !reconstructions.isEmpty else { throw AmbientError(.badArgument, path, "no reconstructions to compare") }
    for (name, image) in reconstructions where image.shape != truth.shape {
        throw AmbientError(.badShape, path, "reconstruction '\(name)' is \(image.shape), truth is \(truth.shape)")
    }
    if let uncertainty, uncertainty.shape != truth.shape {
        throw AmbientError(.badShape, path, "uncertainty map is \(uncertainty.shape), truth is \(truth.shape)")
    }
    try truth.requireFiniteValues(path, what: "truth")
    for (name, image) in reconstructions { try image.requireFiniteValues(path, what: "reconstruction '\(name)'") }

    // Every panel is put on 0…1 here and drawn with a shared scale whose maximum is 1 (the truth's
    // maximum, or a blank cell), so that the stated gain holds across panels.
    let peak = max(truth.maximum, .leastNormalMagnitude)
    func display(_ image: RealArray, scale: Float) -> RealArray { image.map { min(max($0 * scale, 0), 1) } }
    let blank = RealArray(shape: truth.shape, repeating: 1)

    var panels = [ImagePanel(title: "truth", image: display(truth, scale: 1 / peak))]
    for (name, image) in reconstructions { panels.append(ImagePanel(title: name, image: display(image, scale: 1 / peak))) }
    if let uncertainty {
        panels.append(ImagePanel(title: "uncertainty", image: display(uncertainty, scale: 1 / max(uncertainty.maximum, .leastNormalMagnitude))))
    } else {
        panels.append(ImagePanel(title: "", image: blank))
    }
    let gainLabel = "x\(Int(comparisonErrorGain))"
    for (name, image) in reconstructions {
        let error = image.zipMap(truth) { abs($0 - $1) }
        panels.append(ImagePanel(title: "err \(gainLabel) \(name)", image: display(error, scale: comparisonErrorGain / peak)))
    }
    try Figures.writeGrid(panels, to: path, columns: reconstructions.count + 1, sharedScale: true)
}
