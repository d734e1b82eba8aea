import AmbientCore
import AmbientTorch
import Foundation

/// A trained prior as the commands find it: the network (EMA weights when there are any) and the
/// training options that say what it expects as input (objective, mask channel, σ_data, corruption).
///
/// `path` may be a diffusers folder (config.json + weights; a plain 2-channel EDM prior unless a
/// training_options.json sits beside it), a checkpoint folder (checkpoints/step-N: its `ema/`), or a run
/// folder (its exported `model/`, else its newest checkpoint).
public struct TrainedModel {
    public let network: UNet2DModel
    public let options: TrainingOptions
    /// The folder the weights came from.
    public let weights: URL

    public static func locate(_ path: String) throws -> (weights: URL, options: URL?) {
        let url = URL(fileURLWithPath: path)
        let fm = FileManager.default
        func has(_ u: URL, _ name: String) -> Bool { fm.fileExists(atPath: u.appendingPathComponent(name).path) }
        guard fm.fileExists(atPath: url.path) else { throw AmbientError(.fileNotFound, path, "no such model folder") }
        if has(url, "config.json") {
            return (url, has(url, Checkpoint.optionsFile) ? url.appendingPathComponent(Checkpoint.optionsFile) : nil)
        }
        if has(url, Checkpoint.emaFolder + "/config.json") {
            return (url.appendingPathComponent(Checkpoint.emaFolder), url.appendingPathComponent(Checkpoint.optionsFile))
        }
        if has(url, "model/config.json") { return try locate(url.appendingPathComponent("model").path) }
        if let latest = Checkpoint.latest(in: url.appendingPathComponent("checkpoints")) { return try locate(latest.path) }
        throw AmbientError(.badFormat, path, "not a model: expected a diffusers folder (config.json), a checkpoint (ema/) or a run folder (model/ or checkpoints/)")
    }

    public static func load(_ path: String, device: Device = .cpu) throws -> TrainedModel {
        let (weights, optionsURL) = try locate(path)
        let network = try UNet2DModel.load(directory: weights, device: device)
        var options = TrainingOptions()
        if let optionsURL, FileManager.default.fileExists(atPath: optionsURL.path) {
            options = try TrainingOptions.load(from: optionsURL)
        } else {
            options.objective = .oracle
            options.maskChannel = false
        }
        return TrainedModel(network: network, options: try options.resolved(), weights: weights)
    }

    /// The network as the denoiser it was trained to be (EDM preconditioning with its σ_data).
    public func denoiser() throws -> EDMDenoiser {
        try EDMDenoiser(network: network, preconditioning: EDMPreconditioning(sigmaData: options.sigmaData))
    }

    /// Writes the EMA network and its training options as a self-describing diffusers folder.
    public static func export(_ trainer: Trainer, to folder: URL) throws {
        try export(trainer.emaNetwork(), options: trainer.options, to: folder)
    }

    /// Writes `network` and the training options it came from as a self-describing diffusers folder, atomically.
    public static func export(_ network: UNet2DModel, options: TrainingOptions, to folder: URL) throws {
        try Checkpoint.write(to: folder) { tmp in
            try network.save(directory: tmp)
            let optionsURL = tmp.appendingPathComponent(Checkpoint.optionsFile)
            do { try options.jsonData().write(to: optionsURL) } catch {
                throw AmbientError(.unwritable, optionsURL.path, error.localizedDescription)
            }
        }
    }
}
