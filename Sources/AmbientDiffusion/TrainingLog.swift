import AmbientCore
import Foundation

/// One line of the JSON-lines training log (training_log.jsonl in the run folder).
public struct TrainingLogEntry: Codable, Equatable, Sendable {
    public var step: Int
    /// The objective's loss (see `DenoisingLoss`), averaged over the steps since the last entry.
    public var loss: Double
    public var learningRate: Float
    public var sigmaMin: Float, sigmaMean: Float, sigmaMax: Float
    public var gradientNorm: Float
    /// Seconds since this process started training.
    public var seconds: Double
    public var stepsPerSecond: Double
    /// Seconds per step waiting for data, in the network (forward + backward + optimizer), and in
    /// the FFTW loss (Fourier ambient objective), averaged since the last entry.
    public var dataWaitSeconds: Double, networkSeconds: Double, fourierLossSeconds: Double

    enum CodingKeys: String, CodingKey {
        case step, loss, seconds
        case learningRate = "lr", sigmaMin = "sigma_min", sigmaMean = "sigma_mean", sigmaMax = "sigma_max"
        case gradientNorm = "grad_norm", stepsPerSecond = "steps_per_s", dataWaitSeconds = "data_wait_s"
        case networkSeconds = "network_s", fourierLossSeconds = "fourier_loss_s"
    }
}

/// Appends entries to a JSON-lines file, one flushed line per entry.
final class TrainingLogWriter {
    let url: URL
    private let handle: FileHandle
    private let encoder = JSONEncoder()

    init(url: URL) throws {
        self.url = url
        if !FileManager.default.fileExists(atPath: url.path) {
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw AmbientError(.unwritable, url.path, "cannot create the training log")
            }
        }
        do {
            handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
        } catch {
            throw AmbientError(.unwritable, url.path, "cannot open the training log: \(error.localizedDescription)")
        }
        encoder.outputFormatting = [.sortedKeys]
    }

    func append(_ entry: TrainingLogEntry) throws {
        var line = try encoder.encode(entry)
        line.append(0x0A)
        do { try handle.write(contentsOf: line) } catch {
            throw AmbientError(.unwritable, url.path, "cannot append to the training log: \(error.localizedDescription)")
        }
    }

    /// Drops entries after `step` (a resumed run rewrites the steps it repeats).
    static func truncate(_ url: URL, after step: Int) throws {
        guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else { return }
        let decoder = JSONDecoder()
        let kept = text.split(separator: "\n").filter { line in
            guard let entry = try? decoder.decode(TrainingLogEntry.self, from: Data(line.utf8)) else { return false }
            return entry.step <= step
        }
        let out = kept.map { $0 + "\n" }.joined()
        do { try Data(out.utf8).write(to: url, options: .atomic) } catch {
            throw AmbientError(.unwritable, url.path, "cannot rewrite the training log: \(error.localizedDescription)")
        }
    }

    static func read(_ url: URL) throws -> [TrainingLogEntry] {
        guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
            throw AmbientError(.fileNotFound, url.path, "no training log")
        }
        let decoder = JSONDecoder()
        return try text.split(separator: "\n").enumerated().map { number, line in
            do { return try decoder.decode(TrainingLogEntry.self, from: Data(line.utf8)) } catch {
                throw AmbientError(.badFormat, url.path, "line \(number + 1) is not a log entry: \(error)")
            }
        }
    }

    deinit { try? handle.close() }
}
