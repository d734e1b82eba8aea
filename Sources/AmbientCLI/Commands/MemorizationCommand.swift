import AmbientCore
import AmbientEval
import AmbientIO
import Foundation

/// `ambient memorization`: does a model copy its training set?
public enum MemorizationCommand: Command {
    public static let name = "memorization"
    public static let summary = "audit generated samples against the training set (nearest neighbours)"
    public static let arguments = "--samples <samples.npy> --training <files…> -o <outdir>"
    public static let discussion = """
        For each generated sample (magnitudes), the nearest training image by normalised cross-correlation and its
        SSIM — Ambient Diffusion's check that a model trained on corrupted data does not reproduce its training set
        (compare with a model fine-tuned on clean data). Training images: target files' `image` (or
        reconstruction_rss), or k-space files (their zero-filled root-sum-of-squares: what a model trained on that
        data saw). Writes memorization.json, ncc_histogram.png and top_matches.png; prints a summary.
        """
    public static let options = [
        OptionSpec(nil, "samples", value: "FILE", help: "generated images (.npy [N, H, W], e.g. from `ambient sample`)"),
        OptionSpec(nil, "training", value: "LIST", help: "training files or folders (comma-separated)"),
        CommonOptions.outputDir,
        OptionSpec(nil, "threshold", value: "NCC", default: "0.95", help: "NCC above which a sample counts as a near copy"),
        OptionSpec(nil, "top", value: "K", default: "8", help: "pairs in top_matches.png"),
    ]

    public static func run(_ args: ParsedArguments) throws {
        guard let samplesPath = args.string("samples"), let trainingList = args.string("training"), let out = args.string("output") else {
            throw AmbientError(.badArgument, "", "give --samples FILE, --training FILES and -o OUTDIR")
        }
        var samples = try loadArray(samplesPath).magnitude
        if samples.rank == 2 { samples = samples.reshaped([1] + samples.shape) }
        let training = try trainingImages(trainingList.split(separator: ",").map(String.init))
        guard Array(training.shape.suffix(2)) == Array(samples.shape.suffix(2)) else {
            throw AmbientError(.badShape, samplesPath, "samples are \(Array(samples.shape.suffix(2))), training images \(Array(training.shape.suffix(2)))")
        }
        let report = try auditMemorization(samples: samples, training: training, nearDuplicateThreshold: Double(try args.float("threshold")!))
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try report.writeJSON(to: (out as NSString).appendingPathComponent("memorization.json"))
        try report.writeHistogram(to: (out as NSString).appendingPathComponent("ncc_histogram.png"))
        try report.writeTopMatches(samples: samples, training: training, count: try args.int("top")!,
                                   to: (out as NSString).appendingPathComponent("top_matches.png"))
        print("\(samples.shape[0]) samples vs \(training.shape[0]) training images: \(report.summaryLine)")
    }

    /// Magnitude images [N, H, W] from target files or k-space files.
    static func trainingImages(_ inputs: [String]) throws -> RealArray {
        var images: [RealArray] = []
        for file in try InputFiles.expand(inputs, extensions: ["h5", "hdf5", "npy"]) {
            if file.hasSuffix(".npy") {
                let a = try loadArray(file).magnitude
                images += a.rank == 3 ? (0..<a.shape[0]).map(a.slice) : [a]
                continue
            }
            if let volume = try FastMRIFile.cleanImages(file) {
                images += (0..<volume.shape[0]).map { volume.slice($0).magnitude }
            } else {
                let scan = try FastMRIFile(file)
                for s in 0..<scan.info.sliceCount {
                    var k = try scan.readKSpace(slice: s)
                    if k.rank == 2 { k = k.reshaped([1] + k.shape) }
                    images.append(try Coils.rootSumOfSquares(FFT.inverse(k)))
                }
            }
        }
        guard !images.isEmpty else { throw AmbientError(.badArgument, inputs.joined(separator: ","), "no training images found") }
        return RealArray.stack(images)
    }
}
