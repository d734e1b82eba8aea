/// Element types an `NDArray` can hold: real and complex single precision.
public protocol ArrayElement: Sendable, Equatable {
    static var zero: Self { get }
    /// NumPy-style dtype name, used in messages and file headers ("float32", "complex64").
    static var dtypeName: String { get }
    var isFinite: Bool { get }
}

extension Float: ArrayElement {
    public static var dtypeName: String { "float32" }
}

extension Complex32: ArrayElement {
    public static var dtypeName: String { "complex64" }
}

/// Owns one 64-byte-aligned allocation (FFTW's SIMD kernels want aligned data).
@usableFromInline
final class ArrayStorage<Element: ArrayElement>: @unchecked Sendable {
    @usableFromInline let pointer: UnsafeMutablePointer<Element>
    @usableFromInline let count: Int

    @usableFromInline init(uninitializedCount count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(count, 1) * MemoryLayout<Element>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Element.self, capacity: max(count, 1))
    }

    @usableFromInline convenience init(repeating value: Element, count: Int) {
        self.init(uninitializedCount: count)
        pointer.initialize(repeating: value, count: count)
    }

    @usableFromInline func copy() -> ArrayStorage {
        let other = ArrayStorage(uninitializedCount: count)
        other.pointer.initialize(from: pointer, count: count)
        return other
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }
}

/// A contiguous, row-major N-dimensional array with value semantics (copy on write).
///
/// Axis order and meaning follow docs/conventions.md: the last two axes are the image or
/// k-space plane (ky/y, kx/x); leading axes are batch axes such as slices and coils.
public struct NDArray<Element: ArrayElement>: @unchecked Sendable {
    public private(set) var shape: [Int]
    @usableFromInline var storage: ArrayStorage<Element>

    public var count: Int { storage.count }
    public var rank: Int { shape.count }

    /// Row-major strides in elements.
    public var strides: [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for axis in shape.indices.reversed() { s[axis] = acc; acc *= shape[axis] }
        return s
    }

    public init(shape: [Int], repeating value: Element) {
        precondition(shape.allSatisfy { $0 >= 0 }, "NDArray: negative dimension in shape \(shape)")
        self.shape = shape
        storage = ArrayStorage(repeating: value, count: shape.reduce(1, *))
    }

    public init(zeros shape: [Int]) { self.init(shape: shape, repeating: .zero) }

    public init(shape: [Int], elements: [Element]) {
        precondition(shape.reduce(1, *) == elements.count,
                     "NDArray: shape \(shape) needs \(shape.reduce(1, *)) elements, got \(elements.count)")
        self.shape = shape
        storage = ArrayStorage(uninitializedCount: elements.count)
        elements.withUnsafeBufferPointer { storage.pointer.initialize(from: $0.baseAddress!, count: elements.count) }
    }

    /// Builds an array by calling `element(flatIndex)` for each position in row-major order.
    public init(shape: [Int], _ element: (Int) throws -> Element) rethrows {
        self.shape = shape
        let n = shape.reduce(1, *)
        storage = ArrayStorage(uninitializedCount: n)
        for i in 0..<n { (storage.pointer + i).initialize(to: try element(i)) }
    }

