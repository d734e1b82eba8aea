import AmbientCore
import Foundation

/// An acquisition / corruption protocol: how clean images become the measured data AmbientMRI
/// trains on and reconstructs (matrix, coils, sampling mask, noise, image-domain corruptions,
/// and Ambient's further corruption). Stored as JSON in protocols/; every command that takes
/// `--protocol FILE` applies command-line overrides on top and writes the resolved protocol
/// beside its outputs.
public struct AcquisitionProtocol: Codable, Sendable, Equatable {
    public var name: String
    public var description: String = ""
    /// Image / k-space matrix [H, W].
    public var matrix: [Int] = [64, 64]
    /// Simulated receive coils (1 = single coil).
    public var coils: Int = 8
    /// The sampling mask (per slice, seeded by file name + slice + `seed`).
    public var mask: MaskSpec = .cartesianRandom(acceleration: 4, centerFraction: 0.08)
    /// Optional image-domain corruption (e.g. boxes) applied to the image before simulation.
    public var imageCorruption: MaskSpec?
    /// Ambient's further corruption for training (Ã = B·A); nil for plain training.
    public var furtherCorruption: FurtherCorruption?
    /// Complex Gaussian noise added to k-space at this SNR in dB (nil: no noise).
    public var snrDB: Float?
    /// Multiply images by a smooth random phase (makes magnitude images complex).
    public var randomPhase: Bool = true
    /// Global seed mixed into every per-slice seed.
    public var seed: UInt64 = 0

    public init(name: String) { self.name = name }

    enum CodingKeys: String, CodingKey {
        case name, description, matrix, coils, mask, imageCorruption, furtherCorruption, snrDB = "snrDb", randomPhase, seed
    }

    /// Every key but `name` is optional in the JSON and takes the default above.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = AcquisitionProtocol(name: try c.decode(String.self, forKey: .name))
        name = defaults.name
        description = try c.decodeIfPresent(String.self, forKey: .description) ?? defaults.description
        matrix = try c.decodeIfPresent([Int].self, forKey: .matrix) ?? defaults.matrix
        coils = try c.decodeIfPresent(Int.self, forKey: .coils) ?? defaults.coils
        mask = try c.decodeIfPresent(MaskSpec.self, forKey: .mask) ?? defaults.mask
        imageCorruption = try c.decodeIfPresent(MaskSpec.self, forKey: .imageCorruption)
        furtherCorruption = try c.decodeIfPresent(FurtherCorruption.self, forKey: .furtherCorruption)
        snrDB = try c.decodeIfPresent(Float.self, forKey: .snrDB)
        randomPhase = try c.decodeIfPresent(Bool.self, forKey: .randomPhase) ?? defaults.randomPhase
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? defaults.seed
    }

    public static func load(_ path: String) throws -> AcquisitionProtocol {
        let p = try ConfigFile.load(AcquisitionProtocol.self, from: path)
        try p.validate(source: path)
        return p
    }

    public func save(to path: String) throws { try ConfigFile.save(self, to: path) }

    public func validate(source: String) throws {
        guard matrix.count == 2, matrix.allSatisfy({ $0 > 0 }) else {
            throw AmbientError(.badValue, source, "matrix must be [H, W] with positive sizes, got \(matrix)")
        }
        guard coils >= 1 else { throw AmbientError(.badValue, source, "coils must be ≥ 1, got \(coils)") }
        if let snr = snrDB, !snr.isFinite { throw AmbientError(.badValue, source, "snr_db must be finite") }
    }

    /// The generator for one slice of one file: the same (protocol seed, file name, slice)
    /// always gives the same mask and noise, whatever order files are processed in.
    public func generator(file: String, slice: Int, purpose: String = "mask") -> SeededGenerator {
        SeededGenerator(hashing: [String(seed), (file as NSString).lastPathComponent, String(slice), purpose])
    }

    /// This protocol's mask for one slice of one file.
    public func mask(file: String, slice: Int) throws -> RealArray {
        var rng = generator(file: file, slice: slice)
        return try mask.make(height: matrix[0], width: matrix[1], using: &rng)
    }
}
