// Usage: torch-bench-driver CONFIG.json BATCH STEPS THREADS [channels-last]
// Prints the training throughput in images/s.
import AmbientTorch
import Foundation

let arguments = CommandLine.arguments
guard arguments.count >= 5, let batch = Int(arguments[2]), let steps = Int(arguments[3]), let threads = Int(arguments[4]) else {
    FileHandle.standardError.write("usage: torch-bench-driver CONFIG.json BATCH STEPS THREADS [channels-last]\n".data(using: .utf8)!)
    exit(2)
}
do {
    let config = try JSONDecoder().decode(UNet2DConfig.self, from: Data(contentsOf: URL(fileURLWithPath: arguments[1])))
    Torch.threads = threads
    let rate = try benchmarkTrainStep(config: config, batch: batch, steps: steps,
                                      channelsLast: arguments.count > 5 && arguments[5] == "channels-last")
    print(String(format: "%.3f", rate))
} catch {
    FileHandle.standardError.write("torch-bench-driver: \(error)\n".data(using: .utf8)!)
    exit(1)
}
