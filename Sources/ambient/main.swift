import AmbientCore
import Foundation

/// Every subcommand, in the order `ambient --help` lists them.
let commands: [Command.Type] = [
    InfoCommand.self,
    SimulateCommand.self,
    FFTCommand.self,
    MaskCommand.self,
    UndersampleCommand.self,
    CorruptCommand.self,
    SensCommand.self,
    RSSCommand.self,
    ReconCommand.self,
    NRMSECommand.self,
]

func mainHelp() -> String {
    var lines = [
        "ambient — MRI reconstruction with diffusion priors learned from corrupted scans",
        "",
        "Usage: ambient <command> [options] <inputs…> <output>",
        "",
        "Commands:",
    ]
    for c in commands { lines.append("  " + c.name.padding(toLength: 14, withPad: " ", startingAt: 0) + c.summary) }
    lines += ["", "Run `ambient <command> --help` for a command's options. Conventions: docs/conventions.md."]
    return lines.joined(separator: "\n")
}

let argv = Array(CommandLine.arguments.dropFirst())
guard let name = argv.first, !["-h", "--help", "help"].contains(name) else {
    print(mainHelp())
    exit(argv.isEmpty ? 1 : 0)
}
guard let command = commands.first(where: { $0.name == name }) else {
    printError("ambient: unknown command '\(name)'\n\n" + mainHelp())
    exit(2)
}
do {
    let parsed = try ParsedArguments(command: name, arguments: Array(argv.dropFirst()), options: command.options)
    if parsed.wantsHelp {
        print(command.helpText())
        exit(0)
    }
    if let threads = try parsed.int("threads") { FFT.threads = threads }
    try command.run(parsed)
} catch let error as AmbientError {
    printError("ambient \(name): \(error)")
    exit(1)
} catch {
    printError("ambient \(name): \(error)")
    exit(1)
}
