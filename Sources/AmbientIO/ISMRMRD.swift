import AmbientCore
import CHDF5
import Foundation

/// One readout of an ISMRMRD (MRD) raw file: the header fields reconstruction uses, and the
/// samples [coils, samples] (readout is the fastest axis in MRD acquisitions).
public struct MRDAcquisition: Sendable {
    public var flags: UInt64
    public var centerSample: Int
    public var encodeStep1: Int
    public var encodeStep2: Int
    public var average: Int
    public var slice: Int
    public var contrast: Int
    public var repetition: Int
    /// [coils, samples]
    public var data: ComplexArray

    /// MRD's acquisition flags, by their 1-based bit numbers in the ISMRMRD schema.
    public enum Flag: Int, Sendable {
        case isNoiseMeasurement = 19
        case isParallelCalibration = 20
        case isParallelCalibrationAndImaging = 21
        case isReverse = 22
        case isNavigationData = 23
        case isPhaseCorrectionData = 24
        case isHPFeedbackData = 26
        case isDummyScanData = 27
        case isRTFeedbackData = 28
        case isSurfaceCoilCorrectionScanData = 29
    }

    public func has(_ flag: Flag) -> Bool { flags & (UInt64(1) << UInt64(flag.rawValue - 1)) != 0 }

    /// Readouts that are not image k-space lines (noise, navigators, phase correction, feedback,
    /// dummy scans and calibration-only lines) are left out of the image.
    public var isImagingData: Bool {
        let skipped: [Flag] = [.isNoiseMeasurement, .isNavigationData, .isPhaseCorrectionData, .isHPFeedbackData,
                               .isDummyScanData, .isRTFeedbackData, .isSurfaceCoilCorrectionScanData]
        if skipped.contains(where: has) { return false }
        return !has(.isParallelCalibration) || has(.isParallelCalibrationAndImaging)
    }
}

/// Cartesian k-space assembled from an MRD file, in our conventions (docs/conventions.md):
/// readout on the row axis (ky), phase encoding on the last axis (kx), so 1-D column masks apply as in fastMRI.
public struct MRDCartesianKSpace: Sendable {
    /// [slices, coils, readout, phaseEncodes]
    public var kspace: ComplexArray
    /// [slices, phaseEncodes]: 1 where an encode step was acquired.
    public var sampledColumns: RealArray
    public var repetition: Int
    public var header: MRDHeader
}

/// An ISMRMRD / MRD raw-data HDF5 file: `/<group>/xml` header and `/<group>/data` acquisitions.
public final class ISMRMRDFile: @unchecked Sendable {
    public let path: String
    public let headerXML: String
    public let header: MRDHeader
    public let acquisitionCount: Int
    private let group: HDF5Group
    private let data: HDF5Dataset

    public init(_ path: String, group groupName: String = "dataset") throws {
        self.path = path
        let root = try HDF5File(path: path).root
        guard root.contains(groupName) else {
            throw AmbientError(.badFormat, path, "not an ISMRMRD file: missing group '/\(groupName)'")
        }
        group = try root.group(groupName)
        headerXML = try group.dataset("xml").readString()
        header = try MRDHeader(xml: headerXML, subject: "\(path):/\(groupName)/xml")
        data = try group.dataset("data")
        try data.requireRank(1, what: "acquisition table")
        acquisitionCount = data.shape[0]
    }

    /// Other datasets stored next to the raw data (e.g. the generator's `phantom`, `coil_images`, `csm`).
    public func extraDataset(_ name: String) throws -> HDF5Dataset { try group.dataset(name) }
    public func datasetNames() throws -> [String] { try group.memberNames() }

    /// Reads all acquisitions (in blocks, so HDF5's variable-length buffers stay small).
    public func readAcquisitions() throws -> [MRDAcquisition] {
        let layout = try AcquisitionLayout(dataset: data)
        var result: [MRDAcquisition] = []
        result.reserveCapacity(acquisitionCount)
        let block = 256
        var start = 0
        while start < acquisitionCount {
            let count = min(block, acquisitionCount - start)
            result += try layout.read(start: start, count: count)
            start += count
        }
        return result
    }

