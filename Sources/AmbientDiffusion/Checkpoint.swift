import AmbientCore
import AmbientTorch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A training checkpoint folder, written atomically (a hidden temporary folder renamed into place):
///
///     step-000001000/
///       model/config.json, model/diffusion_pytorch_model.safetensors   raw weights (diffusers folder)
///       ema/config.json,   ema/diffusion_pytorch_model.safetensors     EMA weights (for sampling)
///       optimizer.safetensors                                            AdamW state (exp_avg.i, exp_avg_sq.i, step)
///       trainer_state.json                                               step, seeds, RNG scheme
///       training_options.json                                            the resolved options
public enum Checkpoint {
    public static let modelFolder = "model"
    public static let emaFolder = "ema"
    public static let optimizerFile = "optimizer.safetensors"
    public static let stateFile = "trainer_state.json"
    public static let optionsFile = "training_options.json"

    /// The run's counters. Training randomness is reseeded from (seed, step) at every step (see
    /// `BatchBuilder`), so `step` and the seeds are the whole RNG state.
    public struct State: Codable, Equatable, Sendable {
        public var formatVersion: Int = 1
        public var step: Int
        public var seed: UInt64
        public var maskSeed: UInt64
        public var rngScheme: String = "per-step SeededGenerator(hashing: [purpose, seed, step])"

        enum CodingKeys: String, CodingKey {
            case step, seed
            case formatVersion = "format_version", maskSeed = "mask_seed", rngScheme = "rng_scheme"
        }
    }

    /// The folder name of the checkpoint at `step`.
    public static func name(step: Int) -> String { String(format: "step-%09d", step) }

    /// The checkpoint with the highest step under `directory` (a run's checkpoints folder), if any.
    public static func latest(in directory: URL) -> URL? {
        all(in: directory).last?.url
    }

    /// The checkpoints under `directory` (a run's checkpoints folder) in step order; temporary
    /// folders of an interrupted write (hidden, with a dot) are not checkpoints.
    public static func all(in directory: URL) -> [(step: Int, url: URL)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.compactMap { name -> (step: Int, url: URL)? in
            guard name.hasPrefix("step-"), !name.contains("."), let step = Int(name.dropFirst(5)) else { return nil }
            return (step, directory.appendingPathComponent(name))
        }.sorted { $0.step < $1.step }
    }

    /// Writes a checkpoint folder as `destination`, atomically; an existing one is replaced.
    static func write(to destination: URL, _ fill: (URL) throws -> Void) throws {
        let parent = destination.deletingLastPathComponent()
        do { try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true) } catch {
            throw AmbientError(.unwritable, parent.path, "cannot create the checkpoint folder: \(error.localizedDescription)")
        }
        let temporary = parent.appendingPathComponent(".\(destination.lastPathComponent).tmp-\(getpid())")
        try? FileManager.default.removeItem(at: temporary)
        do {
            try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: false)
            try fill(temporary)
            if FileManager.default.fileExists(atPath: destination.path) { try FileManager.default.removeItem(at: destination) }
            guard rename(temporary.path, destination.path) == 0 else {
                throw AmbientError(.unwritable, destination.path, "cannot move the checkpoint into place: \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    static func writeJSON<T: Encodable>(_ value: T, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do { try encoder.encode(value).write(to: url) } catch {
            throw AmbientError(.unwritable, url.path, error.localizedDescription)
        }
    }

    static func readJSON<T: Decodable>(_ type: T.Type, from url: URL) throws -> T {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw AmbientError(.fileNotFound, url.path, "missing from the checkpoint")
        }
        do { return try JSONDecoder().decode(T.self, from: data) } catch {
            throw AmbientError(.badFormat, url.path, "\(error)")
        }
    }
}
