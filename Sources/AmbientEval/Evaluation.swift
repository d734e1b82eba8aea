import AmbientCore
import AmbientIO
import Foundation

/// Folder evaluation as fastMRI's `evaluate.py` does it: each target file is matched by name with a
/// prediction file; the target is `reconstruction_rss` (or `reconstruction_esc`), the prediction
/// `reconstruction`, both [slices, H, W].
///
/// Cropping follows evaluate.py: both volumes are centre-cropped to W × W, W the target's width
/// (fastMRI's `center_crop(x, (W, W))`, offsets ⌊(size − crop)/2⌋). Where the target is shorter than
/// it is wide, fastMRI would fail; we crop to the target's own H × W instead. A prediction smaller
/// than the crop, a slice-count mismatch, NaN/Inf, a missing or unreadable file becomes an entry in
/// `errors` and the other volumes go on.
public func evaluate(targetDirectory: String, predictionsDirectory: String) throws -> EvaluationReport {
    try VolumeEvaluator.run(targetDirectory: targetDirectory,
                            methods: [(method: "", directory: predictionsDirectory)])[0]
}

/// Several methods against the same targets, one report per method (targets are read once).
public func evaluate(targetDirectory: String, predictions: [(method: String, directory: String)]) throws -> MethodComparison {
    guard !predictions.isEmpty else { throw AmbientError(.badArgument, "evaluate", "no prediction directories given") }
    let reports = try VolumeEvaluator.run(targetDirectory: targetDirectory, methods: predictions)
    return MethodComparison(targetDirectory: targetDirectory, methods: reports)
}

/// One evaluated volume.
public struct VolumeEvaluation: Codable, Sendable, Equatable {
    public var file: String
    public var slices: Int
    /// The compared plane after cropping, [H, W].
    public var shape: [Int]
    public var nmse: Double
    public var psnr: Double
    public var ssim: Double
    public var mse: Double
}

/// A volume that could not be evaluated, and why.
public struct EvaluationFailure: Codable, Sendable, Equatable {
    public var file: String
    public var message: String
}

/// Mean and sample standard deviation (ddof 1, as fastMRI's runstats) over volumes; fastMRI prints
/// `mean +/- 2·std`. The deviation is 0 for a single volume (where runstats would divide by zero).
public struct MetricSummary: Codable, Sendable, Equatable {
    public var mean: Double
    public var standardDeviation: Double
    public var twoSigma: Double { 2 * standardDeviation }

    public init(_ values: [Double]) {
        let n = Double(values.count)
        mean = values.isEmpty ? .nan : values.reduce(0, +) / n
        let m = mean
        standardDeviation = values.count < 2 ? 0 : (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1)).squareRoot()
    }
}

/// The result of evaluating one predictions folder.
public struct EvaluationReport: Codable, Sendable {
    /// The method's name in a comparison ("" for a single folder).
    public var method: String
    public var targetDirectory: String
    public var predictionsDirectory: String
    public var volumes: [VolumeEvaluation]
    public var errors: [EvaluationFailure]
    /// Prediction files with no target of the same name (not evaluated).
    public var unmatchedPredictions: [String]

    /// Aggregates over the evaluated volumes (nil when none was evaluated).
    public var nmse: MetricSummary? { summary(\.nmse) }
    public var psnr: MetricSummary? { summary(\.psnr) }
    public var ssim: MetricSummary? { summary(\.ssim) }
    public var mse: MetricSummary? { summary(\.mse) }

    private func summary(_ metric: KeyPath<VolumeEvaluation, Double>) -> MetricSummary? {
        volumes.isEmpty ? nil : MetricSummary(volumes.map { $0[keyPath: metric] })
    }

    private enum CodingKeys: String, CodingKey {
        case method, targetDirectory, predictionsDirectory, volumes, errors, unmatchedPredictions, summary
    }

    private struct Summary: Codable { var nmse, psnr, ssim, mse: MetricSummary? }

    public init(method: String, targetDirectory: String, predictionsDirectory: String,
                volumes: [VolumeEvaluation], errors: [EvaluationFailure], unmatchedPredictions: [String]) {
        self.method = method; self.targetDirectory = targetDirectory; self.predictionsDirectory = predictionsDirectory
        self.volumes = volumes; self.errors = errors; self.unmatchedPredictions = unmatchedPredictions
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        method = try c.decode(String.self, forKey: .method)
        targetDirectory = try c.decode(String.self, forKey: .targetDirectory)
        predictionsDirectory = try c.decode(String.self, forKey: .predictionsDirectory)
        volumes = try c.decode([VolumeEvaluation].self, forKey: .volumes)
        errors = try c.decode([EvaluationFailure].self, forKey: .errors)
        unmatchedPredictions = try c.decode([String].self, forKey: .unmatchedPredictions)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(method, forKey: .method)
        try c.encode(targetDirectory, forKey: .targetDirectory)
        try c.encode(predictionsDirectory, forKey: .predictionsDirectory)
        try c.encode(volumes, forKey: .volumes)
        try c.encode(errors, forKey: .errors)
        try c.encode(unmatchedPredictions, forKey: .unmatchedPredictions)
        try c.encode(Summary(nmse: nmse, psnr: psnr, ssim: ssim, mse: mse), forKey: .summary)
    }
}

/// Several methods evaluated on the same targets (a row per method in its table).
public struct MethodComparison: Codable, Sendable {
    public var targetDirectory: String
    public var methods: [EvaluationReport]
}

