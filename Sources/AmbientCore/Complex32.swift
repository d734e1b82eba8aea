/// A single-precision complex number laid out as two adjacent Floats (real, imaginary),
/// the layout of `fftwf_complex`, NumPy/HDF5 complex64 and BART's .cfl files.
@frozen
public struct Complex32: Hashable, Sendable, CustomStringConvertible {
    public var re: Float
    public var im: Float

    @inlinable public init(_ re: Float, _ im: Float = 0) { self.re = re; self.im = im }
    @inlinable public init(re: Float, im: Float) { self.re = re; self.im = im }

    public static let zero = Complex32(0, 0)
    public static let one = Complex32(1, 0)
    public static let i = Complex32(0, 1)

    @inlinable public var conjugate: Complex32 { Complex32(re, -im) }
    @inlinable public var magnitudeSquared: Float { re * re + im * im }
    @inlinable public var magnitude: Float { (re * re + im * im).squareRoot() }
    @inlinable public var phase: Float { atan2f(im, re) }
    @inlinable public var isFinite: Bool { re.isFinite && im.isFinite }

    /// e^{iθ}
    @inlinable public static func unit(phase θ: Float) -> Complex32 { Complex32(cosf(θ), sinf(θ)) }

    @inlinable public static func + (a: Complex32, b: Complex32) -> Complex32 { Complex32(a.re + b.re, a.im + b.im) }
    @inlinable public static func - (a: Complex32, b: Complex32) -> Complex32 { Complex32(a.re - b.re, a.im - b.im) }
    @inlinable public static prefix func - (a: Complex32) -> Complex32 { Complex32(-a.re, -a.im) }
    @inlinable public static func * (a: Complex32, b: Complex32) -> Complex32 {
        Complex32(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re)
    }
    @inlinable public static func * (a: Complex32, s: Float) -> Complex32 { Complex32(a.re * s, a.im * s) }
    @inlinable public static func * (s: Float, a: Complex32) -> Complex32 { Complex32(a.re * s, a.im * s) }
    @inlinable public static func / (a: Complex32, s: Float) -> Complex32 { Complex32(a.re / s, a.im / s) }
    @inlinable public static func / (a: Complex32, b: Complex32) -> Complex32 {
        let d = b.magnitudeSquared
        return Complex32((a.re * b.re + a.im * b.im) / d, (a.im * b.re - a.re * b.im) / d)
    }
    @inlinable public static func += (a: inout Complex32, b: Complex32) { a = a + b }
    @inlinable public static func -= (a: inout Complex32, b: Complex32) { a = a - b }
    @inlinable public static func *= (a: inout Complex32, b: Complex32) { a = a * b }
    @inlinable public static func *= (a: inout Complex32, s: Float) { a = a * s }

    public var description: String { im < 0 ? "\(re)-\(-im)i" : "\(re)+\(im)i" }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
