import AmbientCore

extension LinearOperator {
    /// The 2-D image gradient ∇: [H, W] → [2, H, W] by forward differences with periodic
    /// boundaries (as BART's `linop_grad`): (∇x)₀[y, x] = x[y+1, x] − x[y, x] and
    /// (∇x)₁[y, x] = x[y, x+1] − x[y, x], indices mod H, W. ‖∇‖² ≤ 8.
    /// The adjoint is the negative divergence.
    public static func gradient2D(height: Int, width: Int) -> LinearOperator {
        let plane = height * width
        return LinearOperator(
            name: "∇", input: [height, width], output: [2, height, width],
            forward: { x in
                x.withUnsafeBufferPointer { p in
                    ComplexArray(shape: [2, height, width]) { out in
                        for y in 0..<height {
                            let down = ((y + 1) % height) * width, row = y * width
                            for i in 0..<width {
                                let right = i + 1 == width ? 0 : i + 1
                                let v = p[row + i]
                                out[row + i] = p[down + i] - v
                                out[plane + row + i] = p[row + right] - v
                            }
                        }
                    }
                }
            },
            adjoint: { g in
                g.withUnsafeBufferPointer { q in
                    ComplexArray(shape: [height, width]) { out in
                        for y in 0..<height {
                            let up = ((y + height - 1) % height) * width, row = y * width
                            for i in 0..<width {
                                let left = i == 0 ? width - 1 : i - 1
                                out[row + i] = (q[up + i] - q[row + i]) + (q[plane + row + left] - q[plane + row + i])
                            }
                        }
                    }
                }
            })
    }
}
