import AmbientCore
import Foundation

/// What `timeSliceReads` measured.
public struct SliceReadTiming: Codable, Sendable {
    public var slices: Int
    public var seconds: Double
    public var bytesRead: Int
    /// Sum of the first sample's real part over slices (keeps the reads observable).
    public var checksum: Double
}

/// Reads `kspace` of a fastMRI file slice by slice (the access pattern of training and inference)
/// and times it; `sliceLimit` reads only the first slices (for peak-memory checks).
/// Used by bench/hdf5_read.sh through the CLI.
/// With `reuseBuffer`, slices are read into one array (`readKSpace(slice:into:)`).
public func timeSliceReads(path: String, sliceLimit: Int? = nil, reuseBuffer: Bool = true) throws -> SliceReadTiming {
    let file = try FastMRIFile(path)
    let count = min(sliceLimit ?? file.info.sliceCount, file.info.sliceCount)
    var checksum = 0.0, bytes = 0
    let start = DispatchTime.now().uptimeNanoseconds
    var buffer = ComplexArray(zeros: [])
    for slice in 0..<count {
        if reuseBuffer { try file.readKSpace(slice: slice, into: &buffer) } else { buffer = try file.readKSpace(slice: slice) }
        let data = buffer
        checksum += Double(data[flat: 0].re)
        bytes += data.count * MemoryLayout<Complex32>.stride
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    return SliceReadTiming(slices: count, seconds: seconds, bytesRead: bytes, checksum: checksum)
}