/// Reading, matching and cropping for `evaluate`.
enum VolumeEvaluator {
    static let predictionName = "reconstruction"

    static func run(targetDirectory: String, methods: [(method: String, directory: String)]) throws -> [EvaluationReport] {
        let targetFiles = try volumeFiles(in: targetDirectory)
        var reports = try methods.map { method in
            let predictionFiles = try volumeFiles(in: method.directory)
            return EvaluationReport(method: method.method, targetDirectory: targetDirectory,
                                    predictionsDirectory: method.directory, volumes: [], errors: [],
                                    unmatchedPredictions: predictionFiles.filter { !targetFiles.contains($0) })
        }
        for file in targetFiles {
            let target: RealArray
            do {
                target = try readTarget(path(targetDirectory, file))
            } catch {
                for k in reports.indices { reports[k].errors.append(EvaluationFailure(file: file, message: message(error))) }
                continue
            }
            for (k, method) in methods.enumerated() {
                do {
                    reports[k].volumes.append(try evaluateVolume(file: file, target: target,
                                                                 predictionPath: path(method.directory, file)))
                } catch {
                    reports[k].errors.append(EvaluationFailure(file: file, message: message(error)))
                }
            }
        }
        return reports
    }

    static func evaluateVolume(file: String, target: RealArray, predictionPath: String) throws -> VolumeEvaluation {
        guard FileManager.default.fileExists(atPath: predictionPath) else {
            throw AmbientError(.fileNotFound, predictionPath, "no prediction for this target")
        }
        let prediction = try readDataset(predictionPath, names: [predictionName])
        guard prediction.shape[0] == target.shape[0] else {
            throw AmbientError(.badShape, predictionPath,
                               "prediction has \(prediction.shape[0]) slices, target has \(target.shape[0])")
        }
        let crop = cropSize(target: target.shape)
        let croppedTarget = try centerCrop(target, to: crop, subject: "target")
        let croppedPrediction = try centerCrop(prediction, to: crop, subject: predictionPath)
        let metrics = try Metrics.volume(target: croppedTarget, prediction: croppedPrediction)
        return VolumeEvaluation(file: file, slices: target.shape[0], shape: crop, nmse: metrics.nmse,
                                psnr: metrics.psnr, ssim: metrics.ssim, mse: metrics.mse)
    }

    /// fastMRI's (W, W) crop, or the target's own plane when it is shorter than it is wide.
    static func cropSize(target shape: [Int]) -> [Int] {
        let h = shape[1], w = shape[2]
        return h >= w ? [w, w] : [h, w]
    }

    /// fastMRI's `center_crop`: the block starting at ⌊(size − crop)/2⌋ on each of the last two axes.
    static func centerCrop(_ volume: RealArray, to crop: [Int], subject: String) throws -> RealArray {
        let slices = volume.shape[0], h = volume.shape[1], w = volume.shape[2]
        guard crop[0] <= h, crop[1] <= w else {
            throw AmbientError(.badShape, subject, "plane \(h)×\(w) is smaller than the evaluation crop \(crop[0])×\(crop[1])")
        }
        if crop == [h, w] { return volume }
        let top = (h - crop[0]) / 2, left = (w - crop[1]) / 2
        return volume.withUnsafeBufferPointer { source in
            RealArray(shape: [slices] + crop) { out in
                var o = 0
                for s in 0..<slices {
                    for row in 0..<crop[0] {
                        let start = (s * h + top + row) * w + left
                        for column in 0..<crop[1] { out[o] = source[start + column]; o += 1 }
                    }
                }
            }
        }
    }

    static func readTarget(_ path: String) throws -> RealArray {
        try readDataset(path, names: FastMRIFile.targetNames)
    }

    /// The first of `names` present in the file, as a finite float32 [slices, H, W] volume.
    static func readDataset(_ path: String, names: [String]) throws -> RealArray {
        let root = try HDF5File(path: path).root
        guard let name = names.first(where: { root.contains($0) }) else {
            throw AmbientError(.badFormat, path, "no dataset \(names.map { "'\($0)'" }.joined(separator: " or "))")
        }
        let dataset = try root.dataset(name)
        try dataset.requireRank(3, what: "\(name) ([slices, H, W])")
        guard dataset.elementType.isRealNumber else {
            throw AmbientError(.badFormat, dataset.subject, "\(name) must be real, found \(dataset.elementType)")
        }
        guard dataset.shape.allSatisfy({ $0 > 0 }) else {
            throw AmbientError(.badShape, dataset.subject, "\(name) has an empty axis: shape \(dataset.shape)")
        }
        let volume: RealArray = try dataset.read()
        try volume.requireFiniteValues(dataset.subject, what: name)
        return volume
    }

    /// Volume files of a directory, sorted: visible `.h5`/`.hdf5` files (hidden ones are temporary writes).
    static func volumeFiles(in directory: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw AmbientError(.fileNotFound, directory, "no such directory")
        }
        guard isDirectory.boolValue else { throw AmbientError(.badArgument, directory, "not a directory") }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw AmbientError(.unreadable, directory, error.localizedDescription)
        }
        return names.filter { !$0.hasPrefix(".") && ($0.hasSuffix(".h5") || $0.hasSuffix(".hdf5")) }.sorted()
    }

    static func path(_ directory: String, _ file: String) -> String {
        (directory as NSString).appendingPathComponent(file)
    }

    static func message(_ error: Error) -> String {
        (error as? AmbientError)?.description ?? "\(error)"
    }
}
