import AmbientCore

/// `ambient corrupt`: the Ambient further corruption Ã = B·A of an observed mask A.
public enum CorruptCommand: Command {
    public static let name = "corrupt"
    public static let summary = "remove further samples from a mask (Ambient's Ã = B·A); ACS never removed"
    public static let arguments = "<mask> <output>"
    public static let discussion = """
        Exactly one of: --delta P (each sampled position outside the calibration region removed with probability P),
        --drop-lines N (N sampled non-ACS columns removed), --drop-fraction F (that fraction of the non-ACS columns).
        With --data FILE, also writes that array (k-space or image, mask broadcast) masked by Ã to --data-out.
        """
    public static let options = [
        OptionSpec("d", "delta", value: "P", help: "pixel removal probability δ"),
        OptionSpec(nil, "drop-lines", value: "N", help: "remove N sampled non-ACS lines"),
        OptionSpec(nil, "drop-fraction", value: "F", help: "remove this fraction of the sampled non-ACS lines"),
        CommonOptions.seed,
        OptionSpec(nil, "data", value: "FILE", help: "array to mask with Ã"),
        OptionSpec(nil, "data-out", value: "FILE", help: "where the masked --data goes"),
    ]

    public static func run(_ args: ParsedArguments) throws {
        let paths = try args.requirePositionals(["<mask>", "<output>"])
        let mask = try ArrayFiles.readReal(paths[0])
        guard mask.rank == 2 else { throw AmbientError(.badShape, paths[0], "a mask must be [ky, kx], got \(mask.shape)") }
        let choices: [FurtherCorruption?] = [
            try args.float("delta").map { .pixels(probability: Double($0)) },
            try args.int("drop-lines").map { .lines(count: $0) },
            try args.float("drop-fraction").map { .lineFraction(fraction: Double($0)) },
        ]
        let given = choices.compactMap { $0 }
        guard given.count == 1 else {
            throw AmbientError(.badArgument, "", "give exactly one of --delta, --drop-lines, --drop-fraction")
        }
        var rng = SeededGenerator(seed: UInt64(try args.int("seed") ?? 0))
        let further = try Corruptions.furtherCorrupt(mask, by: given[0], using: &rng)
        try ArrayFiles.write(further, to: paths[1])
        note(String(format: "R %.2f → %.2f", SamplingMasks.acceleration(of: mask), SamplingMasks.acceleration(of: further)))
        if let dataPath = args.string("data") {
            guard let out = args.string("data-out") else { throw AmbientError(.badArgument, "", "--data needs --data-out") }
            let data = try ArrayFiles.readComplex(dataPath)
            guard Array(data.shape.suffix(2)) == mask.shape else {
                throw AmbientError(.badShape, dataPath, "shape \(data.shape) does not end in the mask's \(mask.shape)")
            }
            try ArrayFiles.write(LinearOperator.mask(further, shape: data.shape).forward(data), to: out)
        }
    }
}
