import AmbientCore
import AmbientEval
import AmbientIO
import Foundation

/// `ambient evaluate`: fastMRI's metrics of reconstructions against ground truth.
public enum EvaluateCommand: Command {
    public static let name = "evaluate"
    public static let summary = "fastMRI metrics (NMSE, PSNR, SSIM) of reconstructions against targets"
    public static let arguments = "--target <dir> --predictions [METHOD=]<dir>[,…]"
    public static let discussion = """
        Matches files by name: targets' `reconstruction_rss` (or `_esc`), predictions' `reconstruction`. Per volume:
        NMSE, PSNR (data range = the volume's maximum), SSIM (7×7 window, K1 0.01, K2 0.03) averaged over slices, after
        fastMRI's centre crop; then mean ± 2σ over volumes — the numbers fastMRI's evaluate.py prints.
        Several methods: --predictions zero-filled=out/zf,l1=out/l1. Writes a table to stdout and, with -o DIR,
        metrics.json and metrics.csv (and --figure: truth, each method, error maps ×5 and an uncertainty map for
        the middle slice of the first volume). Unreadable or missing predictions are listed, the rest evaluated.
        """
    public static let options = [
        OptionSpec(nil, "target", value: "DIR", help: "folder of ground-truth files"),
        OptionSpec(nil, "predictions", value: "LIST", help: "folder of reconstructions, or METHOD=DIR,… for a comparison"),
        CommonOptions.outputDir,
        OptionSpec(nil, "figure", value: "FILE.png", help: "write a comparison figure"),
    ]

    public static func run(_ args: ParsedArguments) throws {
        guard let target = args.string("target"), let list = args.string("predictions") else {
            throw AmbientError(.badArgument, "", "give --target DIR and --predictions DIR (see `ambient evaluate --help`)")
        }
        let predictions: [(method: String, directory: String)] = list.split(separator: ",").map { item in
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            return parts.count == 2 ? (parts[0], parts[1]) : ((parts[0] as NSString).lastPathComponent, parts[0])
        }
        let comparison = try evaluate(targetDirectory: target, predictions: predictions)
        print(comparison.table())
        if let out = args.string("output") {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            try comparison.writeJSON(to: (out as NSString).appendingPathComponent("metrics.json"))
            try comparison.writeCSV(to: (out as NSString).appendingPathComponent("metrics.csv"))
        }
        if let figure = args.string("figure") {
            try writeFigure(target: target, predictions: predictions, to: figure)
        }
        let failures = comparison.methods.flatMap(\.errors)
        if !failures.isEmpty {
            for f in failures { printError("ambient evaluate: \(f.file): \(f.message)") }
            throw AmbientError(.badValue, "", "\(failures.count) volume(s) could not be evaluated")
        }
    }

    /// The middle slice of the first target volume that every method has reconstructed.
    static func writeFigure(target: String, predictions: [(method: String, directory: String)], to path: String) throws {
        let files = try InputFiles.expand([target], extensions: ["h5", "hdf5"])
        for file in files {
            let name = (file as NSString).lastPathComponent
            let truthVolume = try readReal(file, names: FastMRIFile.targetNames)
            let slice = truthVolume.shape[0] / 2
            var panels: [(String, RealArray)] = []
            var uncertainty: RealArray?
            for (method, directory) in predictions {
                let p = (directory as NSString).appendingPathComponent(name)
                guard FileManager.default.fileExists(atPath: p) else { break }
                panels.append((method, try readReal(p, names: ["reconstruction"]).slice(slice)))
                if uncertainty == nil, let u = try? readReal(p, names: ["uncertainty"]) { uncertainty = u.slice(slice) }
            }
            guard panels.count == predictions.count else { continue }
            let truth = truthVolume.slice(slice)
            try comparisonFigure(truth: truth, reconstructions: panels.map { ($0.0, centreCrop($0.1, to: truth.shape)) },
                                 uncertainty: uncertainty.map { centreCrop($0, to: truth.shape) }, to: path)
            return
        }
        throw AmbientError(.badValue, target, "no target volume has a reconstruction from every method; no figure written")
    }

    static func readReal(_ path: String, names: [String]) throws -> RealArray {
        let root = try HDF5File(path: path).root
        guard let name = names.first(where: root.contains) else {
            throw AmbientError(.badFormat, path, "no dataset \(names.joined(separator: " or "))")
        }
        return try root.dataset(name).read(as: Float.self)
    }
}
