import AmbientCore

/// One training item as the data holds it. Image-domain data gives the clean `image` (the corruption
/// A_i is simulated from it, fixed per index). k-space data gives the measured `kspace` (zeros where
/// not sampled), its coil `maps` and sampling `mask`; `image` is then an optional fully sampled
/// reference, needed only by the oracle objective. Images are scaled as docs/conventions.md says.
public struct TrainingExample: Sendable {
    /// [H, W]
    public var image: ComplexArray?
    /// [C, H, W]
    public var kspace: ComplexArray?
    /// [C, H, W]
    public var maps: ComplexArray?
    /// [H, W], 1 = sampled
    public var mask: RealArray?

    public init(image: ComplexArray) { self.image = image }

    public init(kspace: ComplexArray, maps: ComplexArray, mask: RealArray, reference: ComplexArray? = nil) {
        self.kspace = kspace
        self.maps = maps
        self.mask = mask
        image = reference
    }
}

/// Random-access training data. `example(at:)` is called from the background loader thread,
/// one call at a time, so implementations may read files (HDF5) there.
public protocol TrainingDataset: Sendable {
    var count: Int { get }
    /// [H, W] of every example.
    var planeShape: [Int] { get }
    func example(at index: Int) throws -> TrainingExample
}

/// Clean complex images held in memory, [N, H, W].
public struct InMemoryImageDataset: TrainingDataset {
    public let images: ComplexArray

    public init(images: ComplexArray) throws {
        guard images.rank == 3, images.shape[0] > 0 else {
            throw AmbientError(.badShape, "training images", "must be [N, H, W] with N ≥ 1, got \(images.shape)")
        }
        try images.requireFinite("training images")
        self.images = images
    }

    public var count: Int { images.shape[0] }
    public var planeShape: [Int] { Array(images.shape.suffix(2)) }
    public func example(at index: Int) throws -> TrainingExample { TrainingExample(image: images.slice(index)) }
}

/// Multi-coil slices held in memory: k-space and maps [N, C, H, W], masks [N, H, W] (or one [H, W]
/// for all), optional references [N, H, W].
public struct InMemoryKSpaceDataset: TrainingDataset {
    public let kspace: ComplexArray
    public let maps: ComplexArray
    public let masks: RealArray
    public let references: ComplexArray?

    public init(kspace: ComplexArray, maps: ComplexArray, masks: RealArray, references: ComplexArray? = nil) throws {
        guard kspace.rank == 4, kspace.shape[0] > 0 else {
            throw AmbientError(.badShape, "training k-space", "must be [N, C, H, W] with N ≥ 1, got \(kspace.shape)")
        }
        guard maps.shape == kspace.shape else {
            throw AmbientError(.badShape, "training maps", "must match the k-space shape \(kspace.shape), got \(maps.shape)")
        }
        let plane = Array(kspace.shape.suffix(2))
        guard masks.shape == plane || masks.shape == [kspace.shape[0]] + plane else {
            throw AmbientError(.badShape, "training masks", "must be \(plane) or \([kspace.shape[0]] + plane), got \(masks.shape)")
        }
        if let references, references.shape != [kspace.shape[0]] + plane {
            throw AmbientError(.badShape, "training references", "must be \([kspace.shape[0]] + plane), got \(references.shape)")
        }
        try kspace.requireFinite("training k-space")
        try maps.requireFinite("training maps")
        self.kspace = kspace
        self.maps = maps
        self.masks = masks
        self.references = references
    }

    public var count: Int { kspace.shape[0] }
    public var planeShape: [Int] { Array(kspace.shape.suffix(2)) }

    public func example(at index: Int) throws -> TrainingExample {
        TrainingExample(kspace: kspace.slice(index), maps: maps.slice(index),
                        mask: masks.rank == 2 ? masks : masks.slice(index), reference: references?.slice(index))
    }
}