    /// An array whose contents are undefined, for readers that overwrite every element (skips
    /// zero-filling: a 25 MB slice buffer is then only paged in as it is written).
    public init(unsafeUninitializedShape shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "NDArray: negative dimension in shape \(shape)")
        self.shape = shape
        storage = ArrayStorage(uninitializedCount: shape.reduce(1, *))
    }

    /// Fills a fresh array through a pointer (for readers and FFT outputs: one copy at most).
    public init(shape: [Int], unsafeUninitializedFill fill: (UnsafeMutableBufferPointer<Element>) throws -> Void) rethrows {
        self.init(zeros: shape)
        try fill(UnsafeMutableBufferPointer(start: storage.pointer, count: storage.count))
    }

    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Element>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: storage.count))
    }

    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Element>) throws -> R) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// Flat (row-major) element access.
    @inlinable
    public subscript(flat index: Int) -> Element {
        get {
            precondition(index >= 0 && index < storage.count, "NDArray: flat index \(index) out of range 0..<\(storage.count)")
            return storage.pointer[index]
        }
        set {
            precondition(index >= 0 && index < storage.count, "NDArray: flat index \(index) out of range 0..<\(storage.count)")
            if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
            storage.pointer[index] = newValue
        }
    }

    /// Multi-index access, one index per axis.
    public subscript(_ indices: Int...) -> Element {
        get { self[flat: flatIndex(indices)] }
        set { self[flat: flatIndex(indices)] = newValue }
    }

    public func flatIndex(_ indices: [Int]) -> Int {
        precondition(indices.count == shape.count, "NDArray: \(indices.count) indices for rank-\(shape.count) array")
        var flat = 0
        for (axis, i) in indices.enumerated() {
            precondition(i >= 0 && i < shape[axis], "NDArray: index \(i) out of range for axis \(axis) of size \(shape[axis])")
            flat = flat * shape[axis] + i
        }
        return flat
    }

    /// All elements in row-major order.
    public var elements: [Element] { withUnsafeBufferPointer { Array($0) } }

    /// The same elements under a new shape (no copy).
    public func reshaped(_ newShape: [Int]) -> NDArray {
        precondition(newShape.reduce(1, *) == count, "NDArray: cannot reshape \(shape) to \(newShape)")
        var copy = self
        copy.shape = newShape
        return copy
    }

    /// The product of the trailing axes after the first `leading` ones.
    public func trailingCount(after leading: Int) -> Int { shape.dropFirst(leading).reduce(1, *) }

    /// Sub-array at `index` along the first axis (a copy of rank − 1).
    public func slice(_ index: Int) -> NDArray {
        precondition(rank >= 1 && index >= 0 && index < shape[0], "NDArray: slice \(index) out of range for shape \(shape)")
        let inner = Array(shape.dropFirst())
        let n = inner.reduce(1, *)
        return NDArray(shape: inner) { out in
            out.baseAddress!.initialize(from: storage.pointer + index * n, count: n)
        }
    }

    /// Replaces the sub-array at `index` along the first axis.
    public mutating func setSlice(_ index: Int, to value: NDArray) {
        precondition(rank >= 1 && index >= 0 && index < shape[0], "NDArray: slice \(index) out of range for shape \(shape)")
        precondition(value.shape == Array(shape.dropFirst()),
                     "NDArray: slice of shape \(value.shape) does not fit \(Array(shape.dropFirst()))")
        let n = value.count
        withUnsafeMutableBufferPointer { dst in
            value.withUnsafeBufferPointer { src in
                (dst.baseAddress! + index * n).update(from: src.baseAddress!, count: n)
            }
        }
    }

    /// Stacks equally shaped arrays along a new first axis.
    public static func stack(_ arrays: [NDArray]) -> NDArray {
        precondition(!arrays.isEmpty, "NDArray.stack: nothing to stack")
        let inner = arrays[0].shape
        var out = NDArray(zeros: [arrays.count] + inner)
        for (i, a) in arrays.enumerated() { out.setSlice(i, to: a) }
        return out
    }

    public func map<R: ArrayElement>(_ transform: (Element) throws -> R) rethrows -> NDArray<R> {
        try withUnsafeBufferPointer { src in
            try NDArray<R>(shape: shape) { dst in
                for i in 0..<src.count { dst[i] = try transform(src[i]) }
            }
        }
    }

    /// True when no element is NaN or ±Inf.
    @inlinable public var allFinite: Bool { withUnsafeBufferPointer { $0.allSatisfy { $0.isFinite } } }

    /// The flat index of the first NaN or ±Inf element, if any (for error messages).
    @inlinable public var firstNonFiniteIndex: Int? { withUnsafeBufferPointer { $0.firstIndex { !$0.isFinite } } }

    /// The multi-index of a flat index, for messages.
    public func multiIndex(ofFlat flat: Int) -> [Int] {
        var rest = flat
        var out = [Int](repeating: 0, count: rank)
        for axis in shape.indices.reversed() where shape[axis] > 0 {
            out[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return out
    }
}

extension NDArray: Equatable {
    public static func == (a: NDArray, b: NDArray) -> Bool {
        a.shape == b.shape && a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in pa.elementsEqual(pb) } }
    }
}

public typealias ComplexArray = NDArray<Complex32>
public typealias RealArray = NDArray<Float>
