import AmbientCore
import AmbientIO
import Foundation

/// `ambient recon`: reconstruct k-space arrays, or folders of scanner exports in batch.
public enum ReconCommand: Command {
    public static let name = "recon"
    public static let summary = "reconstruct undersampled k-space (zero-filled, sense, l1-wavelet, tv, ambient-dps, ambient-os)"
    public static let arguments = "<kspace> <output>  |  -o <outdir> <input…>"
    public static let discussion = """
        Array mode: <kspace> is a .cfl/.npy array [coils, ky, kx] (or [slices, coils, ky, kx]); the complex image
        goes to <output>. Mask: --mask, else the file's, else the non-zero pattern of the k-space. Maps: --maps,
        else the file's sens_maps, else ESPIRiT on the calibration region.
        Batch mode (-o DIR): inputs are files or folders of fastMRI (.h5), ISMRMRD (.h5) and .cfl/.npy scans; each
        gives DIR/<name>.h5 with dataset `reconstruction` (magnitude, float32 [slices, H, W], cropped to the
        header's recon matrix) as fastMRI's evaluation expects — plus `uncertainty` (posterior standard deviation)
        with --samples > 1 — and DIR/png/<name>_sNNN.png per slice. A bad file is reported and skipped; the exit
        status is 1 if any failed. --shard i/N splits a batch across N jobs. Settings go to DIR/recon_options.json.
        λ follows BART's `pics -r` convention (data scaled as BART does; docs/recon.md).
        ambient-dps: Ambient Diffusion Posterior Sampling (Aali et al. 2025) with --model; -i sets the EDM steps
        (network evaluations; 100, or 30 with --warm-start), --step-size the likelihood step ζ; slices go through the
        network --slice-batch at a time.
        --warm-start M begins the reverse diffusion at method M's reconstruction noised to --start-sigma instead of
        at pure noise (Come-Closer-Diffuse-Faster, Chung et al. 2022): on the brain64 R = 8 set 30 steps so started
        match 100 from noise (docs/results.md). With --masks-per-sample K > 1, --mask-combination selective takes each
        k-space line from the masks whose Ã kept it (where the prior denoised rather than inpainted).
        --low-noise-model M hands the low-noise end over to a prior trained on clean images (the base model):
        the estimate is noised to --handover-sigma and A-DPS goes on with M for --low-noise-steps steps. An ambient
        prior is trained, and sampled, only down to its σ floor; below it the clean prior removes the faint haze its
        estimate leaves (Ambient-Omni's use of clean data at low noise; docs/results.md). The uncertainty map then
        shows the second stage's spread.
        ambient-os: the one-step estimate (one network call on Aᴴy).
        """
    public static let options = [
        OptionSpec(nil, "method", value: "M", default: "l1-wavelet", help: ReconMethod.allCases.map(\.rawValue).joined(separator: " | ")),
        CommonOptions.lambda,
        CommonOptions.iterations,
        CommonOptions.mask,
        CommonOptions.maps,
        CommonOptions.outputDir,
        OptionSpec(nil, "model", value: "DIR", help: "learned prior (ambient-*): diffusers folder, checkpoint or run folder"),
        OptionSpec(nil, "samples", value: "N", default: "1", help: "ambient-dps: posterior samples per slice (mean + uncertainty)"),
        OptionSpec(nil, "step-size", value: "ζ", help: "ambient-dps: likelihood step size"),
        OptionSpec(nil, "prior-input", value: "HOW", default: "matched", help: "ambient-*: matched (the prior's training input) | full (x_t, all-ones mask)"),
        OptionSpec(nil, "masks-per-sample", value: "K", default: "1", help: "ambient-dps: average the prior over K fixed masks Ã per step (K× network work)"),
        OptionSpec(nil, "mask-combination", value: "HOW", default: "average", help: "ambient-dps with K > 1: average | selective (each k-space line from the masks that kept it)"),
        OptionSpec(nil, "data-consistency", value: "HOW", default: "none", help: "ambient-*: final projection onto the data: none | replace (sampled k-space) | cg (5 CG steps)"),
        OptionSpec(nil, "warm-start", value: "M", help: "ambient-dps: start from method M's reconstruction (zero-filled | sense | l1-wavelet | tv, λ from -r) noised to --start-sigma, not from pure noise"),
        OptionSpec(nil, "start-sigma", value: "σ", default: "1", help: "ambient-dps with --warm-start: the noise level the estimate is raised to (the image's 99th percentile is 1)"),
        OptionSpec(nil, "low-noise-model", value: "DIR", help: "ambient-dps: a plain prior (clean images, e.g. the base model) that finishes below --handover-sigma"),
        OptionSpec(nil, "handover-sigma", value: "σ", default: "0.2", help: "ambient-dps with --low-noise-model: the noise level the estimate is raised to for the hand-over"),
        OptionSpec(nil, "low-noise-steps", value: "N", default: "20", help: "ambient-dps with --low-noise-model: EDM steps of the second stage"),
        OptionSpec(nil, "slice-batch", value: "N", default: "8", help: "slices reconstructed together (memory stays bounded by these)"),
        CommonOptions.seed,
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
        settings.model = args.string("model")
        settings.samples = try args.int("samples")!
        settings.stepSize = try args.float("step-size")
        settings.sliceBatch = try args.int("slice-batch")!
        settings.seed = UInt64(try args.int("seed") ?? 0)
        settings.priorInput = args.string("prior-input")!
        guard ["matched", "full"].contains(settings.priorInput) else {
            throw AmbientError(.badArgument, "", "--prior-input must be matched or full, got '\(settings.priorInput)'")
        }
        settings.masksPerSample = try args.int("masks-per-sample")!
        settings.maskCombination = args.string("mask-combination")!
        guard ["average", "selective"].contains(settings.maskCombination) else {
            throw AmbientError(.badArgument, "", "--mask-combination must be average or selective, got '\(settings.maskCombination)'")
        }
        settings.dataConsistency = args.string("data-consistency")!
        guard ["none", "replace", "cg"].contains(settings.dataConsistency) else {
            throw AmbientError(.badArgument, "", "--data-consistency must be none, replace or cg, got '\(settings.dataConsistency)'")
        }
        if let name = args.string("warm-start") {
            guard let warm = ReconMethod(rawValue: name), !warm.isLearned else {
                throw AmbientError(.badArgument, "", "--warm-start must be zero-filled, sense, l1-wavelet or tv, got '\(name)'")
            }
            guard method == .ambientDPS else { throw AmbientError(.badArgument, "", "--warm-start applies to --method ambient-dps only") }
            settings.warmStart = warm
        }
        settings.startSigma = try args.float("start-sigma")!
        guard settings.startSigma > 0, settings.startSigma.isFinite else {
            throw AmbientError(.badArgument, "", "--start-sigma must be positive, got \(settings.startSigma)")
        }
        if let model = args.string("low-noise-model") {
            guard method == .ambientDPS else { throw AmbientError(.badArgument, "", "--low-noise-model applies to --method ambient-dps only") }
            settings.lowNoiseModel = model
        }
        settings.handoverSigma = try args.float("handover-sigma")!
        settings.lowNoiseSteps = try args.int("low-noise-steps")!
        guard settings.handoverSigma > 0, settings.handoverSigma.isFinite else {
            throw AmbientError(.badArgument, "", "--handover-sigma must be positive, got \(settings.handoverSigma)")
        }
        guard settings.lowNoiseSteps >= 1 else { throw AmbientError(.badArgument, "", "--low-noise-steps must be ≥ 1, got \(settings.lowNoiseSteps)") }
        // Settings of an option that is absent would be silently ignored: refuse them instead.
        for (option, needs) in [("start-sigma", "warm-start"), ("handover-sigma", "low-noise-model"), ("low-noise-steps", "low-noise-model")]
        where args.given.contains(option) && !args.has(needs) {
            throw AmbientError(.badArgument, "", "--\(option) applies with --\(needs) only")
        }
        guard settings.samples >= 1, settings.sliceBatch >= 1, settings.masksPerSample >= 1 else {
            throw AmbientError(.badArgument, "", "--samples, --masks-per-sample and --slice-batch must be ≥ 1")
        }
        if method.isLearned && settings.model == nil {
            throw AmbientError(.badArgument, "", "--method \(method.rawValue) needs --model (a trained prior)")
        }
        if let shard = args.string("shard") { settings.shard = try Shard(parsing: shard) }
        return settings
    }

