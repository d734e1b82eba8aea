import AmbientCore
import AmbientIO
import Foundation

/// `ambient simulate`: clean image volumes → a corrupted multi-coil dataset in fastMRI layout.
public enum SimulateCommand: Command {
    public static let name = "simulate"
    public static let summary = "simulate undersampled multi-coil k-space from clean images (fastMRI layout)"
    public static let arguments = "-o <outdir> <image-volume…>"
    public static let discussion = """
        Inputs: NIfTI (.nii, .nii.gz; axial slices, anterior up), NumPy (.npy: [H, W] or [slices, H, W], real or
        complex), PNG, MNIST/Fashion-MNIST IDX images, fastMRI files (their reconstruction_rss). For each input volume and chosen slice: resize
        to the protocol's matrix, scale the volume to a maximum of 1, apply a smooth random phase, simulated
        birdcage coils, noise at the protocol's SNR, and a mask seeded by (protocol seed, file name, slice).
        Writes <outdir>/kspace/<name>.h5 (kspace with zeros where not sampled, slice_masks, sens_maps, attributes)
        and <outdir>/target/<name>.h5 (reconstruction_rss, complex `image`), plus protocol.json and preview.png.
        """
    public static let options = [
        CommonOptions.protocolFile,
        CommonOptions.outputDir,
        OptionSpec(nil, "matrix", value: "HxW", help: "image / k-space matrix"),
        OptionSpec(nil, "coils", value: "N", help: "number of simulated coils"),
        OptionSpec(nil, "snr", value: "DB", help: "k-space SNR in dB (\"none\" for no noise)"),
        OptionSpec(nil, "no-phase", help: "keep images real (no random phase)"),
        OptionSpec(nil, "slices", value: "A:B[:S]", help: "slice range (default: all slices with signal)"),
        OptionSpec(nil, "min-signal", value: "F", default: "0.2", help: "skip slices whose mean is below F × the busiest slice's"),
        OptionSpec(nil, "max-slices", value: "N", help: "keep at most N slices, evenly spaced"),
        OptionSpec(nil, "targets-only", help: "write only the clean targets (e.g. a pretraining corpus)"),
        OptionSpec(nil, "resize", value: "HOW", default: "image", help: "image (bilinear, anti-aliased) | kspace (centred crop/pad)"),
        CommonOptions.seed,
        CommonOptions.quiet,
    ] + MaskOptions.specs

