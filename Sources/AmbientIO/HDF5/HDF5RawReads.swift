import AmbientCore
import CHDF5
import Foundation

/// Direct reads of contiguous, unfiltered little-endian complex64 datasets (fastMRI's `kspace` as
/// h5py writes it): the bytes on disk are already our memory layout, so one `pread` of a slice's
/// byte range replaces HDF5's read path (which was 2.5× slower than h5py's newer HDF5 here).
/// Anything else (chunked, compressed, big-endian, other member layouts) takes the HDF5 path.
final class HDF5RawReader: @unchecked Sendable {
    let fileDescriptor: Int32
    /// Byte offset of element 0 in the file.
    let dataOffset: Int

    private init(fileDescriptor: Int32, dataOffset: Int) {
        self.fileDescriptor = fileDescriptor
        self.dataOffset = dataOffset
    }

    deinit { close(fileDescriptor) }

    /// A reader when `dataset` qualifies, else nil.
    static func make(for datasetID: hid_t, filePath: String) -> HDF5RawReader? {
        let plist = H5Dget_create_plist(datasetID)
        guard plist >= 0 else { return nil }
        let contiguous = H5Pget_layout(plist) == H5D_CONTIGUOUS && H5Pget_nfilters(plist) == 0
        H5Pclose(plist)
        guard contiguous, isLittleEndianComplex64(datasetID) else { return nil }
        let offset = H5Dget_offset(datasetID)
        guard offset != haddr_t.max else { return nil }  // HADDR_UNDEF: storage not allocated
        let fd = open(filePath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        return HDF5RawReader(fileDescriptor: fd, dataOffset: Int(offset))
    }

    /// {float32 LE at offset 0, float32 LE at offset 4}, 8 bytes.
    private static func isLittleEndianComplex64(_ datasetID: hid_t) -> Bool {
        let type = H5Dget_type(datasetID)
        guard type >= 0 else { return false }
        defer { H5Tclose(type) }
        guard H5Tget_class(type) == H5T_COMPOUND, H5Tget_size(type) == 8, H5Tget_nmembers(type) == 2 else { return false }
        for (member, expectedOffset) in [(UInt32(0), 0), (UInt32(1), 4)] {
            guard H5Tget_member_offset(type, member) == expectedOffset else { return false }
            let memberType = H5Tget_member_type(type, member)
            guard memberType >= 0 else { return false }
            defer { H5Tclose(memberType) }
            guard H5Tget_class(memberType) == H5T_FLOAT, H5Tget_size(memberType) == 4,
                  H5Tget_order(memberType) == H5T_ORDER_LE, H5Tequal(memberType, ambient_H5T_NATIVE_FLOAT()) > 0 else { return false }
        }
        return true
    }

    /// Reads `destination.count` bytes starting `byteOffset` bytes into the dataset and returns whether
    /// every Float in them is finite, checked per 256 KiB chunk while it is still in cache. Large reads
    /// are split into contiguous parts read by parallel threads: copying out of the page cache is
    /// bound by one core's copy speed, not by memory. Throws on short reads.
    func readCheckingFinite(into destination: UnsafeMutableRawBufferPointer, byteOffset: Int, subject: String) throws -> Bool {
        let minimumPart = 4 << 20
        let parts = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 4, destination.count / minimumPart))
        if parts == 1 { return try readPart(destination, byteOffset: byteOffset, subject: subject) }
        // Part boundaries on 4 KiB multiples keep each thread on whole pages.
        let step = (destination.count / parts + 4095) & ~4095
        let lock = NSLock()
        var finite = true, failure: Error?
        DispatchQueue.concurrentPerform(iterations: parts) { k in
            let lo = min(k * step, destination.count), hi = min(lo + step, destination.count)
            guard lo < hi else { return }
            do {
                let ok = try readPart(UnsafeMutableRawBufferPointer(rebasing: destination[lo..<hi]), byteOffset: byteOffset + lo, subject: subject)
                if !ok { lock.lock(); finite = false; lock.unlock() }
            } catch {
                lock.lock(); failure = error; lock.unlock()
            }
        }
        if let failure { throw failure }
        return finite
    }

    private func readPart(_ destination: UnsafeMutableRawBufferPointer, byteOffset: Int, subject: String) throws -> Bool {
        let chunk = 1 << 18
        var done = 0, finite = true
        while done < destination.count {
            let want = min(chunk, destination.count - done)
            var got = 0
            while got < want {
                let n = pread(fileDescriptor, destination.baseAddress! + done + got, want - got, off_t(dataOffset + byteOffset + done + got))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    throw AmbientError(.unreadable, subject, n == 0 ? "file ends inside the dataset (truncated?)" : String(cString: strerror(errno)))
                }
                got += n
            }
            if finite && !allFloatsFinite(UnsafeRawBufferPointer(rebasing: destination[done..<(done + want)])) { finite = false }
            done += want
        }
        return finite
    }
}

/// True when every Float in `bytes` is finite: x − x is 0 for finite x and NaN otherwise, summed
/// 16 lanes at a time (explicit SIMD: the compiler may not reorder a scalar float sum).
func allFloatsFinite(_ bytes: UnsafeRawBufferPointer) -> Bool {
    guard let raw = bytes.baseAddress else { return true }
    let floats = bytes.count / 4
    // Four independent accumulators: one would serialise on the add latency.
    var a0 = SIMD16<Float>(), a1 = SIMD16<Float>(), a2 = SIMD16<Float>(), a3 = SIMD16<Float>()
    var i = 0
    while i + 64 <= floats {
        let v0 = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
        let v1 = raw.loadUnaligned(fromByteOffset: i * 4 + 64, as: SIMD16<Float>.self)
        let v2 = raw.loadUnaligned(fromByteOffset: i * 4 + 128, as: SIMD16<Float>.self)
        let v3 = raw.loadUnaligned(fromByteOffset: i * 4 + 192, as: SIMD16<Float>.self)
        a0 += v0 - v0; a1 += v1 - v1; a2 += v2 - v2; a3 += v3 - v3
        i += 64
    }
    var tail: Float = 0
    while i < floats { let v = raw.loadUnaligned(fromByteOffset: i * 4, as: Float.self); tail += v - v; i += 1 }
    return (a0 + a1 + a2 + a3).sum() == 0 && tail == 0
}
