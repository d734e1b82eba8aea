import AmbientCore
import AmbientIO

/// `ambient undersample`: keep the k-space samples a mask selects (zeros elsewhere).
public enum UndersampleCommand: Command {
    public static let name = "undersample"
    public static let summary = "apply a sampling mask to k-space"
    public static let arguments = "<kspace> <output>"
    public static let discussion = """
        The mask ([ky, kx]) comes from --mask FILE, or is drawn from mask options (see `ambient mask --help`);
        it is broadcast over coils and slices. --mask-out saves the mask that was used.
        """
    public static let options = [CommonOptions.mask, CommonOptions.protocolFile] + MaskOptions.specs + [
        CommonOptions.seed,
        OptionSpec(nil, "mask-out", value: "FILE", help: "also write the mask used"),
    ]

    public static func run(_ args: ParsedArguments) throws {
        let paths = try args.requirePositionals(["<kspace>", "<output>"])
        let kspace = try ArrayFiles.readComplex(paths[0])
        guard kspace.rank >= 2 else { throw AmbientError(.badShape, paths[0], "k-space needs at least 2 axes, has \(kspace.shape)") }
        try kspace.requireFinite(paths[0], what: "k-space")
        let plane = Array(kspace.shape.suffix(2))
        let mask: RealArray
        if let maskPath = args.string("mask") {
            mask = try ArrayFiles.readReal(maskPath)
            guard mask.shape == plane else {
                throw AmbientError(.badShape, maskPath, "mask of shape \(mask.shape) does not fit k-space \(paths[0]) of shape \(kspace.shape) (needs \(plane))")
            }
        } else if let spec = try MaskOptions.spec(args, fallback: try args.string("protocol").map(AcquisitionProtocol.load)?.mask) {
            var rng = SeededGenerator(seed: UInt64(try args.int("seed") ?? 0))
            mask = try spec.make(height: plane[0], width: plane[1], using: &rng)
        } else {
            throw AmbientError(.badArgument, "", "give --mask FILE, --protocol FILE or mask options such as --type cartesian-random -R 4")
        }
        let undersampled = LinearOperator.mask(mask, shape: kspace.shape).forward(kspace)
        try ArrayFiles.write(undersampled, to: paths[1])
        if let out = args.string("mask-out") { try ArrayFiles.write(mask, to: out) }
    }
}
