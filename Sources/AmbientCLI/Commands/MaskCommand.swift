import AmbientCore
import AmbientIO

/// `ambient mask`: draw a sampling mask or an image-domain corruption mask.
public enum MaskCommand: Command {
    public static let name = "mask"
    public static let summary = "make a sampling or corruption mask ([ky, kx], 1 = sampled)"
    public static let arguments = "<output>"
    public static let discussion = """
        Cartesian masks sample whole columns (the last axis is phase encoding), as fastMRI's do.
        Examples:
          ambient mask --type cartesian-random -R 4 --center-fraction 0.08 --size 64x64 -s 1 mask.npy
          ambient mask --type poisson -R 6 --acs 16 --size 256x256 mask.cfl
          ambient mask --type boxes --boxes 2 --box-size 16x16 --size 64x64 boxes.npy
        """
    public static let options = [CommonOptions.protocolFile] + MaskOptions.specs + [
        OptionSpec(nil, "size", value: "HxW", help: "mask size (default: the protocol's matrix, else 64x64)"),
        CommonOptions.seed,
    ]

    public static func run(_ args: ParsedArguments) throws {
        let paths = try args.requirePositionals(["<output>"])
        let proto = try args.string("protocol").map(AcquisitionProtocol.load)
        guard let spec = try MaskOptions.spec(args, fallback: proto?.mask) else {
            throw AmbientError(.badArgument, "", "give --type or --protocol (see `ambient mask --help`)")
        }
        let (h, w) = try args.string("size").map { try MaskOptions.size($0, option: "size", command: name) }
            ?? proto.map { ($0.matrix[0], $0.matrix[1]) } ?? (64, 64)
        var rng = SeededGenerator(seed: UInt64(try args.int("seed") ?? 0))
        let mask = try spec.make(height: h, width: w, using: &rng)
        try ArrayFiles.write(mask, to: paths[0])
        note(String(format: "mask %dx%d, %.1f%% sampled (R = %.2f)", h, w, 100 / SamplingMasks.acceleration(of: mask), SamplingMasks.acceleration(of: mask)))
    }
}
