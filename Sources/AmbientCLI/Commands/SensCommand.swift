import AmbientCore

/// `ambient sens`: coil sensitivity maps by ESPIRiT (like `bart ecalib -m1`).
public enum SensCommand: Command {
    public static let name = "sens"
    public static let summary = "estimate coil sensitivities with ESPIRiT (like `bart ecalib -m1`)"
    public static let arguments = "<kspace> <maps>"
    public static let discussion = """
        k-space [coils, ky, kx] (or [slices, coils, ky, kx], one calibration per slice) → maps of the same shape.
        The calibration region is the fully sampled centre (detected), at most --calibration wide.
        """
    public static let options = [
        OptionSpec("k", "kernel", value: "N", default: "6", help: "kernel size"),
        OptionSpec(nil, "calibration", value: "N", default: "24", help: "largest calibration region size"),
        OptionSpec(nil, "threshold", value: "T", default: "0.001", help: "singular-value threshold (relative)"),
        OptionSpec("c", "crop", value: "C", default: "0.8", help: "eigenvalue crop: maps are zero where the eigenvalue is below C"),
        CommonOptions.threads,
    ]

    public static func config(_ args: ParsedArguments) throws -> ESPIRiTConfig {
        ESPIRiTConfig(kernelSize: try args.int("kernel")!, calibrationSize: try args.int("calibration")!,
                      threshold: try args.float("threshold")!, crop: try args.float("crop")!)
    }

    public static func run(_ args: ParsedArguments) throws {
        let paths = try args.requirePositionals(["<kspace>", "<maps>"])
        let kspace = try ArrayFiles.readComplex(paths[0])
        let config = try config(args)
        let maps: ComplexArray
        switch kspace.rank {
        case 3:
            maps = try ESPIRiT.sensitivities(kspace: kspace, config: config, subject: paths[0])
        case 4:
            maps = ComplexArray.stack(try (0..<kspace.shape[0]).map {
                try ESPIRiT.sensitivities(kspace: kspace.slice($0), config: config, subject: "\(paths[0]) slice \($0)")
            })
        default:
            throw AmbientError(.badShape, paths[0], "expected k-space [coils, ky, kx] or [slices, coils, ky, kx], got \(kspace.shape)")
        }
        try ArrayFiles.write(maps, to: paths[1])
    }
}
