import AmbientCore
import AmbientIO

/// `ambient info`: what a file holds.
public enum InfoCommand: Command {
    public static let name = "info"
    public static let summary = "describe scan and array files (format, datasets, shapes, coils, header)"
    public static let arguments = "<file…>"
    public static let discussion = "Reads fastMRI and ISMRMRD HDF5, BART .cfl, NumPy .npy, NIfTI and PNG. Unreadable files are reported and skipped (exit status 1)."
    public static let options: [OptionSpec] = []

    public static func run(_ args: ParsedArguments) throws {
        let files = try args.requirePositionals(["<file>"], atLeast: true)
        var batch = BatchRun(command: name)
        for file in files {
            batch.process(file) { print(try describe(file)) }
        }
        try batch.finish(quiet: true)
    }
}
