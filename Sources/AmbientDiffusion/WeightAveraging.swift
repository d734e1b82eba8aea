import AmbientCore
import AmbientTorch
import Foundation

/// Post-hoc weight averaging of a training run (the simplest form of EDM2's post-hoc EMA): the mean of
/// the EMA weights its checkpoints hold over a range of steps. Snapshots late in a run scatter around a
/// minimum; their mean sits closer to it than any one of them (docs/results.md, changes 6 and 7).
public enum WeightAveraging {
    /// The checkpoints under `run`/checkpoints whose step lies in `steps`, in step order.
    public static func checkpoints(in run: URL, steps: ClosedRange<Int>) throws -> [(step: Int, url: URL)] {
        let folder = run.appendingPathComponent("checkpoints")
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw AmbientError(.fileNotFound, run.path, "not a training run (no checkpoints/ folder)")
        }
        let found = Checkpoint.all(in: folder).filter { steps.contains($0.step) }
        guard !found.isEmpty else {
            throw AmbientError(.badArgument, run.path, "no checkpoint between steps \(steps.lowerBound) and \(steps.upperBound)")
        }
        return found
    }

    /// The mean of the checkpoints' EMA networks (a running mean: after n snapshots, lerp by 1/n) and
    /// the last checkpoint's training options. Every snapshot must have the first one's parameters.
    public static func average(_ checkpoints: [URL], device: Device = .cpu) throws -> (network: UNet2DModel, options: TrainingOptions) {
        guard let first = checkpoints.first else { throw AmbientError(.badArgument, "average", "no checkpoints given") }
        let firstModel = try TrainedModel.load(first.path, device: device)
        let parameters = firstModel.network.namedParameters()
        var options = firstModel.options
        try withNoGrad {
            for (n, checkpoint) in checkpoints.enumerated().dropFirst() {
                let model = try TrainedModel.load(checkpoint.path, device: device)
                options = model.options
                let snapshot = model.network.namedParameters()
                guard snapshot.map(\.name) == parameters.map(\.name),
                      zip(snapshot, parameters).allSatisfy({ $0.tensor.shape == $1.tensor.shape }) else {
                    throw AmbientError(.badFormat, checkpoint.path, "its network differs from \(first.lastPathComponent)'s (parameter names or shapes)")
                }
                for (m, s) in zip(parameters, snapshot) { try m.tensor.lerpInPlace(towards: s.tensor, weight: 1 / Float(n + 1)) }
            }
        }
        return (firstModel.network, options)
    }
}
