import AmbientCore
import AmbientIO
import Foundation

/// `ambient bench`: in-process timings that `make bench` prints beside the peers' (bench/*.sh).
public enum BenchCommand: Command {
    public static let name = "bench"
    public static let summary = "in-process benchmarks used by `make bench` (fft, read)"
    public static let arguments = "fft | read <file> <N|all> <reuse|fresh>"
    public static let discussion = """
        fft:   median seconds per centred unitary FFT of a [--coils, --size, --size] array (all coils in one call).
        read:  seconds to read a fastMRI file's k-space slice by slice (first line of output).
        Network benchmarks: `ambient bench-ml`.
        """
    public static let options = [
        OptionSpec(nil, "size", value: "N", default: "320", help: "fft: plane size"),
        OptionSpec(nil, "coils", value: "N", default: "16", help: "fft: batch of planes"),
        OptionSpec(nil, "repeats", value: "N", default: "20", help: "fft: timed repetitions"),
        CommonOptions.threads,
    ]

    public static func run(_ args: ParsedArguments) throws {
        guard let what = args.positionals.first else { throw AmbientError(.badArgument, "", "say what to benchmark: fft or read") }
        switch what {
        case "fft":
            let n = try args.int("size")!, coils = try args.int("coils")!, repeats = max(1, try args.int("repeats")!)
            var rng = SeededGenerator(seed: 12345)
            let x = ComplexArray.gaussianNoise(shape: [coils, n, n], using: &rng)
            _ = FFT.forward(x)  // plan once
            var times: [Double] = []
            for _ in 0..<repeats {
                let t0 = DispatchTime.now().uptimeNanoseconds
                _ = FFT.forward(x)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            }
            print(String(format: "%.6f", times.sorted()[times.count / 2]))
        case "read":
            let p = try args.requirePositionals(["read", "<file>", "<N|all>", "<reuse|fresh>"])
            let timing = try timeSliceReads(path: p[1], sliceLimit: p[2] == "all" ? nil : Int(p[2]), reuseBuffer: p[3] == "reuse")
            print(String(format: "%.6f", timing.seconds))
            print("slices \(timing.slices) bytes \(timing.bytesRead) checksum \(timing.checksum)")
        default:
            throw AmbientError(.badArgument, "", "unknown benchmark '\(what)' (fft, read)")
        }
    }
}
