import AmbientCore
import AmbientIO
import Foundation

/// `ambient recon`: reconstruct k-space arrays, or folders of scanner exports in batch.
public enum ReconCommand: Command {
    public static let name = "recon"
    public static let summary = "reconstruct undersampled k-space (zero-filled, sense, l1-wavelet, tv)"
    public static let arguments = "<kspace> <output>  |  -o <outdir> <input…>"
    public static let discussion = """
        Array mode: <kspace> is a .cfl/.npy array [coils, ky, kx] (or [slices, coils, ky, kx]); the complex image
        goes to <output>. Mask: --mask, else the non-zero pattern of the k-space. Maps: --maps, else ESPIRiT.
        Batch mode (-o DIR): inputs are files or folders of fastMRI (.h5), ISMRMRD (.h5) and .cfl/.npy scans; each
        gives DIR/<name>.h5 with dataset `reconstruction` (magnitude, float32 [slices, H, W], cropped to the
        header's recon matrix) as fastMRI's evaluation expects, and DIR/png/<name>_sNNN.png per slice. A bad file is reported and skipped; the exit status
        is 1 if any failed. --shard i/N splits a batch across N jobs.
        λ follows BART's `pics -r` convention (data scaled as BART does; docs/recon.md).
        """
    public static let options = [
        OptionSpec(nil, "method", value: "M", default: "l1-wavelet", help: ReconMethod.allCases.map(\.rawValue).joined(separator: " | ")),
        CommonOptions.lambda,
        CommonOptions.iterations,
        CommonOptions.mask,
        CommonOptions.maps,
        CommonOptions.outputDir,
        OptionSpec(nil, "no-png", help: "batch mode: skip the per-slice PNG pictures"),
        OptionSpec(nil, "shard", value: "i/N", help: "process only every N-th file starting at i (0-based)"),
        CommonOptions.threads,
        CommonOptions.quiet,
    ]

    public static func settings(_ args: ParsedArguments) throws -> ReconSettings {
        let methodName = args.string("method")!
        guard let method = ReconMethod(rawValue: methodName) else {
            throw AmbientError(.badArgument, "", "unknown --method '\(methodName)' (\(ReconMethod.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        var settings = ReconSettings(method: method)
        settings.lambda = try args.float("lambda")
        settings.iterations = try args.int("iterations")
        if let shard = args.string("shard") { settings.shard = try Shard(parsing: shard) }
        return settings
    }

    public static func run(_ args: ParsedArguments) throws {
        let settings = try settings(args)
        let mask = try args.string("mask").map(ArrayFiles.readReal)
        let maps = try args.string("maps").map(ArrayFiles.readComplex)
        if let outdir = args.string("output") {
            try runBatch(inputs: try args.requirePositionals(["<input>"], atLeast: true), outdir: outdir,
                         settings: settings, mask: mask, maps: maps, quiet: args.flag("quiet"), pictures: !args.flag("no-png"))
        } else {
            let paths = try args.requirePositionals(["<kspace>", "<output>"])
            let scan = try ArrayScan(path: paths[0], maskOverride: mask, mapsOverride: maps)
            let images = try (0..<scan.sliceCount).map { try settings.reconstruct(try scan.slice($0), subject: paths[0]) }
            try ArrayFiles.write(images.count == 1 ? images[0] : ComplexArray.stack(images), to: paths[1])
        }
    }

    public static func runBatch(inputs: [String], outdir: String, settings: ReconSettings,
                         mask: RealArray?, maps: ComplexArray?, quiet: Bool, pictures: Bool) throws {
        let files = settings.shard.select(try ScanFiles.expand(inputs))
        try FileManager.default.createDirectory(atPath: outdir, withIntermediateDirectories: true)
        try ConfigFile.save(settings, to: (outdir as NSString).appendingPathComponent("recon_options.json"))
        var batch = BatchRun(command: name)
        let progress = ProgressBar("recon \(settings.method.rawValue)", total: files.count, unit: "files", enabled: !quiet)
        for file in files {
            batch.process(file) {
                let scan = try ScanFiles.open(file, mask: mask, maps: maps)
                let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
                let output = (outdir as NSString).appendingPathComponent(stem + ".h5")
                var slices: [RealArray] = []
                for s in 0..<scan.sliceCount {
                    let image = try settings.reconstruct(try scan.slice(s), subject: "\(file) slice \(s)")
                    slices.append(centreCrop(image.magnitude, to: scan.cropSize))
                }
                try FastMRIWriter.writeReconstruction(RealArray.stack(slices), to: output)
                if pictures {
                    let folder = (outdir as NSString).appendingPathComponent("png")
                    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                    for (s, image) in slices.enumerated() {
                        try PNG.writeMagnitude(image, to: (folder as NSString).appendingPathComponent(String(format: "%@_s%03d.png", stem, s)))
                    }
                }
            }
            progress.advance(status: (file as NSString).lastPathComponent)
        }
        progress.finish()
        try batch.finish(quiet: quiet)
    }
}
