import AmbientCore
import CMalloc
import Foundation

/// The learned-prior commands. They live in the `ambient-ml` executable, which links libtorch;
/// `ambient` lists them in its help and hands them over (exec), so classical commands start fast.
public enum MLCommands {
    public static let catalog: [(name: String, summary: String)] = [
        ("pretrain", "train a base diffusion prior on clean images (EDM)"),
        ("finetune", "fine-tune a prior on corrupted scans (Ambient objective)"),
        ("sample", "generate images from a prior (EDM / Ambient fixed-mask sampler)"),
        ("average", "average a run's checkpoint weights over a step range (post-hoc EMA)"),
        ("bench-ml", "in-process benchmarks of the network and training (unet, finetune, dps)"),
    ]

    public static func summary(_ name: String) -> String {
        catalog.first { $0.name == name }?.summary ?? ""
    }

    /// Reconstruction methods that need the learned prior (and so `ambient-ml`).
    public static let reconMethods: Set<String> = ["ambient-dps", "ambient-os"]
}

public enum AmbientMain {
    /// The commands that need no network, in the order `ambient --help` lists them.
    public static let classicalCommands: [Command.Type] = [
        InfoCommand.self,
        SimulateCommand.self,
        ConvertCommand.self,
        FFTCommand.self,
        MaskCommand.self,
        UndersampleCommand.self,
        CorruptCommand.self,
        SensCommand.self,
        RSSCommand.self,
        ReconCommand.self,
        EvaluateCommand.self,
        MemorizationCommand.self,
        NRMSECommand.self,
        BenchCommand.self,
    ]

    static func help(_ commands: [Command.Type]) -> String {
        var lines = [
            "ambient — MRI reconstruction with diffusion priors learned from corrupted scans",
            "",
            "Usage: ambient <command> [options] <inputs…> <output>",
            "",
            "Commands:",
        ]
        var listed = Set<String>()
        for c in commands {
            lines.append("  " + c.name.padding(toLength: 14, withPad: " ", startingAt: 0) + c.summary)
            listed.insert(c.name)
        }
        for c in MLCommands.catalog where !listed.contains(c.name) {
            lines.append("  " + c.name.padding(toLength: 14, withPad: " ", startingAt: 0) + c.summary)
        }
        lines += ["", "Run `ambient <command> --help` for a command's options. Conventions: docs/conventions.md."]
        return lines.joined(separator: "\n")
    }

    /// True when this command line needs the learned prior (an ML command, or recon with an ambient method).
    static func needsML(_ argv: [String]) -> Bool {
        guard let name = argv.first else { return false }
        if MLCommands.catalog.contains(where: { $0.name == name }) { return true }
        guard name == "recon" else { return false }
        for (i, a) in argv.enumerated() {
            if a == "--method", i + 1 < argv.count, MLCommands.reconMethods.contains(argv[i + 1]) { return true }
            if a.hasPrefix("--method="), MLCommands.reconMethods.contains(String(a.dropFirst(9))) { return true }
        }
        return false
    }

    /// Replaces this process with `ambient-ml` (next to this executable) running the same arguments.
    static func handOff(_ argv: [String]) -> Never {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("ambient-ml").path
        guard FileManager.default.isExecutableFile(atPath: exe) else {
            printError("ambient \(argv[0]): this command needs the learned-prior tool \(exe), which is not installed (build it with `swift build`)")
            exit(1)
        }
        let cArgs = ([exe] + argv).map { strdup($0) } + [nil]
        execv(exe, cArgs)
        printError("ambient \(argv[0]): cannot start \(exe): \(String(cString: strerror(errno)))")
        exit(1)
    }

    /// glibc raises its mmap threshold to the size of each large block freed (up to 32 MiB), so after
    /// the first slice buffer every slice-sized array comes from the heap, where freed blocks are
    /// rarely returned: a batch recon grew to ~10 slice buffers. A fixed threshold keeps arrays of
    /// 1 MiB and more in their own mappings, returned to the system when freed. Only for the classical
    /// executable: libtorch reallocates its multi-MiB activations every step, and mapping them afresh
    /// each time cost training 40 % of its speed in page faults.
    static func keepLargeBuffersOffTheHeap() {
        _ = mallopt(ambient_M_MMAP_THRESHOLD(), 1 << 20)
    }

    /// Parses the command line and runs one command; never returns.
    /// `setThreads` applies --threads to libraries beyond FFTW (libtorch in `ambient-ml`).
    public static func run(commands: [Command.Type], handsOffML: Bool, setThreads: ((Int) -> Void)? = nil) -> Never {
        let argv = Array(CommandLine.arguments.dropFirst())
        guard let name = argv.first, !["-h", "--help", "help"].contains(name) else {
            print(help(commands))
            exit(argv.isEmpty ? 1 : 0)
        }
        if handsOffML && needsML(argv) { handOff(argv) }
        if handsOffML { keepLargeBuffersOffTheHeap() }
        guard let command = commands.first(where: { $0.name == name }) else {
            printError("ambient: unknown command '\(name)'\n\n" + help(commands))
            exit(2)
        }
        do {
            let parsed = try ParsedArguments(command: name, arguments: Array(argv.dropFirst()), options: command.options)
            if parsed.wantsHelp {
                print(command.helpText())
                exit(0)
            }
            if let threads = try parsed.int("threads") {
                guard threads >= 1 else { throw AmbientError(.badArgument, "", "--threads must be ≥ 1, got \(threads)") }
                FFT.threads = threads
                setThreads?(threads)
            }
            try command.run(parsed)
            exit(0)
        } catch {
            printError("ambient \(name): \(error)")
            exit(1)
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
