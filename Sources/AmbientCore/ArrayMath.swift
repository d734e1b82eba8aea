// Element-wise arithmetic and inner products on arrays. These are the vector-space
// operations the iterative algorithms use; all loops run over raw buffers.

extension NDArray {
    /// Applies `combine` element-wise to two arrays of the same shape.
    @inlinable
    public func zipMap(_ other: NDArray, _ op: String = "zipMap", _ combine: (Element, Element) -> Element) -> NDArray {
        precondition(shape == other.shape, "\(op): shapes \(shape) and \(other.shape) differ")
        return withUnsafeBufferPointer { a in
            other.withUnsafeBufferPointer { b in
                NDArray(shape: shape) { out in
                    for i in 0..<out.count { out[i] = combine(a[i], b[i]) }
                }
            }
        }
    }

    /// Updates self element-wise from another array of the same shape.
    @inlinable
    public mutating func update(with other: NDArray, _ op: String = "update", _ combine: (inout Element, Element) -> Void) {
        precondition(shape == other.shape, "\(op): shapes \(shape) and \(other.shape) differ")
        other.withUnsafeBufferPointer { b in
            withUnsafeMutableBufferPointer { a in
                for i in 0..<a.count { combine(&a[i], b[i]) }
            }
        }
    }
}

extension NDArray where Element == Complex32 {
    public static func + (a: ComplexArray, b: ComplexArray) -> ComplexArray { a.zipMap(b, "+") { $0 + $1 } }
    public static func - (a: ComplexArray, b: ComplexArray) -> ComplexArray { a.zipMap(b, "-") { $0 - $1 } }
    /// Element-wise (Hadamard) product.
    public static func * (a: ComplexArray, b: ComplexArray) -> ComplexArray { a.zipMap(b, "*") { $0 * $1 } }
    public static func * (a: ComplexArray, s: Float) -> ComplexArray { a.map { $0 * s } }
    public static func * (s: Float, a: ComplexArray) -> ComplexArray { a.map { $0 * s } }
    public static func * (a: ComplexArray, s: Complex32) -> ComplexArray { a.map { $0 * s } }
    public static func += (a: inout ComplexArray, b: ComplexArray) { a.update(with: b, "+=") { $0 += $1 } }
    public static func -= (a: inout ComplexArray, b: ComplexArray) { a.update(with: b, "-=") { $0 -= $1 } }

    /// self += alpha · x
    public mutating func axpy(_ alpha: Complex32, _ x: ComplexArray) { update(with: x, "axpy") { $0 += alpha * $1 } }
    public mutating func axpy(_ alpha: Float, _ x: ComplexArray) { update(with: x, "axpy") { $0 += alpha * $1 } }
    public mutating func scale(by s: Float) { withUnsafeMutableBufferPointer { for i in 0..<$0.count { $0[i] *= s } } }

    /// Multiplies by a real array of the same shape (a mask, weights).
    public func multiplied(by weights: RealArray) -> ComplexArray {
        precondition(shape == weights.shape, "multiplied(by:): shapes \(shape) and \(weights.shape) differ")
        return withUnsafeBufferPointer { a in
            weights.withUnsafeBufferPointer { w in
                ComplexArray(shape: shape) { out in for i in 0..<out.count { out[i] = a[i] * w[i] } }
            }
        }
    }

    public var conjugated: ComplexArray { map { $0.conjugate } }
    public var magnitude: RealArray { map { $0.magnitude } }
    public var realPart: RealArray { map { $0.re } }
    public var imaginaryPart: RealArray { map { $0.im } }

    /// ⟨a, b⟩ = Σ conj(a)·b, accumulated in double precision.
    public func dot(_ other: ComplexArray) -> Complex32 {
        precondition(shape == other.shape, "dot: shapes \(shape) and \(other.shape) differ")
        return withUnsafeBufferPointer { a in
            other.withUnsafeBufferPointer { b in
                var re = 0.0, im = 0.0
                for i in 0..<a.count {
                    let x = a[i], y = b[i]
                    re += Double(x.re * y.re + x.im * y.im)
                    im += Double(x.re * y.im - x.im * y.re)
                }
                return Complex32(Float(re), Float(im))
            }
        }
    }

    /// ‖a‖²
    public var normSquared: Double {
        withUnsafeBufferPointer { a in
            var s = 0.0
            for i in 0..<a.count { s += Double(a[i].magnitudeSquared) }
            return s
        }
    }
    public var norm: Double { normSquared.squareRoot() }

    public init(real: RealArray, imaginary: RealArray? = nil) {
        if let imaginary { precondition(real.shape == imaginary.shape, "complex init: shapes \(real.shape) and \(imaginary.shape) differ") }
        self = real.withUnsafeBufferPointer { r in
            ComplexArray(shape: real.shape) { out in
                if let imaginary {
                    imaginary.withUnsafeBufferPointer { m in for i in 0..<out.count { out[i] = Complex32(r[i], m[i]) } }
                } else {
                    for i in 0..<out.count { out[i] = Complex32(r[i], 0) }
                }
            }
        }
    }
}

extension NDArray where Element == Float {
    public static func + (a: RealArray, b: RealArray) -> RealArray { a.zipMap(b, "+") { $0 + $1 } }
    public static func - (a: RealArray, b: RealArray) -> RealArray { a.zipMap(b, "-") { $0 - $1 } }
    public static func * (a: RealArray, b: RealArray) -> RealArray { a.zipMap(b, "*") { $0 * $1 } }
    public static func * (a: RealArray, s: Float) -> RealArray { a.map { $0 * s } }

    public var sum: Double { withUnsafeBufferPointer { p in p.reduce(0.0) { $0 + Double($1) } } }
    public var maximum: Float { withUnsafeBufferPointer { $0.max() ?? 0 } }
    public var minimum: Float { withUnsafeBufferPointer { $0.min() ?? 0 } }
    public var normSquared: Double { withUnsafeBufferPointer { p in p.reduce(0.0) { $0 + Double($1) * Double($1) } } }
    public var norm: Double { normSquared.squareRoot() }
    public var complex: ComplexArray { ComplexArray(real: self) }
}
