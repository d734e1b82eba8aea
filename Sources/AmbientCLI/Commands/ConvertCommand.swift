import AmbientCore
import AmbientIO
import Foundation

/// `ambient convert`: k-space from any supported source into the fastMRI layout.
public enum ConvertCommand: Command {
    public static let name = "convert"
    public static let summary = "convert k-space (.npy, .cfl, ISMRMRD) to a fastMRI-layout .h5 file"
    public static let arguments = "<kspace> <output.h5>"
    public static let discussion = """
        Input: a k-space array [coils, ky, kx] or [slices, coils, ky, kx] (.npy or .cfl; the last axis must be the phase-encoding
        direction, see docs/conventions.md), or an ISMRMRD file (Cartesian; oversampling removed). Writes `kspace`
        complex64 [slices, coils, ky, kx] (compressed), the sampling pattern as `slice_masks`, and attributes.
        """
    public static let options = [
        OptionSpec(nil, "patient-id", value: "ID", help: "patient_id attribute (default: the input's name)"),
        OptionSpec(nil, "acquisition", value: "TEXT", help: "acquisition attribute"),
    ]

    public static func run(_ args: ParsedArguments) throws {
        let paths = try args.requirePositionals(["<kspace>", "<output.h5>"])
        let scan = try ScanFiles.open(paths[0])
        let first = try scan.slice(0)
        var kspace = ComplexArray(zeros: [scan.sliceCount] + first.kspace.shape)
        var masks = RealArray(zeros: [scan.sliceCount] + first.mask.shape)
        for s in 0..<scan.sliceCount {
            let slice = s == 0 ? first : try scan.slice(s)
            guard slice.kspace.shape == first.kspace.shape else {
                throw AmbientError(.badShape, paths[0], "slice \(s) has shape \(slice.kspace.shape), slice 0 has \(first.kspace.shape)")
            }
            kspace.setSlice(s, to: slice.kspace)
            masks.setSlice(s, to: slice.mask)
        }
        let writer = try FastMRIWriter(path: paths[1], compressed: true)
        try writer.writeKSpace(kspace)
        try writer.writeArray(masks, name: "slice_masks")
        let stem = ((paths[0] as NSString).lastPathComponent as NSString).deletingPathExtension
        try writer.setAttribute("patient_id", .string(args.string("patient-id") ?? stem))
        try writer.setAttribute("acquisition", .string(args.string("acquisition") ?? "converted from \((paths[0] as NSString).lastPathComponent)"))
        try writer.setAttribute("acceleration", .double(SamplingMasks.acceleration(of: masks)))
        try writer.commit()
    }
}
