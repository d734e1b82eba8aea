// Usage: finetune-driver CONFIG.json BATCH COILS STEPS THREADS
// Prints one JSON line: steps/s and seconds per step in data wait, data preparation, network, FFTW loss.
import AmbientDiffusion
import AmbientTorch
import Foundation

let arguments = CommandLine.arguments
guard arguments.count >= 6, let batch = Int(arguments[2]), let coils = Int(arguments[3]), let steps = Int(arguments[4]),
      let threads = Int(arguments[5]) else {
    FileHandle.standardError.write("usage: finetune-driver CONFIG.json BATCH COILS STEPS THREADS\n".data(using: .utf8)!)
    exit(2)
}
do {
    let config = try JSONDecoder().decode(UNet2DConfig.self, from: Data(contentsOf: URL(fileURLWithPath: arguments[1])))
    Torch.threads = threads
    let result = try benchmarkFineTuneSteps(config: config, batch: batch, coils: coils, steps: steps, warmup: 1,
                                            device: Device.preferred)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    print(String(decoding: try encoder.encode(result), as: UTF8.self))
} catch {
    FileHandle.standardError.write("finetune-driver: \(error)\n".data(using: .utf8)!)
    exit(1)
}
