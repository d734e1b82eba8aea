import AmbientCore

/// `ambient fft`: centred unitary 2-D FFT over the last two axes (like `bart fft -u 3`).
public enum FFTCommand: Command {
    public static let name = "fft"
    public static let summary = "centred unitary 2-D FFT over the last two axes"
    public static let arguments = "<input> <output>"
    public static let discussion = "Batched over all leading axes (coils, slices). Unitary: ‖F x‖ = ‖x‖. Same as `bart fft -u 3` for even sizes."
    public static let options = [
        OptionSpec("I", "inverse", help: "inverse transform"),
        CommonOptions.threads,
    ]

    public static func run(_ args: ParsedArguments) throws {
        let paths = try args.requirePositionals(["<input>", "<output>"])
        let input = try ArrayFiles.readComplex(paths[0])
        guard input.rank >= 2 else {
            throw AmbientError(.badShape, paths[0], "needs at least 2 axes for a 2-D FFT, has shape \(input.shape)")
        }
        let output = args.flag("inverse") ? FFT.inverse(input) : FFT.forward(input)
        try ArrayFiles.write(output, to: paths[1])
    }
}
