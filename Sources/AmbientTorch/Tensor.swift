import AmbientCore
import CTorch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where a tensor lives. `.cuda(i)` works when libtorch was built with CUDA (see `Device.cudaDeviceCount`).
public enum Device: Equatable, Hashable, Sendable, CustomStringConvertible {
    case cpu
    case cuda(Int)

    /// Number of CUDA devices libtorch can see (0 for CPU-only builds such as Debian's).
    public static var cudaDeviceCount: Int { Int(ctorch_cuda_device_count()) }

    /// The first GPU when there is one, else the CPU.
    public static var preferred: Device { cudaDeviceCount > 0 ? .cuda(0) : .cpu }

    var code: (type: Int32, index: Int32) {
        switch self {
        case .cpu: return (0, 0)
        case .cuda(let i): return (1, Int32(i))
        }
    }

    init(type: Int32, index: Int32) { self = type == 1 ? .cuda(Int(index)) : .cpu }

    public var description: String {
        switch self {
        case .cpu: return "cpu"
        case .cuda(let i): return "cuda:\(i)"
        }
    }
}

/// A float32 libtorch tensor. Owns exactly one C handle, freed in `deinit`; operations return new
/// tensors (views share storage as in torch). Every failing operation throws an `AmbientError`
/// naming the operation, the operand shapes and libtorch's message.
public final class Tensor: @unchecked Sendable, CustomStringConvertible {
    let handle: ctorch_tensor

    init(owning handle: ctorch_tensor) { self.handle = handle }

    deinit { ctorch_free(handle) }

    public var shape: [Int] {
        var dims = [Int64](repeating: 0, count: 8)
        let rank = Int(ctorch_shape(handle, &dims, 8))
        if rank > 8 {
            dims = [Int64](repeating: 0, count: rank)
            _ = ctorch_shape(handle, &dims, Int32(rank))
        }
        return dims.prefix(max(rank, 0)).map(Int.init)
    }

    public var rank: Int { Int(ctorch_rank(handle)) }
    public var count: Int { shape.reduce(1, *) }

    public var device: Device {
        var type: Int32 = 0, index: Int32 = 0
        _ = ctorch_device(handle, &type, &index)
        return Device(type: type, index: index)
    }

    public var description: String { "Tensor(shape: \(shape), device: \(device))" }

    // MARK: Error plumbing

    /// Turns a NULL result into a thrown error that says which op failed on which shapes.
    static func check(_ result: ctorch_tensor?, _ op: String, _ operands: [Tensor] = [], _ detail: String = "") throws -> Tensor {
        guard let result else { throw failure(op, operands, detail) }
        return Tensor(owning: result)
    }

    static func check(status: Int32, _ op: String, _ operands: [Tensor] = [], _ detail: String = "") throws {
        if status < 0 { throw failure(op, operands, detail) }
    }

    static func failure(_ op: String, _ operands: [Tensor], _ detail: String) -> AmbientError {
        let message = String(cString: ctorch_last_error())  // read first: the shape queries below reset it
        let shapes = operands.map { "\($0.shape)" }.joined(separator: ", ")
        var context = shapes.isEmpty ? "" : " on shapes \(shapes)"
        if !detail.isEmpty { context += " (\(detail))" }
        return AmbientError(.backend, "torch.\(op)", "failed\(context): \(message)")
    }

    // MARK: Creation

    /// Copies a real array (one copy; a second only to reach a GPU).
    public convenience init(_ array: RealArray, device: Device = .cpu) throws {
        Torch.configureDefaultThreads()
        let shape = array.shape.map(Int64.init)
        let handle = array.withUnsafeBufferPointer { buffer in
            ctorch_from_floats(buffer.baseAddress, shape, Int32(shape.count), device.code.type, device.code.index)
        }
        guard let handle else { throw Tensor.failure("from_floats", [], "array shape \(array.shape)") }
        self.init(owning: handle)
    }

    /// Floats in row-major order with the given shape.
    public convenience init(shape: [Int], elements: [Float], device: Device = .cpu) throws {
        guard shape.reduce(1, *) == elements.count else {
            throw AmbientError(.badShape, "torch.from_floats", "shape \(shape) needs \(shape.reduce(1, *)) elements, got \(elements.count)")
        }
        try self.init(RealArray(shape: shape, elements: elements), device: device)
    }

    /// Complex images `[B, H, W]` (or `[H, W]`) as network input `[B, 2, H, W]` with channels
    /// (real, imaginary), in one pass over the data (docs/conventions.md, Networks).
    public convenience init(channelsFrom images: ComplexArray, device: Device = .cpu) throws {
        guard images.rank == 2 || images.rank == 3 else {
            throw AmbientError(.badShape, "torch.channelsFrom", "complex images must be [B, H, W] or [H, W], got \(images.shape)")
        }
        Torch.configureDefaultThreads()
        let batched = images.rank == 3 ? images.shape : [1] + images.shape
        let interleaved: [Int64] = batched.map(Int64.init) + [2]
        let perm: [Int64] = [0, 3, 1, 2]
        let handle = images.withUnsafeBufferPointer { buffer in
            UnsafeRawPointer(buffer.baseAddress!).withMemoryRebound(to: Float.self, capacity: buffer.count * 2) { floats in
                ctorch_from_floats_permuted(floats, interleaved, perm, 4, device.code.type, device.code.index)
            }
        }
        guard let handle else { throw Tensor.failure("channelsFrom", [], "images shape \(images.shape)") }
        self.init(owning: handle)
    }

