/// A small, fast, seedable generator (xoshiro256**, seeded through SplitMix64) so that every
/// random choice in AmbientMRI is reproducible across runs and machines. Its state is plain
/// data, so training checkpoints can store and restore it.
public struct SeededGenerator: RandomNumberGenerator, Codable, Sendable, Equatable {
    public private(set) var state: [UInt64]

    public init(seed: UInt64) {
        var s = seed
        func splitmix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = [splitmix(), splitmix(), splitmix(), splitmix()]
    }

    /// A generator seeded by a stable hash of strings and integers, e.g. (file name, slice):
    /// the same volume always gets the same mask, as in fastMRI's subsampling.
    public init(hashing parts: [String]) {
        self.init(seed: stableHash(parts))
    }

    public mutating func next() -> UInt64 {
        let result = rotl(state[1] &* 5, 7) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = rotl(state[3], 45)
        return result
    }

    /// Uniform in [0, 1).
    public mutating func nextUniform() -> Float { Float(next() >> 40) * (1.0 / Float(1 << 24)) }

    /// Standard normal (Box–Muller).
    public mutating func nextNormal() -> Float {
        var u1 = nextUniform()
        while u1 <= 0 { u1 = nextUniform() }
        let u2 = nextUniform()
        return (-2 * logf(u1)).squareRoot() * cosf(2 * Float.pi * u2)
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

/// FNV-1a over the UTF-8 bytes of the parts, separated by a 0 byte; stable across runs,
/// unlike Swift's `Hasher`, which is randomly seeded per process.
public func stableHash(_ parts: [String]) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for part in parts {
        for byte in part.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        h = (h ^ 0) &* 0x0000_0100_0000_01B3
    }
    return h
}

extension NDArray where Element == Complex32 {
    /// Circularly symmetric complex Gaussian noise with E|n|² = variance.
    public static func gaussianNoise(shape: [Int], variance: Float = 1, using rng: inout SeededGenerator) -> ComplexArray {
        let s = (variance / 2).squareRoot()
        return ComplexArray(shape: shape) { out in
            for i in 0..<out.count { out[i] = Complex32(rng.nextNormal() * s, rng.nextNormal() * s) }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
