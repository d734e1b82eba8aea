import Foundation

/// A progress bar on stderr: a redrawn bar with rate and ETA on a terminal, plain periodic lines
/// otherwise (logs, CI). Silent when `enabled` is false.
public final class ProgressBar: @unchecked Sendable {
    public let label: String
    public let total: Int
    private let enabled: Bool
    private let isTerminal: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var completed = 0
    private var drawnCompleted = -1
    private let lock = NSLock()
    private let unit: String

    public init(_ label: String, total: Int, unit: String = "it", enabled: Bool = true) {
        self.label = label
        self.total = max(total, 1)
        self.unit = unit
        self.enabled = enabled
        isTerminal = isatty(2) != 0
    }

    /// Marks `count` more items done; `status` is shown after the bar (e.g. "loss 0.031").
    public func advance(by count: Int = 1, status: String = "") {
        lock.lock()
        defer { lock.unlock() }
        completed = min(total, completed + count)
        draw(status: status, force: completed == total)
    }

    public func finish(status: String = "") {
        lock.lock()
        defer { lock.unlock() }
        if drawnCompleted != completed { draw(status: status, force: true) }
        if enabled && isTerminal { FileHandle.standardError.write("\n".data(using: .utf8)!) }
    }

    private func draw(status: String, force: Bool) {
        guard enabled else { return }
        let now = Date()
        let interval: TimeInterval = isTerminal ? 0.1 : 10
        guard force || now.timeIntervalSince(lastDraw) >= interval else { return }
        lastDraw = now
        drawnCompleted = completed
        let elapsed = now.timeIntervalSince(start)
        // Too early for a meaningful rate: say nothing rather than something absurd.
        let rate = elapsed >= 0.5 ? Double(completed) / elapsed : 0
        let eta = rate > 0 ? Double(total - completed) / rate : 0
        let fraction = Double(completed) / Double(total)
        let timing = rate > 0
            ? String(format: "%.2f %@/s, %@ elapsed, ETA %@", rate, unit, formatDuration(elapsed), formatDuration(eta))
            : "\(formatDuration(elapsed)) elapsed"
        let tail = status.isEmpty ? "" : "  \(status)"
        if isTerminal {
            let width = 24
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            let line = "\r\(label) \(bar) \(completed)/\(total) (\(timing))\(tail)\u{1B}[K"
            FileHandle.standardError.write(line.data(using: .utf8)!)
        } else {
            let line = String(format: "%@: %d/%d (%.0f%%) %@%@\n", label, completed, total, fraction * 100, timing, tail)
            FileHandle.standardError.write(line.data(using: .utf8)!)
        }
    }
}

/// "1h02m", "3m07s", "12.3s"
public func formatDuration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "?" }
    if seconds >= 3600 { return String(format: "%dh%02dm", Int(seconds) / 3600, (Int(seconds) % 3600) / 60) }
    if seconds >= 60 { return String(format: "%dm%02ds", Int(seconds) / 60, Int(seconds) % 60) }
    return String(format: "%.1fs", seconds)
}