    /// A tensor filled with `value`.
    public static func full(_ shape: [Int], _ value: Float, device: Device = .cpu) throws -> Tensor {
        Torch.configureDefaultThreads()
        let dims = shape.map(Int64.init)
        return try check(ctorch_full(dims, Int32(dims.count), Double(value), device.code.type, device.code.index),
                         "full", [], "shape \(shape)")
    }

    public static func zeros(_ shape: [Int], device: Device = .cpu) throws -> Tensor { try full(shape, 0, device: device) }
    public static func ones(_ shape: [Int], device: Device = .cpu) throws -> Tensor { try full(shape, 1, device: device) }

    /// Uninitialised memory (for ops such as baddbmm with beta = 0 that ignore their input).
    public static func empty(_ shape: [Int], device: Device = .cpu) throws -> Tensor {
        let dims = shape.map(Int64.init)
        return try check(ctorch_empty(dims, Int32(dims.count), device.code.type, device.code.index), "empty", [], "shape \(shape)")
    }

    /// 0, 1, …, count − 1 as float32.
    public static func arange(_ count: Int, device: Device = .cpu) throws -> Tensor {
        try check(ctorch_arange(Int64(count), device.code.type, device.code.index), "arange", [], "count \(count)")
    }

    /// Standard normal samples from a seeded generator.
    public static func randn(_ shape: [Int], generator: TorchGenerator, device: Device = .cpu) throws -> Tensor {
        let dims = shape.map(Int64.init)
        return try check(ctorch_randn(dims, Int32(dims.count), generator.handle, device.code.type, device.code.index),
                         "randn", [], "shape \(shape)")
    }

    /// Uniform samples in [0, 1) from a seeded generator.
    public static func rand(_ shape: [Int], generator: TorchGenerator, device: Device = .cpu) throws -> Tensor {
        let dims = shape.map(Int64.init)
        return try check(ctorch_rand(dims, Int32(dims.count), generator.handle, device.code.type, device.code.index),
                         "rand", [], "shape \(shape)")
    }

    // MARK: Copy-out

    /// The elements as a real array of the same shape (one copy, straight into the array).
    public func realArray() throws -> RealArray {
        let shape = self.shape
        var status: Int32 = 0
        let array = RealArray(shape: shape) { out in
            status = ctorch_copy_to_floats(handle, out.baseAddress, Int64(out.count))
        }
        try Tensor.check(status: status, "realArray", [self])
        return array
    }

    /// All elements in row-major order.
    public func floats() throws -> [Float] { try realArray().elements }

    /// The value of a one-element tensor.
    public func item() throws -> Float {
        let value = ctorch_item(handle)
        if value.isNaN, !String(cString: ctorch_last_error()).isEmpty { throw Tensor.failure("item", [self], "") }
        return Float(value)
    }

    /// `[B, 2, H, W]` (real, imaginary channels) back to complex images `[B, H, W]` in one pass.
    public func complexImages() throws -> ComplexArray {
        let s = shape
        guard s.count == 4, s[1] == 2 else {
            throw AmbientError(.badShape, "torch.complexImages", "expected [B, 2, H, W] channels, got \(s)")
        }
        let destination: [Int64] = [s[0], s[2], s[3], 2].map(Int64.init)
        let perm: [Int64] = [0, 2, 3, 1]
        var status: Int32 = 0
        let images = ComplexArray(shape: [s[0], s[2], s[3]]) { out in
            UnsafeMutableRawPointer(out.baseAddress!).withMemoryRebound(to: Float.self, capacity: out.count * 2) { floats in
                status = ctorch_copy_to_floats_permuted(handle, floats, destination, perm, 4)
            }
        }
        try Tensor.check(status: status, "complexImages", [self])
        return images
    }
}

/// A seeded random generator for `Tensor.randn` / `Tensor.rand` (libtorch's CPU generator, mt19937).
public final class TorchGenerator: @unchecked Sendable {
    let handle: ctorch_generator

    public init(seed: UInt64) throws {
        Torch.configureDefaultThreads()
        guard let handle = ctorch_generator_new(seed) else {
            throw AmbientError(.backend, "torch.generator", String(cString: ctorch_last_error()))
        }
        self.handle = handle
    }

    deinit { ctorch_generator_free(handle) }
}

/// Process-wide libtorch settings.
public enum Torch {
    /// Intra-op threads; all active cores unless set (libtorch itself would start with 1 here).
    /// Tensor creation applies the default, so any program that makes tensors gets it.
    public static var threads: Int {
        get { configureDefaultThreads(); return Int(ctorch_get_num_threads()) }
        set { configureDefaultThreads(); ctorch_set_num_threads(Int32(max(1, newValue))) }
    }

    /// Sets the thread count to the number of active cores once (called by model constructors).
    public static func configureDefaultThreads() { _ = defaultThreadsConfigured }

    private static let defaultThreadsConfigured: Bool = {
        ctorch_set_num_threads(Int32(ProcessInfo.processInfo.activeProcessorCount))
        singleThreadedBLAS()
        return true
    }()

    /// libtorch parallelises ops itself (OpenMP); the OpenBLAS it calls for some matrix products
    /// keeps its own thread pool, whose threads spin (sched_yield) against libtorch's: measured here,
    /// posterior sampling ran 2× faster and spent 15× less system time with OpenBLAS on one thread.
    private static func singleThreadedBLAS() {
        typealias SetThreads = @convention(c) (Int32) -> Void
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "openblas_set_num_threads") else { return }
        unsafeBitCast(symbol, to: SetThreads.self)(1)
    }
}
