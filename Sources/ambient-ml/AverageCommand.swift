import AmbientCLI
import AmbientCore
import AmbientDiffusion
import AmbientIO
import Foundation

/// `ambient average`: one model from a run's checkpoints, their EMA weights averaged over a step range.
enum AverageCommand: Command {
    static let name = "average"
    static let summary = MLCommands.summary(name)
    static let arguments = "<run> --steps A-B -o <outdir>"
    static let discussion = """
        Post-hoc weight averaging (the simplest form of EDM2's post-hoc EMA): the mean of the EMA weights of every
        checkpoint in <run>/checkpoints whose step lies in A-B. Late snapshots scatter around a minimum and their
        mean sits closer to it: on the brain64 R = 8 set, averaging steps 6 000-10 000 of the ambient prior gave
        SSIM 0.557 against 0.553 at step 8 000 (docs/results.md). Checkpoints are written every `checkpoint_every`
        steps by `ambient finetune` and `ambient pretrain`. <outdir> is a model folder (diffusers config and weights
        with the run's training options) that --model accepts; average_options.json lists the steps used.
        """
    static let options = [
        OptionSpec(nil, "steps", value: "A-B", help: "the step range whose checkpoints are averaged (inclusive)"),
        CommonOptions.outputDir,
        CommonOptions.threads,
        CommonOptions.quiet,
    ]

    static func run(_ args: ParsedArguments) throws {
        let run = try args.requirePositionals(["<run>"])[0]
        guard let out = args.string("output"), let text = args.string("steps") else {
            throw AmbientError(.badArgument, "", "give --steps A-B and -o OUTDIR")
        }
        let bounds = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard bounds.count == 2, let first = bounds[0], let last = bounds[1], first >= 0, first <= last else {
            throw AmbientError(.badArgument, "--steps", "expected a step range A-B with 0 ≤ A ≤ B, got '\(text)'")
        }
        let checkpoints = try WeightAveraging.checkpoints(in: URL(fileURLWithPath: run), steps: first...last)
        let (network, options) = try WeightAveraging.average(checkpoints.map(\.url))
        let folder = URL(fileURLWithPath: out)
        try TrainedModel.export(network, options: options, to: folder)
        struct Record: Codable { var run: String; var steps: [Int] }
        try ConfigFile.save(Record(run: run, steps: checkpoints.map(\.step)), to: folder.appendingPathComponent("average_options.json").path)
        note("averaged \(checkpoints.count) checkpoints (steps \(checkpoints[0].step)-\(checkpoints[checkpoints.count - 1].step)): \(out)",
             quiet: args.flag("quiet"))
    }
}