    public static func run(_ args: ParsedArguments) throws {
        let inputs = try args.requirePositionals(["<image-volume>"], atLeast: true)
        guard let outdir = args.string("output") else { throw AmbientError(.badArgument, "", "give the output folder with -o DIR") }
        let proto = try resolvedProtocol(args)
        let selection = try SliceSelection(args)
        let fm = FileManager.default
        for sub in ["kspace", "target"] {
            try fm.createDirectory(atPath: (outdir as NSString).appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        try proto.save(to: (outdir as NSString).appendingPathComponent("protocol.json"))
        var batch = BatchRun(command: name)
        var previews: [ImagePanel] = []
        let progress = ProgressBar("simulate", total: inputs.count, unit: "volumes", enabled: !args.flag("quiet"))
        for input in inputs {
            batch.process(input) {
                let panels = try simulateVolume(input, proto: proto, selection: selection, resize: args.string("resize")!,
                                                outdir: outdir, targetsOnly: args.flag("targets-only"))
                if previews.count < 8 { previews += panels }
            }
            progress.advance(status: (input as NSString).lastPathComponent)
        }
        progress.finish()
        if !previews.isEmpty {
            try Figures.writeGrid(Array(previews.prefix(8)), to: (outdir as NSString).appendingPathComponent("preview.png"), columns: 4)
        }
        try batch.finish(quiet: args.flag("quiet"))
    }

    /// The protocol file (or a default one) with command-line overrides applied.
    public static func resolvedProtocol(_ args: ParsedArguments) throws -> AcquisitionProtocol {
        var p = try args.string("protocol").map(AcquisitionProtocol.load) ?? AcquisitionProtocol(name: "command-line")
        if let m = args.string("matrix") {
            let (h, w) = try MaskOptions.size(m, option: "matrix", command: name)
            p.matrix = [h, w]
        }
        if let c = try args.int("coils") { p.coils = c }
        if let snr = args.string("snr") {
            if snr == "none" { p.snrDB = nil } else {
                guard let v = Float(snr), v.isFinite else { throw AmbientError(.badArgument, "", "--snr expects dB or \"none\", got '\(snr)'") }
                p.snrDB = v
            }
        }
        if args.flag("no-phase") { p.randomPhase = false }
        if let s = try args.int("seed") { p.seed = UInt64(s) }
        if let mask = try MaskOptions.spec(args, fallback: p.mask) { p.mask = mask }
        try p.validate(source: args.string("protocol") ?? "command line")
        return p
    }

    /// Name without folder and extension ("ch2.nii.gz" → "ch2").
    public static func stem(_ path: String) -> String {
        var name = (path as NSString).lastPathComponent
        for ext in [".nii.gz", ".nii", ".npy", ".png", ".h5", ".hdf5", "-images-idx3-ubyte.gz", "-images-idx3-ubyte"] where name.lowercased().hasSuffix(ext) {
            name = String(name.dropLast(ext.count))
            break
        }
        return name
    }

    /// Clean slices [S, H, W] of an input volume in display orientation.
    public static func readVolume(_ path: String) throws -> LoadedArray {
        switch try ScanFormat.detect(path) {
        case .fastMRI:
            let file = try FastMRIFile(path)
            return .real(RealArray.stack(try (0..<file.info.sliceCount).map { try file.readTarget(slice: $0) }))
        case .nifti:
            // NIfTI's y axis points anterior; rows are drawn top-down, so flip to put anterior up.
            var volume = try NIfTI.read(path).magnitude
            while volume.rank > 3 && volume.shape[0] == 1 { volume = volume.reshaped(Array(volume.shape.dropFirst())) }
            if volume.rank == 4 { volume = volume.slice(0) }  // a time series: its first volume
            guard volume.rank == 3 else { throw AmbientError(.badShape, path, "expected a 3-D volume, got shape \(volume.shape)") }
            let (s, h, w) = (volume.shape[0], volume.shape[1], volume.shape[2])
            return .real(RealArray(shape: [s, h, w]) { i in
                let z = i / (h * w), y = (i / w) % h, x = i % w
                return volume[flat: (z * h + (h - 1 - y)) * w + x]
            })
        case .npy, .png, .cfl, .idx:
            let a = try loadArray(path)
            switch a.shape.count {
            case 2:
                switch a { case let .real(r): return .real(r.reshaped([1] + r.shape)); case let .complex(c): return .complex(c.reshaped([1] + c.shape)) }
            case 3: return a
            default: throw AmbientError(.badShape, path, "expected an image [H, W] or volume [slices, H, W], got shape \(a.shape)")
            }
        case .ismrmrd, .hdf5:
            throw AmbientError(.unsupported, path, "simulate takes clean images (NIfTI, NPY, PNG, fastMRI targets), not raw k-space")
        }
    }

    public static func simulateVolume(_ path: String, proto: AcquisitionProtocol, selection: SliceSelection,
                               resize: String, outdir: String, targetsOnly: Bool) throws -> [ImagePanel] {
        let volume = try readVolume(path)
        let complexVolume = volume.complexArray
        try complexVolume.requireFinite(path, what: "image")
        let chosen = selection.choose(volume.magnitude)
        guard !chosen.isEmpty else { throw AmbientError(.badValue, path, "no slice has signal (all below --min-signal)") }
        let h = proto.matrix[0], w = proto.matrix[1]
        // Resize every chosen slice, then scale the volume to a maximum magnitude of 1.
        var images: [ComplexArray] = try chosen.map { s in
            switch (volume, resize) {
            case (.real(let r), "image"): return Simulation.resampleBilinear(r.slice(s), to: [h, w]).complex
            case (_, "image"), (_, "kspace"): return Simulation.resizeInKSpace(complexVolume.slice(s), to: [h, w])
            default: throw AmbientError(.badArgument, "", "--resize must be image or kspace, got '\(resize)'")
            }
        }
        let peak = images.map { $0.magnitude.maximum }.max() ?? 0
        guard peak > 0 else { throw AmbientError(.badValue, path, "the chosen slices are all zero") }
        let name = stem(path)
        for (i, s) in chosen.enumerated() {
            images[i].scale(by: 1 / peak)
            if proto.randomPhase {
                var rng = proto.generator(file: name, slice: s, purpose: "phase")
                images[i] = images[i] * Simulation.smoothPhase(height: h, width: w, using: &rng)
            }
        }
        let truth = ComplexArray.stack(images)
        let rss = truth.magnitude  // Σ|s_c|² = 1: the RSS of the clean coil images is |x|
        try writeTarget(truth: truth, rss: rss, name: name, outdir: outdir)
        if targetsOnly { return [ImagePanel(title: name, image: rss.slice(chosen.count / 2))] }

        let maps = try Coils.birdcageSensitivities(coils: proto.coils, height: h, width: w)
        var kspace = ComplexArray(zeros: [chosen.count, proto.coils, h, w])
        var masks = RealArray(zeros: [chosen.count, h, w])
        var imageMasks = RealArray(shape: [chosen.count, h, w], repeating: 1)
        for (i, s) in chosen.enumerated() {
            var observed = images[i]
            if let corruption = proto.imageCorruption {
                var rng = proto.generator(file: name, slice: s, purpose: "image-mask")
                let m = try corruption.make(height: h, width: w, using: &rng)
                imageMasks.setSlice(i, to: m)
                observed = observed.multiplied(by: m)
            }
            let mask = try proto.mask(file: name, slice: s)
            var noise = proto.generator(file: name, slice: s, purpose: "noise")
            let acquired = Simulation.acquire(image: observed, maps: maps, mask: mask, snrDB: proto.snrDB, using: &noise)
            kspace.setSlice(i, to: acquired.undersampled)
            masks.setSlice(i, to: mask)
        }
        let kspaceFile = (outdir as NSString).appendingPathComponent("kspace/\(name).h5")
        let writer = try FastMRIWriter(path: kspaceFile, compressed: true)
        try writer.writeKSpace(kspace)
        try writer.writeArray(masks, name: "slice_masks")
        try writer.writeArray(maps, name: "sens_maps")  // one set for the volume
        if proto.imageCorruption != nil { try writer.writeArray(imageMasks, name: "image_masks") }
        try writer.setAttribute("acquisition", .string("simulated \(proto.name)"))
        try writer.setAttribute("patient_id", .string(name))
        try writer.setAttribute("max", .double(Double(rss.maximum)))
        try writer.setAttribute("acceleration", .double(SamplingMasks.acceleration(of: masks)))
        try writer.commit()
        // Preview: the middle slice's truth and its zero-filled RSS.
        let mid = chosen.count / 2
        let zeroFilled = try Coils.rootSumOfSquares(FFT.inverse(kspace.slice(mid)))
        return [ImagePanel(title: "\(name) truth", image: rss.slice(mid)), ImagePanel(title: "zero-filled", image: zeroFilled)]
    }
}

extension SimulateCommand {
    /// <outdir>/target/<name>.h5: `reconstruction_rss` for fastMRI-style evaluation and the complex `image`.
    public static func writeTarget(truth: ComplexArray, rss: RealArray, name: String, outdir: String) throws {
        let writer = try FastMRIWriter(path: (outdir as NSString).appendingPathComponent("target/\(name).h5"), compressed: true)
        try writer.writeReconstruction(rss, name: "reconstruction_rss")
        try writer.writeArray(truth, name: "image")
        try writer.setAttribute("max", .double(Double(rss.maximum)))
        try writer.setAttribute("patient_id", .string(name))
        try writer.commit()
    }
}

/// Which slices of a volume to simulate.
public struct SliceSelection {
    public var range: StrideTo<Int>?
    public var minSignal: Float
    public var maxSlices: Int?

    public init(_ args: ParsedArguments) throws {
        minSignal = try args.float("min-signal") ?? 0
        maxSlices = try args.int("max-slices")
        if let spec = args.string("slices") {
            let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
            guard (2...3).contains(parts.count), let a = parts[0], let b = parts[1], b > a, (parts.count == 2 || (parts[2] ?? 0) > 0) else {
                throw AmbientError(.badArgument, "", "--slices expects A:B or A:B:STEP with B > A, got '\(spec)'")
            }
            range = stride(from: a, to: b, by: parts.count == 3 ? parts[2]! : 1)
        }
    }

    public func choose(_ volume: RealArray) -> [Int] {
        let count = volume.shape[0]
        var candidates = range.map { Array($0).filter { $0 >= 0 && $0 < count } } ?? Array(0..<count)
        let means = (0..<count).map { volume.slice($0).sum / Double(volume.trailingCount(after: 1)) }
        let busiest = means.max() ?? 0
        candidates = candidates.filter { means[$0] >= Double(minSignal) * busiest && means[$0] > 0 }
        if let maxSlices, candidates.count > maxSlices, maxSlices > 0 {
            candidates = (0..<maxSlices).map { candidates[$0 * candidates.count / maxSlices + candidates.count / (2 * maxSlices)] }
        }
        return candidates
    }
}
