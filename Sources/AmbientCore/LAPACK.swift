import CLAPACK

// Small scoped wrappers over the BLAS/LAPACK calls AmbientCore needs. Matrices are
// row-major `[Complex32]` buffers; Complex32 has the layout of LAPACKE's two-float complex.

enum DenseLinearAlgebra {
    /// The Gram matrix Aᴴ A (n × n, Hermitian, both triangles filled) of a row-major
    /// m × n matrix `a`, via cblas_cherk.
    static func gram(_ a: [Complex32], rows m: Int, columns n: Int) -> [Complex32] {
        precondition(a.count == m * n, "gram: \(a.count) elements for a \(m)×\(n) matrix")
        var c = [Complex32](repeating: .zero, count: n * n)
        a.withUnsafeBufferPointer { ap in
            c.withUnsafeMutableBufferPointer { cp in
                // Row-major Aᴴ A is the upper triangle of C = Aᴴ·A with A stored m × n.
                cblas_cherk(CblasRowMajor, CblasUpper, CblasConjTrans, Int32(n), Int32(m),
                            1, ap.baseAddress, Int32(n), 0, cp.baseAddress, Int32(n))
            }
        }
        for i in 0..<n { for j in 0..<i { c[i * n + j] = c[j * n + i].conjugate } }
        return c
    }

    /// A Aᴴ (m × m, Hermitian, both triangles filled) of a row-major m × n matrix `a`.
    static func outerGram(_ a: [Complex32], rows m: Int, columns n: Int) -> [Complex32] {
        precondition(a.count == m * n, "outerGram: \(a.count) elements for a \(m)×\(n) matrix")
        var c = [Complex32](repeating: .zero, count: m * m)
        a.withUnsafeBufferPointer { ap in
            c.withUnsafeMutableBufferPointer { cp in
                cblas_cherk(CblasRowMajor, CblasUpper, CblasNoTrans, Int32(m), Int32(n),
                            1, ap.baseAddress, Int32(n), 0, cp.baseAddress, Int32(m))
            }
        }
        for i in 0..<m { for j in 0..<i { c[i * m + j] = c[j * m + i].conjugate } }
        return c
    }

    /// Eigen-decomposition of a Hermitian n × n row-major matrix. Returns eigenvalues in
    /// descending order and the matching unit eigenvectors as the rows of an n × n array
    /// (`vectors[k * n + i]` is component i of eigenvector k).
    static func hermitianEigen(_ matrix: [Complex32], size n: Int) throws -> (values: [Float], vectors: [Complex32]) {
        precondition(matrix.count == n * n, "hermitianEigen: \(matrix.count) elements for \(n)×\(n)")
        var a = matrix
        var w = [Float](repeating: 0, count: n)
        let info = a.withUnsafeMutableBufferPointer { ap in
            w.withUnsafeMutableBufferPointer { wp in
                ap.baseAddress!.withMemoryRebound(to: ambient_lapack_complex_float.self, capacity: n * n) { p in
                    LAPACKE_cheevd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "U")),
                                   Int32(n), p, Int32(n), wp.baseAddress)
                }
            }
        }
        guard info == 0 else {
            throw AmbientError(.numerical, "LAPACK cheevd", "eigen-decomposition of a \(n)×\(n) matrix failed (info \(info))")
        }
        // LAPACK returns ascending values with eigenvectors in the columns; reorder.
        var values = [Float](repeating: 0, count: n)
        var vectors = [Complex32](repeating: .zero, count: n * n)
        for k in 0..<n {
            let source = n - 1 - k
            values[k] = w[source]
            for i in 0..<n { vectors[k * n + i] = a[i * n + source] }
        }
        return (values, vectors)
    }
}
