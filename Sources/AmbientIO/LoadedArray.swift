import AmbientCore

/// An array read from a file whose element type is only known at run time.
public enum LoadedArray: Sendable, Equatable {
    case real(RealArray)
    case complex(ComplexArray)

    public var shape: [Int] {
        switch self { case let .real(a): return a.shape; case let .complex(a): return a.shape }
    }

    public var dtypeName: String {
        switch self { case .real: return Float.dtypeName; case .complex: return Complex32.dtypeName }
    }

    /// The data as complex (real data gets a zero imaginary part).
    public var complexArray: ComplexArray {
        switch self { case let .real(a): return a.complex; case let .complex(a): return a }
    }

    /// The data as real: real arrays as they are, complex arrays as magnitudes.
    public var magnitude: RealArray {
        switch self { case let .real(a): return a; case let .complex(a): return a.magnitude }
    }
}

/// Reorders a column-major (Fortran) buffer of `shape` into row-major order.
func fortranToC<Element>(_ source: UnsafeBufferPointer<Element>, shape: [Int], into out: UnsafeMutableBufferPointer<Element>) {
    let rank = shape.count
    guard rank > 1 else { _ = out.initialize(from: source); return }
    var fortranStrides = [Int](repeating: 1, count: rank)
    for axis in 1..<rank { fortranStrides[axis] = fortranStrides[axis - 1] * shape[axis - 1] }
    var index = [Int](repeating: 0, count: rank)
    for flat in 0..<out.count {
        var offset = 0
        for axis in 0..<rank { offset += index[axis] * fortranStrides[axis] }
        out[flat] = source[offset]
        var axis = rank - 1
        while axis >= 0 {
            index[axis] += 1
            if index[axis] < shape[axis] { break }
            index[axis] = 0
            axis -= 1
        }
    }
}