    /// Assembles Cartesian k-space of one repetition by encode step and slice, skipping non-imaging
    /// readouts and averaging repeated lines; with `removeOversampling`, crops the readout to the
    /// recon field of view (inverse FFT along readout, centre crop, FFT back).
    public func readCartesianKSpace(repetition: Int = 0, removeOversampling: Bool = true) throws -> MRDCartesianKSpace {
        if let trajectory = header.trajectory, trajectory.lowercased() != "cartesian" {
            throw AmbientError(.unsupported, path, "trajectory '\(trajectory)' is not Cartesian")
        }
        let acquisitions = try readAcquisitions().filter { $0.isImagingData && $0.repetition == repetition }
        guard let first = acquisitions.first else {
            throw AmbientError(.badFormat, path, "no imaging acquisitions for repetition \(repetition)")
        }
        let coils = first.data.shape[0]
        let readout = max(header.encodedMatrix[0], first.data.shape[1])
        let phaseEncodes = header.encodedMatrix[1]
        let slices = (acquisitions.map(\.slice).max() ?? 0) + 1
        // Phase index of a step: the header's k-space centre lands on column ⌊N/2⌋ (as fastMRI pads).
        let stepCenter = header.encodeStep1Limits?[2] ?? phaseEncodes / 2
        let stepOffset = phaseEncodes / 2 - stepCenter

        var kspace = ComplexArray(zeros: [slices, coils, readout, phaseEncodes])
        var counts = [Float](repeating: 0, count: slices * phaseEncodes)
        try kspace.withUnsafeMutableBufferPointer { out in
            for acquisition in acquisitions {
                let samples = acquisition.data.shape[1]
                let column = acquisition.encodeStep1 + stepOffset
                guard acquisition.data.shape[0] == coils, column >= 0, column < phaseEncodes, samples <= readout else {
                    throw AmbientError(.badFormat, path, "acquisition (step \(acquisition.encodeStep1), slice \(acquisition.slice)) " +
                                       "with \(acquisition.data.shape) samples does not fit \(coils) coils × \(readout) × \(phaseEncodes)")
                }
                let rowOffset = readout / 2 - acquisition.centerSample
                let reverse = acquisition.has(.isReverse)
                counts[acquisition.slice * phaseEncodes + column] += 1
                acquisition.data.withUnsafeBufferPointer { src in
                    for c in 0..<coils {
                        for s in 0..<samples {
                            let row = rowOffset + (reverse ? samples - 1 - s : s)
                            guard row >= 0, row < readout else { continue }
                            out[((acquisition.slice * coils + c) * readout + row) * phaseEncodes + column] += src[c * samples + s]
                        }
                    }
                }
            }
            // Repeated lines (averages) are averaged.
            for slice in 0..<slices {
                for column in 0..<phaseEncodes where counts[slice * phaseEncodes + column] > 1 {
                    let scale = 1 / counts[slice * phaseEncodes + column]
                    for c in 0..<coils {
                        for row in 0..<readout { out[((slice * coils + c) * readout + row) * phaseEncodes + column] *= scale }
                    }
                }
            }
        }
        let sampled = RealArray(shape: [slices, phaseEncodes]) { counts[$0] > 0 ? 1 : 0 }
        if removeOversampling {
            let keep = Self.readoutSamplesAfterOversamplingRemoval(header: header, readout: readout)
            if keep < readout { kspace = Self.cropReadout(kspace, to: keep) }
        }
        try kspace.requireFinite(path, what: "k-space")
        return MRDCartesianKSpace(kspace: kspace, sampledColumns: sampled, repetition: repetition, header: header)
    }

    /// Readout length covering the recon field of view: encoded x · reconFOV.x / encodedFOV.x.
    static func readoutSamplesAfterOversamplingRemoval(header: MRDHeader, readout: Int) -> Int {
        let encodedFOV = header.encodedFieldOfViewMM[0], reconFOV = header.reconFieldOfViewMM[0]
        guard encodedFOV > 0, reconFOV > 0, reconFOV < encodedFOV else { return readout }
        return Int((Double(readout) * reconFOV / encodedFOV).rounded())
    }

