import Foundation

/// Counts the multiply–add work of the matrix-shaped ops (conv2d, linear, matmul, bmm, baddbmm)
/// while `count` runs, 2 FLOPs per multiply–add — for reporting achieved GFLOP/s in benchmarks.
/// Element-wise ops, normalisations and softmax are not counted (a few percent of a U-Net).
public enum FLOPCounter {
    nonisolated(unsafe) private static var total: Double = 0
    nonisolated(unsafe) private static var active = false
    private static let lock = NSLock()

    /// FLOPs of the counted ops run inside `body` (on any thread).
    public static func count(_ body: () throws -> Void) rethrows -> Double {
        lock.lock(); total = 0; active = true; lock.unlock()
        defer { lock.lock(); active = false; lock.unlock() }
        try body()
        lock.lock(); defer { lock.unlock() }
        return total
    }

    static var isCounting: Bool { lock.lock(); defer { lock.unlock() }; return active }

    static func add(_ flops: Double) {
        lock.lock(); if active { total += flops }; lock.unlock()
    }

    /// 2 · (output elements) · (multiply–adds per output element).
    static func record(output: Tensor, macsPerOutput: Int) {
        guard isCounting else { return }
        add(2 * Double(output.count) * Double(macsPerOutput))
    }
}
