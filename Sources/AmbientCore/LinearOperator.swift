/// A linear operator as data: forward, adjoint and normal maps between complex arrays of
/// fixed shapes (BART's linop, SigPy's Linop). Shapes are checked at apply time and errors
/// name the operator. Algorithms never see this type; they take closures (`op.forward`).
public struct LinearOperator: Sendable {
    public let name: String
    public let inputShape: [Int]
    public let outputShape: [Int]
    private let forwardMap: @Sendable (ComplexArray) -> ComplexArray
    private let adjointMap: @Sendable (ComplexArray) -> ComplexArray
    private let normalMap: (@Sendable (ComplexArray) -> ComplexArray)?

    public init(name: String, input: [Int], output: [Int],
                forward: @escaping @Sendable (ComplexArray) -> ComplexArray,
                adjoint: @escaping @Sendable (ComplexArray) -> ComplexArray,
                normal: (@Sendable (ComplexArray) -> ComplexArray)? = nil) {
        self.name = name
        inputShape = input
        outputShape = output
        forwardMap = forward
        adjointMap = adjoint
        normalMap = normal
    }

    /// y = A x
    public func forward(_ x: ComplexArray) -> ComplexArray {
        precondition(x.shape == inputShape, "\(name): forward expects input \(inputShape), got \(x.shape)")
        return forwardMap(x)
    }

    /// x = Aᴴ y
    public func adjoint(_ y: ComplexArray) -> ComplexArray {
        precondition(y.shape == outputShape, "\(name): adjoint expects input \(outputShape), got \(y.shape)")
        return adjointMap(y)
    }

    /// AᴴA x (a dedicated implementation where one was given, else adjoint ∘ forward).
    public func normal(_ x: ComplexArray) -> ComplexArray {
        precondition(x.shape == inputShape, "\(name): normal expects input \(inputShape), got \(x.shape)")
        return normalMap?(x) ?? adjointMap(forwardMap(x))
    }

    /// Aᴴ as an operator.
    public var H: LinearOperator {
        LinearOperator(name: "\(name)ᴴ", input: outputShape, output: inputShape,
                       forward: adjointMap, adjoint: forwardMap)
    }

    /// (A ∘ B) x = A(B x)
    public static func * (a: LinearOperator, b: LinearOperator) -> LinearOperator {
        precondition(a.inputShape == b.outputShape,
                     "cannot compose \(a.name) (input \(a.inputShape)) after \(b.name) (output \(b.outputShape))")
        return LinearOperator(name: "\(a.name)·\(b.name)", input: b.inputShape, output: a.outputShape,
                              forward: { a.forward(b.forward($0)) },
                              adjoint: { b.adjoint(a.adjoint($0)) })
    }

    /// s·A for a real scalar.
    public func scaled(by s: Float) -> LinearOperator {
        let a = self
        return LinearOperator(name: "\(s)·\(name)", input: inputShape, output: outputShape,
                              forward: { a.forward($0) * s }, adjoint: { a.adjoint($0) * s },
                              normal: { a.normal($0) * (s * s) })
    }

    public static func identity(_ shape: [Int]) -> LinearOperator {
        LinearOperator(name: "I", input: shape, output: shape, forward: { $0 }, adjoint: { $0 }, normal: { $0 })
    }
}

extension LinearOperator {
    /// Centred unitary 2-D FFT over the last two axes of `shape`.
    public static func fft(_ shape: [Int]) -> LinearOperator {
        LinearOperator(name: "F", input: shape, output: shape,
                       forward: { FFT.forward($0) }, adjoint: { FFT.inverse($0) }, normal: { $0 })
    }

    /// Element-wise multiplication by a real weight array broadcast over leading axes
    /// (a sampling mask M over k-space, or an image-domain inpainting/box mask).
    /// `weights` has the shape of the trailing axes of `shape`.
    public static func mask(_ weights: RealArray, shape: [Int], name: String = "M") -> LinearOperator {
        precondition(Array(shape.suffix(weights.rank)) == weights.shape,
                     "\(name): mask of shape \(weights.shape) does not fit data of shape \(shape)")
        let apply: @Sendable (ComplexArray) -> ComplexArray = { x in multiplyBroadcast(x, weights, squared: false) }
        return LinearOperator(name: name, input: shape, output: shape, forward: apply, adjoint: apply,
                              normal: { x in multiplyBroadcast(x, weights, squared: true) })
    }

    /// Multiplication by coil sensitivities: S x = [s_c ⊙ x]_c, mapping [H, W] → [C, H, W].
    public static func coilSensitivities(_ maps: ComplexArray) -> LinearOperator {
        precondition(maps.rank == 3, "S: sensitivity maps must be [coils, H, W], got \(maps.shape)")
        let c = maps.shape[0], plane = Array(maps.shape.suffix(2))
        return LinearOperator(
            name: "S", input: plane, output: maps.shape,
            forward: { x in
                maps.withUnsafeBufferPointer { s in
                    x.withUnsafeBufferPointer { xp in
                        ComplexArray(shape: maps.shape) { out in
                            let n = xp.count
                            for coil in 0..<c { for i in 0..<n { out[coil * n + i] = s[coil * n + i] * xp[i] } }
                        }
                    }
                }
            },
            adjoint: { y in
                maps.withUnsafeBufferPointer { s in
                    y.withUnsafeBufferPointer { yp in
                        ComplexArray(shape: plane) { out in
                            let n = out.count
                            for coil in 0..<c { for i in 0..<n { out[i] += s[coil * n + i].conjugate * yp[coil * n + i] } }
                        }
                    }
                }
            })
    }

    /// The multi-coil SENSE operator A = M·F·S from an image [H, W] to k-space [C, H, W].
    /// Single-coil data uses one map of ones. `mask` is [H, W] (or broadcast from [C, H, W]).
    public static func sense(maps: ComplexArray, mask: RealArray) -> LinearOperator {
        let s = coilSensitivities(maps)
        let f = fft(maps.shape)
        let m = LinearOperator.mask(mask, shape: maps.shape)
        let a = m * f * s
        // AᴴA = Sᴴ Fᴴ M² F S: one FFT pair, no intermediate operator allocations.
        return LinearOperator(name: "A(MFS)", input: a.inputShape, output: a.outputShape,
                              forward: a.forward, adjoint: a.adjoint,
                              normal: { x in s.adjoint(f.adjoint(m.normal(f.forward(s.forward(x))))) })
    }
}

/// x ⊙ w with w broadcast over x's leading axes; w² when `squared`.
@inline(__always)
func multiplyBroadcast(_ x: ComplexArray, _ w: RealArray, squared: Bool) -> ComplexArray {
    x.withUnsafeBufferPointer { xp in
        w.withUnsafeBufferPointer { wp in
            ComplexArray(shape: x.shape) { out in
                let n = wp.count
                for b in 0..<(xp.count / max(n, 1)) {
                    for i in 0..<n {
                        let m = squared ? wp[i] * wp[i] : wp[i]
                        out[b * n + i] = xp[b * n + i] * m
                    }
                }
            }
        }
    }
}