    /// Centred unitary inverse FFT along the readout (row) axis, keep the centre `keep` rows, FFT back.
    /// The unitary scaling makes the image of the result the centre crop of the original image.
    static func cropReadout(_ kspace: ComplexArray, to keep: Int) -> ComplexArray {
        let rows = kspace.shape[kspace.rank - 2], columns = kspace.shape[kspace.rank - 1]
        let planes = kspace.count / (rows * columns)
        // FFT acts on the last two axes; putting readout second to last with a trailing axis of 1
        // makes it a 1-D transform along readout.
        let lines = transposePlanes(kspace, planes: planes, rows: rows, columns: columns).reshaped([planes * columns, rows, 1])
        let image = FFT.inverse(lines)
        let start = rows / 2 - keep / 2
        let cropped = ComplexArray(shape: [planes * columns, keep, 1]) { out in
            image.withUnsafeBufferPointer { src in
                for line in 0..<(planes * columns) {
                    for r in 0..<keep { out[line * keep + r] = src[line * rows + start + r] }
                }
            }
        }
        let back = FFT.forward(cropped)
        return transposePlanes(back, planes: planes, rows: columns, columns: keep)
            .reshaped(Array(kspace.shape.dropLast(2)) + [keep, columns])
    }

    /// [planes, rows, columns] → [planes, columns, rows]
    private static func transposePlanes(_ x: ComplexArray, planes: Int, rows: Int, columns: Int) -> ComplexArray {
        ComplexArray(shape: [planes, columns, rows]) { out in
            x.withUnsafeBufferPointer { src in
                for p in 0..<planes {
                    for r in 0..<rows {
                        for c in 0..<columns { out[(p * columns + c) * rows + r] = src[(p * rows + r) * columns + c] }
                    }
                }
            }
        }
    }
}

/// Reads the acquisition compound by member name: the memory type lists only the fields we use and
/// HDF5 matches them to the file's layout, so offsets come from the file, not from assumptions.
private struct AcquisitionLayout {
    let dataset: HDF5Dataset
    let recordType: HDF5Handle

    static let headFields: [(name: String, offset: Int, bytes: Int)] = [
        ("flags", 0, 8), ("number_of_samples", 8, 2), ("active_channels", 10, 2), ("center_sample", 12, 2),
    ]
    static let indexFields = ["kspace_encode_step_1", "kspace_encode_step_2", "average", "slice", "contrast", "phase", "repetition"]
    static let indexOffset = 14
    static let headSize = indexOffset + 2 * indexFields.count
    static let dataOffset = 32            // after head (28 bytes), aligned for hvl_t
    static let recordSize = dataOffset + MemoryLayout<hvl_t>.stride

    init(dataset: HDF5Dataset) throws {
        self.dataset = dataset
        let subject = dataset.subject
        let fileType = try h5check(H5Dget_type(dataset.handle.id), .unreadable, subject, "cannot read acquisition type")
        try closeAfter(fileType, H5Tclose) { fileType in
            guard H5Tget_class(fileType) == H5T_COMPOUND else {
                throw AmbientError(.badFormat, subject, "acquisitions must be a compound (head, traj, data), found \(HDF5ElementType(typeID: fileType))")
            }
            try Self.requireMembers(["head", "data"], in: fileType, subject: subject)
            let head = H5Tget_member_type(fileType, UInt32(H5Tget_member_index(fileType, "head")))
            try closeAfter(head, H5Tclose) { head in
                try Self.requireMembers(Self.headFields.map(\.name) + ["idx"], in: head, subject: subject + " head")
                let index = H5Tget_member_type(head, UInt32(H5Tget_member_index(head, "idx")))
                try closeAfter(index, H5Tclose) { try Self.requireMembers(Self.indexFields, in: $0, subject: subject + " head.idx") }
            }
            let dataType = H5Tget_member_type(fileType, UInt32(H5Tget_member_index(fileType, "data")))
            try closeAfter(dataType, H5Tclose) { dataType in
                guard H5Tget_class(dataType) == H5T_VLEN else {
                    throw AmbientError(.badFormat, subject, "acquisition 'data' must be variable-length floats, found \(HDF5ElementType(typeID: dataType))")
                }
            }
        }

        func compound(_ size: Int) throws -> HDF5Handle {
            HDF5Handle(try h5check(H5Tcreate(H5T_COMPOUND, size), .backend, subject, "cannot create type"), close: H5Tclose)
        }
        let index = try compound(2 * Self.indexFields.count)
        for (i, name) in Self.indexFields.enumerated() {
            try h5check(H5Tinsert(index.id, name, 2 * i, ambient_H5T_NATIVE_UINT16()), .backend, subject, "cannot build type")
        }
        let headType = try compound(Self.headSize)
        for field in Self.headFields {
            let native = field.bytes == 8 ? ambient_H5T_NATIVE_UINT64() : ambient_H5T_NATIVE_UINT16()
            try h5check(H5Tinsert(headType.id, field.name, field.offset, native), .backend, subject, "cannot build type")
        }
        try h5check(H5Tinsert(headType.id, "idx", Self.indexOffset, index.id), .backend, subject, "cannot build type")
        let samples = HDF5Handle(try h5check(H5Tvlen_create(ambient_H5T_NATIVE_FLOAT()), .backend, subject, "cannot build type"), close: H5Tclose)
        recordType = try compound(Self.recordSize)
        try h5check(H5Tinsert(recordType.id, "head", 0, headType.id), .backend, subject, "cannot build type")
        try h5check(H5Tinsert(recordType.id, "data", Self.dataOffset, samples.id), .backend, subject, "cannot build type")
    }

