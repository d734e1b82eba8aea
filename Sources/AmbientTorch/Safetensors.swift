import AmbientCore
import Foundation

/// Element types we read and write in safetensors files; all become float32 tensors in memory.
public enum SafetensorsDType: String, Sendable {
    case f32 = "F32", f16 = "F16", bf16 = "BF16"

    var byteCount: Int { self == .f32 ? 4 : 2 }
}

/// A memory-mapped safetensors file: an 8-byte little-endian header length, a JSON header
/// `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {…}}`, then raw little-endian data.
public struct SafetensorsFile {
    public struct Entry: Sendable {
        public let dtype: SafetensorsDType
        public let shape: [Int]
        let range: Range<Int>  // bytes, relative to the start of the file
    }

    public let path: String
    public let entries: [String: Entry]
    public let metadata: [String: String]
    private let data: Data

    public var names: [String] { entries.keys.sorted() }

    public init(url: URL) throws {
        path = url.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw AmbientError(.fileNotFound, path, "no such safetensors file")
        }
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw AmbientError(.unreadable, path, error.localizedDescription)
        }
        func bad(_ message: String) -> AmbientError { AmbientError(.badFormat, url.path, "safetensors: \(message)") }
        guard data.count >= 8 else { throw bad("file of \(data.count) bytes is too short for a header") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | (UInt64($1.element) << (8 * UInt64($1.offset))) }
        guard headerLength <= UInt64(data.count - 8) else { throw bad("header length \(headerLength) exceeds the file size \(data.count)") }
        let dataStart = 8 + Int(headerLength)
        guard let json = try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<dataStart)) as? [String: Any] else {
            throw bad("header is not a JSON object")
        }
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in json {
            if name == "__metadata__" {
                metadata = (value as? [String: String]) ?? [:]
                continue
            }
            guard let info = value as? [String: Any], let dtypeName = info["dtype"] as? String,
                  let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2 else {
                throw bad("entry \(name) lacks dtype, shape or data_offsets")
            }
            guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
                throw AmbientError(.unsupported, url.path, "safetensors entry \(name) has dtype \(dtypeName) (supported: F32, F16, BF16)")
            }
            let begin = dataStart + offsets[0], end = dataStart + offsets[1]
            let expected = shape.reduce(1, *) * dtype.byteCount
            guard offsets[0] >= 0, begin <= end, end <= data.count, end - begin == expected else {
                throw bad("entry \(name) (shape \(shape), \(dtypeName)) has data range \(offsets) inconsistent with its size or the file")
            }
            entries[name] = Entry(dtype: dtype, shape: shape, range: begin..<end)
        }
        self.entries = entries
        self.metadata = metadata
    }

    /// One entry as a float32 tensor.
    public func tensor(_ name: String, device: Device = .cpu) throws -> Tensor {
        guard let entry = entries[name] else { throw AmbientError(.badFormat, path, "safetensors: no tensor named \(name)") }
        let n = entry.shape.reduce(1, *)
        let values = RealArray(shape: entry.shape) { out in
            data.withUnsafeBytes { raw in
                let bytes = UnsafeRawBufferPointer(rebasing: raw[entry.range])
                switch entry.dtype {
                case .f32:
                    for i in 0..<n { out[i] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
                case .f16:
                    for i in 0..<n { out[i] = Float(Float16(bitPattern: UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))) }
                case .bf16:
                    for i in 0..<n { out[i] = Float(bitPattern: UInt32(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16) }
                }
            }
        }
        return try Tensor(values, device: device)
    }
}

public enum Safetensors {
    /// Writes tensors (float32 in memory) as `dtype`, in the given order, with optional string metadata.
    public static func write(_ tensors: [(String, Tensor)], to url: URL, dtype: SafetensorsDType = .f32,
                             metadata: [String: String] = [:]) throws {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var body = Data()
        for (name, tensor) in tensors {
            guard header[name] == nil else { throw AmbientError(.badArgument, url.path, "duplicate tensor name \(name)") }
            let values = try tensor.realArray()
            let begin = body.count
            values.withUnsafeBufferPointer { floats in
                switch dtype {
                case .f32:  // little-endian hosts (x86-64, arm64) store float32 as the file does
                    body.append(UnsafeBufferPointer(start: floats.baseAddress, count: floats.count))
                case .f16:
                    let halves = floats.map { Float16($0).bitPattern.littleEndian }
                    halves.withUnsafeBufferPointer { body.append($0) }
                case .bf16:
                    let halves = floats.map { bfloat16Bits($0).littleEndian }
                    halves.withUnsafeBufferPointer { body.append($0) }
                }
            }
            header[name] = ["dtype": dtype.rawValue, "shape": values.shape, "data_offsets": [begin, body.count]] as [String: Any]
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad the header with spaces to a multiple of 8 bytes, as the reference writer does.
        while json.count % 8 != 0 { json.append(0x20) }
        var file = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(json)
        file.append(body)
        do { try file.write(to: url) } catch {
            throw AmbientError(.unwritable, url.path, error.localizedDescription)
        }
    }

    /// Round to nearest even, keeping NaN a NaN.
    static func bfloat16Bits(_ v: Float) -> UInt16 {
        if v.isNaN { return 0x7FC0 }
        let bits = v.bitPattern
        let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: rounded >> 16)
    }
}
