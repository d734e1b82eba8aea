import AmbientCore
import AmbientRecon

/// The reconstruction methods `ambient recon` offers.
public enum ReconMethod: String, Codable, CaseIterable {
    case zeroFilled = "zero-filled"
    case sense
    case l1Wavelet = "l1-wavelet"
    case tv

    public var needsMaps: Bool { self != .zeroFilled }
}

/// Everything that decides a reconstruction; saved as recon_options.json beside the outputs.
public struct ReconSettings: Codable {
    public var method: ReconMethod
    public var lambda: Float?
    public var iterations: Int?
    public var espirit = ESPIRiTConfig()
    public var shard = Shard.all

    /// One slice → complex image [H, W]. Maps: the slice's own, else ESPIRiT on its calibration
    /// region; zero-filled without maps is the root-sum-of-squares.
    public func reconstruct(_ slice: ScanSlice, subject: String) throws -> ComplexArray {
        var maps = slice.maps
        if maps == nil && method.needsMaps {
            maps = try ESPIRiT.sensitivities(kspace: slice.kspace, config: espirit, subject: subject)
        }
        switch method {
        case .zeroFilled:
            return try zeroFilledRecon(kspace: slice.kspace, maps: maps, mask: slice.mask)
        case .sense:
            var config = CGSenseConfig()
            if let lambda { config.lambda = lambda }
            if let iterations { config.maxIterations = iterations }
            return try cgSenseRecon(kspace: slice.kspace, maps: maps!, mask: slice.mask, config: config)
        case .l1Wavelet:
            var config = L1WaveletConfig()
            if let lambda { config.lambda = lambda }
            if let iterations { config.iterations = iterations }
            return try l1WaveletRecon(kspace: slice.kspace, maps: maps!, mask: slice.mask, config: config)
        case .tv:
            var config = TotalVariationConfig()
            if let lambda { config.lambda = lambda }
            if let iterations { config.iterations = iterations }
            return try totalVariationRecon(kspace: slice.kspace, maps: maps!, mask: slice.mask, config: config)
        }
    }
}

/// The centre `size` of an image [H, W] (fastMRI crops reconstructions to the recon matrix);
/// unchanged when it is already that size or smaller.
public func centreCrop(_ image: RealArray, to size: [Int]?) -> RealArray {
    guard let size, size.count == 2, image.rank == 2 else { return image }
    let h = image.shape[0], w = image.shape[1]
    let ch = min(h, size[0]), cw = min(w, size[1])
    if ch == h && cw == w { return image }
    let top = (h - ch) / 2, left = (w - cw) / 2
    return RealArray(shape: [ch, cw]) { i in image[flat: (top + i / cw) * w + left + i % cw] }
}
