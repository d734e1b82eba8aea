import AmbientCore

/// One command-line option. Letters mean the same thing in every command (see `CommonOptions`).
public struct OptionSpec {
    public let short: Character?
    public let long: String
    /// Placeholder for the value ("N", "FILE"); nil for a flag.
    public let value: String?
    public let help: String
    public let defaultValue: String?

    public init(_ short: Character? = nil, _ long: String, value: String? = nil, default defaultValue: String? = nil, help: String) {
        self.short = short
        self.long = long
        self.value = value
        self.help = help
        self.defaultValue = defaultValue
    }
}

/// Options shared by every command that has them, so a letter never changes meaning.
public enum CommonOptions {
    public static let iterations = OptionSpec("i", "iterations", value: "N", help: "number of iterations")
    public static let lambda = OptionSpec("r", "lambda", value: "λ", help: "regularisation weight (see docs/recon.md for BART's convention)")
    public static let acceleration = OptionSpec("R", "acceleration", value: "R", help: "acceleration factor")
    public static let seed = OptionSpec("s", "seed", value: "N", help: "random seed")
    public static let protocolFile = OptionSpec("p", "protocol", value: "FILE", help: "protocol JSON (protocols/*.json); options given here override it")
    public static let mask = OptionSpec("m", "mask", value: "FILE", help: "sampling mask file ([ky, kx], 1 = sampled)")
    public static let maps = OptionSpec("S", "maps", value: "FILE", help: "coil sensitivity maps file ([coils, y, x])")
    public static let threads = OptionSpec("t", "threads", value: "N", help: "threads (default: all cores)")
    public static let outputDir = OptionSpec("o", "output", value: "DIR", help: "output folder")
    public static let quiet = OptionSpec("q", "quiet", help: "no progress output")
    public static let help = OptionSpec("h", "help", help: "show this help")
}

/// The parsed command line of one subcommand: options by long name, and positionals.
public struct ParsedArguments {
    public let command: String
    public private(set) var values: [String: String] = [:]
    public private(set) var flags: Set<String> = []
    public private(set) var positionals: [String] = []
    /// Options given on the command line (not filled in from their defaults).
    public private(set) var given: Set<String> = []

    public init(command: String, arguments: [String], options: [OptionSpec]) throws {
        self.command = command
        let specs = options + [CommonOptions.help]
        var i = 0
        var onlyPositionals = false
        while i < arguments.count {
            let arg = arguments[i]
            i += 1
            if onlyPositionals || !arg.hasPrefix("-") || arg == "-" || Double(arg) != nil {
                positionals.append(arg)
                continue
            }
            if arg == "--" { onlyPositionals = true; continue }
            var name = arg
            var inlineValue: String?
            if arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") {
                name = String(arg[..<eq])
                inlineValue = String(arg[arg.index(after: eq)...])
            }
            let spec: OptionSpec?
            if name.hasPrefix("--") {
                spec = specs.first { "--" + $0.long == name }
            } else if name.count == 2 {
                spec = specs.first { $0.short == name.last }
            } else {
                spec = nil
            }
            guard let spec else {
                throw AmbientError(.badArgument, "", "unknown option \(name) (see `ambient \(command) --help`)")
            }
            if spec.value == nil {
                flags.insert(spec.long)
            } else {
                given.insert(spec.long)
                if let inlineValue {
                    values[spec.long] = inlineValue
                } else {
                    guard i < arguments.count else {
                        throw AmbientError(.badArgument, "", "option --\(spec.long) needs a value \(spec.value!)")
                    }
                    values[spec.long] = arguments[i]
                    i += 1
                }
            }
        }
        for spec in options where values[spec.long] == nil {
            if let d = spec.defaultValue { values[spec.long] = d }
        }
    }

    public var wantsHelp: Bool { flags.contains("help") }
    public func flag(_ long: String) -> Bool { flags.contains(long) }
    public func string(_ long: String) -> String? { values[long] }
    public func has(_ long: String) -> Bool { values[long] != nil }

    public func int(_ long: String) throws -> Int? {
        guard let s = values[long] else { return nil }
        guard let v = Int(s) else { throw AmbientError(.badArgument, "", "--\(long) expects an integer, got '\(s)'") }
        return v
    }

    public func float(_ long: String) throws -> Float? {
        guard let s = values[long] else { return nil }
        guard let v = Float(s), v.isFinite else { throw AmbientError(.badArgument, "", "--\(long) expects a number, got '\(s)'") }
        return v
    }

    /// Integers as "4" or "4,6,8".
    public func ints(_ long: String) throws -> [Int]? {
        guard let s = values[long] else { return nil }
        let parts = s.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else {
            throw AmbientError(.badArgument, "", "--\(long) expects integers like 4 or 4,6,8, got '\(s)'")
        }
        return parts.map { $0! }
    }

    /// Requires exactly `count` positionals (or at least, when `atLeast`), naming them in the error.
    public func requirePositionals(_ names: [String], atLeast: Bool = false) throws -> [String] {
        let ok = atLeast ? positionals.count >= names.count : positionals.count == names.count
        guard ok else {
            throw AmbientError(.badArgument, "",
                               "expected \(atLeast ? "at least " : "")\(names.count) argument(s) \(names.joined(separator: " ")), got \(positionals.count) (see `ambient \(command) --help`)")
        }
        return positionals
    }
}

import Foundation
