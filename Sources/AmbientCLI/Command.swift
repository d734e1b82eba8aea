import AmbientCore
import Foundation

/// One subcommand: `ambient <name> [options] <inputs…> <output>` (outputs last, as in BART).
public protocol Command {
    static var name: String { get }
    /// One line for `ambient --help`.
    static var summary: String { get }
    /// Positional arguments as shown in the usage line, e.g. "<input> <output>".
    static var arguments: String { get }
    /// Longer description shown by `ambient <name> --help`.
    static var discussion: String { get }
    static var options: [OptionSpec] { get }
    static func run(_ args: ParsedArguments) throws
}

extension Command {
    public static var discussion: String { "" }

    public static func helpText() -> String {
        var lines = ["Usage: ambient \(name) [options] \(arguments)", "", summary]
        if !discussion.isEmpty { lines += ["", discussion] }
        lines += ["", "Options:"]
        for spec in options + [CommonOptions.help] {
            var flag = spec.short.map { "-\($0), " } ?? "    "
            flag += "--\(spec.long)"
            if let v = spec.value { flag += " \(v)" }
            var help = spec.help
            if let d = spec.defaultValue { help += " (default: \(d))" }
            lines.append("  " + flag.padding(toLength: max(28, flag.count + 2), withPad: " ", startingAt: 0) + help)
        }
        return lines.joined(separator: "\n")
    }
}

/// Standard error output.
public func printError(_ message: String) {
    FileHandle.standardError.write((message + "\n").data(using: .utf8)!)
}

/// Informational output that `--quiet` silences (goes to stderr so stdout stays data).
public func note(_ message: String, quiet: Bool = false) {
    if !quiet { printError(message) }
}
