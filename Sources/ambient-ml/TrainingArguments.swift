import AmbientCLI
import AmbientCore
import AmbientDiffusion
import Foundation

/// Options shared by `pretrain` and `finetune`: a training-options JSON plus command-line overrides.
enum TrainingArguments {
    static let specs: [OptionSpec] = [
        OptionSpec(nil, "options", value: "FILE", help: "training options JSON (protocols/training/pretrain-base64.json, protocols/training/finetune-brain64.json)"),
        CommonOptions.outputDir,
        OptionSpec(nil, "steps", value: "N", help: "total optimisation steps"),
        OptionSpec("b", "batch", value: "N", help: "batch size"),
        OptionSpec(nil, "lr", value: "LR", help: "peak learning rate (after warm-up)"),
        OptionSpec(nil, "checkpoint-every", value: "N", help: "steps between checkpoints"),
        CommonOptions.seed,
        OptionSpec(nil, "resume", help: "continue from the newest checkpoint in the output folder"),
        CommonOptions.threads,
        CommonOptions.quiet,
    ]

    static func options(_ args: ParsedArguments, defaults: TrainingOptions) throws -> TrainingOptions {
        var o = try args.string("options").map { try TrainingOptions.load(from: URL(fileURLWithPath: $0)) } ?? defaults
        if let v = try args.int("steps") { o.steps = v }
        if let v = try args.int("batch") { o.batchSize = v }
        if let v = try args.float("lr") { o.learningRate = v }
        if let v = try args.int("checkpoint-every") { o.checkpointEvery = v }
        if let v = try args.int("seed") { o.seed = UInt64(v) }
        if args.flag("quiet") { o.showProgress = false }
        return try o.resolved()
    }

    static func runDirectory(_ args: ParsedArguments) throws -> URL {
        guard let out = args.string("output") else { throw AmbientError(.badArgument, "", "give the run folder with -o DIR") }
        return URL(fileURLWithPath: out)
    }

    /// Runs (or resumes) training, exports the EMA model to <run>/model and prints where things are.
    static func train(_ makeTrainer: () throws -> Trainer, dataset: TrainingDataset, run: URL, resume: Bool, steps: Int?) throws {
        let trainer: Trainer
        if resume, let latest = Checkpoint.latest(in: run.appendingPathComponent("checkpoints")) {
            note("resuming from \(latest.path)")
            trainer = try Trainer.resume(from: latest, dataset: dataset, runDirectory: run, steps: steps)
            guard trainer.step <= trainer.options.steps else {
                throw AmbientError(.badArgument, "--steps", "\(run.path) is already at step \(trainer.step), past the \(trainer.options.steps) asked for; "
                                   + "use another output folder to train fewer steps")
            }
        } else {
            if resume { note("no checkpoint in \(run.path)/checkpoints: starting fresh") }
            trainer = try makeTrainer()
        }
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        try trainer.options.jsonData().write(to: run.appendingPathComponent("training_options.json"))
        let summary = try trainer.run()
        try TrainedModel.export(trainer, to: run.appendingPathComponent("model"))
        if summary.steps == 0 {
            note("nothing to train: \(run.path) is already at step \(trainer.step); model re-exported")
        } else {
            note(String(format: "trained %d steps (%.2f steps/s; per step: network %.2fs, data wait %.3fs, FFT loss %.3fs), final loss %.4g",
                        summary.steps, summary.stepsPerSecond, summary.networkSeconds, summary.dataWaitSeconds,
                        summary.fourierLossSeconds, summary.finalLoss))
        }
        note("model: \(run.path)/model   log: \(run.path)/training_log.jsonl   curve: \(run.path)/loss_curve.png")
    }
}
