// Usage: dps-driver CONFIG.json SLICES STEPS COILS THREADS
// Prints seconds per slice of A-DPS posterior sampling (AmbientDiffusion.benchmarkPosteriorSampling).
import AmbientDiffusion
import AmbientTorch
import Foundation

let arguments = CommandLine.arguments
guard arguments.count >= 6, let slices = Int(arguments[2]), let steps = Int(arguments[3]), let coils = Int(arguments[4]),
      let threads = Int(arguments[5]) else {
    FileHandle.standardError.write("usage: dps-driver CONFIG.json SLICES STEPS COILS THREADS\n".data(using: .utf8)!)
    exit(2)
}
do {
    let config = try JSONDecoder().decode(UNet2DConfig.self, from: Data(contentsOf: URL(fileURLWithPath: arguments[1])))
    Torch.threads = threads
    let seconds = try benchmarkPosteriorSampling(config: config, slices: slices, steps: steps, coils: coils, device: Device.preferred)
    print(String(format: "%.4f", seconds))
} catch {
    FileHandle.standardError.write("dps-driver: \(error)\n".data(using: .utf8)!)
    exit(1)
}
