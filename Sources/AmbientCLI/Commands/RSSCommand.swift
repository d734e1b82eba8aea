import AmbientCore

/// `ambient rss`: root-sum-of-squares coil combination.
public enum RSSCommand: Command {
    public static let name = "rss"
    public static let summary = "root-sum-of-squares coil combination"
    public static let arguments = "<input> <output>"
    public static let discussion = "Input: coil images [coils, y, x] (or [slices, coils, y, x]); with --kspace the input is k-space and is inverse-FFT'd first."
    public static let options = [OptionSpec("k", "kspace", help: "input is k-space")]

    public static func run(_ args: ParsedArguments) throws {
        let paths = try args.requirePositionals(["<input>", "<output>"])
        var data = try ArrayFiles.readComplex(paths[0])
        guard data.rank == 3 || data.rank == 4 else {
            throw AmbientError(.badShape, paths[0], "expected [coils, y, x] or [slices, coils, y, x], got \(data.shape)")
        }
        try data.requireFinite(paths[0])
        if args.flag("kspace") { data = FFT.inverse(data) }
        let result: RealArray
        if data.rank == 3 {
            result = try Coils.rootSumOfSquares(data)
        } else {
            result = RealArray.stack(try (0..<data.shape[0]).map { try Coils.rootSumOfSquares(data.slice($0)) })
        }
        try ArrayFiles.write(result, to: paths[1])
    }
}
