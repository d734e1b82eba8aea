import AmbientCore
import Foundation

/// Runs a job over many input files with per-file fault isolation: a bad file is reported and
/// skipped, the rest go on, and the summary and exit status say whether anything failed.
public struct BatchRun {
    public let command: String
    public private(set) var done: [String] = []
    public private(set) var failed: [(file: String, error: String)] = []
    public let start = Date()

    public init(command: String) { self.command = command }

    public mutating func process(_ file: String, _ body: () throws -> Void) {
        do {
            try body()
            done.append(file)
        } catch {
            let message = "\(error)"
            failed.append((file, message))
            // Errors usually name the file already; add it when they do not.
            printError("ambient \(command): " + (message.contains(file) ? message : "\(file): \(message)"))
        }
    }

    /// Prints the summary; throws (→ non-zero exit) when some file failed.
    public func finish(quiet: Bool) throws {
        let elapsed = formatDuration(Date().timeIntervalSince(start))
        note("\(command): \(done.count) file(s) done, \(failed.count) failed, \(elapsed)", quiet: quiet && failed.isEmpty)
        if !failed.isEmpty {
            throw AmbientError(.badValue, "", "\(failed.count) of \(done.count + failed.count) file(s) failed: "
                               + failed.map { ($0.file as NSString).lastPathComponent }.joined(separator: ", "))
        }
    }
}

/// `--shard i/N`: this job takes the files whose position in the sorted list is i mod N, so N
/// jobs (a scheduler's job array, several machines) split one batch without overlap.
public struct Shard: Codable, Equatable {
    public var index: Int
    public var count: Int

    public static let all = Shard(index: 0, count: 1)

    public init(index: Int, count: Int) { self.index = index; self.count = count }

    public init(parsing text: String) throws {
        let parts = text.split(separator: "/").map { Int($0) }
        guard parts.count == 2, let i = parts[0], let n = parts[1], n >= 1, i >= 0, i < n else {
            throw AmbientError(.badArgument, "", "--shard expects i/N with 0 ≤ i < N, got '\(text)'")
        }
        index = i
        count = n
    }

    public func select<T>(_ items: [T]) -> [T] {
        items.enumerated().filter { $0.offset % count == index }.map(\.element)
    }
}