    private static func requireMembers(_ names: [String], in type: hid_t, subject: String) throws {
        for name in names where H5Tget_member_index(type, name) < 0 {
            _ = HDF5Library.takeErrorMessage()
            throw AmbientError(.badFormat, subject, "compound type lacks member '\(name)' (not an ISMRMRD acquisition table?)")
        }
    }

    func read(start: Int, count: Int) throws -> [MRDAcquisition] {
        let subject = dataset.subject
        let fileSpace = try h5check(H5Dget_space(dataset.handle.id), .unreadable, subject, "cannot read shape")
        return try closeAfter(fileSpace, H5Sclose) { fileSpace in
            var hStart = [hsize_t(start)], hCount = [hsize_t(count)]
            try h5check(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &hStart, nil, &hCount, nil), .unreadable, subject, "cannot select")
            let memorySpace = try h5check(H5Screate_simple(1, &hCount, nil), .backend, subject, "cannot create dataspace")
            return try closeAfter(memorySpace, H5Sclose) { memorySpace in
                let buffer = UnsafeMutableRawPointer.allocate(byteCount: count * Self.recordSize, alignment: 16)
                buffer.initializeMemory(as: UInt8.self, repeating: 0, count: count * Self.recordSize)
                defer { buffer.deallocate() }
                try h5check(H5Dread(dataset.handle.id, recordType.id, memorySpace, fileSpace, ambient_H5P_DEFAULT(), buffer),
                            .unreadable, subject, "cannot read acquisitions \(start)..<\(start + count)")
                defer { _ = H5Dvlen_reclaim(recordType.id, memorySpace, ambient_H5P_DEFAULT(), buffer) }
                return try (0..<count).map { try decode(buffer + $0 * Self.recordSize, number: start + $0) }
            }
        }
    }

    private func decode(_ record: UnsafeMutableRawPointer, number: Int) throws -> MRDAcquisition {
        func u16(_ offset: Int) -> Int { Int(record.loadUnaligned(fromByteOffset: offset, as: UInt16.self)) }
        func index(_ name: String) -> Int { u16(Self.indexOffset + 2 * Self.indexFields.firstIndex(of: name)!) }
        let samples = u16(8), channels = u16(10)
        let vlen = record.loadUnaligned(fromByteOffset: Self.dataOffset, as: hvl_t.self)
        guard vlen.len == 2 * samples * channels else {
            throw AmbientError(.badFormat, dataset.subject,
                               "acquisition \(number) has \(vlen.len) floats, header says \(samples) samples × \(channels) channels × 2")
        }
        let data = ComplexArray(shape: [channels, samples]) { out in
            guard let p = vlen.p, out.count > 0 else { return }
            out.baseAddress!.withMemoryRebound(to: Float.self, capacity: 2 * out.count) { floats in
                floats.update(from: p.assumingMemoryBound(to: Float.self), count: 2 * out.count)
            }
        }
        return MRDAcquisition(flags: record.loadUnaligned(fromByteOffset: 0, as: UInt64.self), centerSample: u16(12),
                              encodeStep1: index("kspace_encode_step_1"), encodeStep2: index("kspace_encode_step_2"),
                              average: index("average"), slice: index("slice"), contrast: index("contrast"),
                              repetition: index("repetition"), data: data)
    }
}
