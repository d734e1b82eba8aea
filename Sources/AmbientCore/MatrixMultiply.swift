import CLAPACK

/// C = A·B (or A·Bᵀ with `transposeB`) for row-major single-precision matrices, via cblas_sgemm.
///
/// `a` is m × k; `b` is k × n, or n × k when `transposeB` (rows of `b` are then the columns of the
/// product, as in a table of dot products between two sets of vectors). Returns m × n, row-major.
public func matrixMultiply(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, transposeB: Bool = false) -> [Float] {
    precondition(m >= 0 && n >= 0 && k >= 0, "matrixMultiply: negative size m \(m), n \(n), k \(k)")
    precondition(max(m, n, k) <= Int(Int32.max), "matrixMultiply: size beyond BLAS's 32-bit range")
    precondition(a.count == m * k, "matrixMultiply: a has \(a.count) elements, expected m·k = \(m * k)")
    precondition(b.count == k * n, "matrixMultiply: b has \(b.count) elements, expected k·n = \(k * n)")
    var c = [Float](repeating: 0, count: m * n)
    guard m > 0, n > 0, k > 0 else { return c }
    a.withUnsafeBufferPointer { ap in
        b.withUnsafeBufferPointer { bp in
            c.withUnsafeMutableBufferPointer { cp in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                            Int32(m), Int32(n), Int32(k), 1, ap.baseAddress, Int32(k),
                            bp.baseAddress, Int32(transposeB ? k : n), 0, cp.baseAddress, Int32(n))
            }
        }
    }
    return c
}