    public static func run(_ args: ParsedArguments) throws {
        let settings = try settings(args)
        let mask = try args.string("mask").map(ArrayFiles.readReal)
        let maps = try args.string("maps").map(ArrayFiles.readComplex)
        let learned = try settings.method.isLearned ? ReconSettings.learnedReconstructor?(settings) : nil
        if let outdir = args.string("output") {
            try runBatch(inputs: try args.requirePositionals(["<input>"], atLeast: true), outdir: outdir, settings: settings,
                         learned: learned, mask: mask, maps: maps, quiet: args.flag("quiet"), pictures: !args.flag("no-png"))
        } else {
            let paths = try args.requirePositionals(["<kspace>", "<output>"])
            let scan = try ArrayScan(path: paths[0], maskOverride: mask, mapsOverride: maps)
            let slices = try (0..<scan.sliceCount).map { try scan.slice($0) }
            let images = try settings.reconstructSlices(slices, names: sampleNames(paths[0], slices: Array(slices.indices)), learned: learned).map(\.image)
            try ArrayFiles.write(images.count == 1 ? images[0] : ComplexArray.stack(images), to: paths[1])
        }
    }

    static func runBatch(inputs: [String], outdir: String, settings: ReconSettings, learned: LearnedReconstructor?,
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
                var images: [RealArray] = [], uncertainties: [RealArray] = []
                // Memory stays bounded by a group of slices, not the volume: --slice-batch slices for the
                // learned methods (which batch them through the network), one at a time otherwise.
                let groupSize = settings.method.isLearned ? settings.sliceBatch : 1
                for start in stride(from: 0, to: scan.sliceCount, by: groupSize) {
                    let indices = Array(start..<min(start + groupSize, scan.sliceCount))
                    let group = try indices.map { try scan.slice($0) }
                    let names = sampleNames(file, slices: indices)
                    let steps = StepProgress(label: "  \(stem) slices \(indices.first!)-\(indices.last!)",
                                             enabled: settings.method.isLearned && !quiet)
                    let results = try settings.reconstructSlices(group, names: names, learned: learned, progress: steps.report)
                    steps.finish()
                    for r in results {
                        images.append(centreCrop(r.image.magnitude, to: scan.cropSize))
                        if let u = r.uncertainty { uncertainties.append(centreCrop(u, to: scan.cropSize)) }
                    }
                }
                let writer = try FastMRIWriter(path: (outdir as NSString).appendingPathComponent(stem + ".h5"))
                try writer.writeReconstruction(RealArray.stack(images))
                if uncertainties.count == images.count { try writer.writeArray(RealArray.stack(uncertainties), name: "uncertainty") }
                try writer.commit()
                if pictures {
                    let folder = (outdir as NSString).appendingPathComponent("png")
                    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                    for (s, image) in images.enumerated() {
                        try PNG.writeMagnitude(image, to: (folder as NSString).appendingPathComponent(String(format: "%@_s%03d.png", stem, s)))
                        if s < uncertainties.count {
                            try PNG.writeMagnitude(uncertainties[s], to: (folder as NSString).appendingPathComponent(String(format: "%@_s%03d_std.png", stem, s)))
                        }
                    }
                }
            }
            progress.advance(status: (file as NSString).lastPathComponent)
        }
        progress.finish()
        try batch.finish(quiet: quiet)
    }

    /// Names that seed the posterior samples: "<file name> slice <n>", never the folder, so a scan
    /// reconstructs the same wherever it lies (docs/conventions.md, Randomness).
    static func sampleNames(_ file: String, slices: [Int]) -> [String] {
        let name = (file as NSString).lastPathComponent
        return slices.map { "\(name) slice \($0)" }
    }
}
