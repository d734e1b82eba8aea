import AmbientCore
import Foundation

/// Prepares the batches of a range of steps on a background thread (HDF5 reads, FFTs, masks) and
/// hands them out in order through a bounded queue, so the network never waits when the loader
/// keeps up. A loader error is rethrown by the `next()` that would have returned its batch.
final class BatchPrefetcher: @unchecked Sendable {
    private let condition = NSCondition()
    private var ready: [Result<PreparedBatch, Error>] = []
    private var stopped = false
    private let depth: Int

    init(builder: BatchBuilder, steps: Range<Int>, depth: Int) {
        self.depth = max(1, depth)
        let thread = Thread { [self] in
            for step in steps {
                let result = Result { try builder.batch(step: step) }
                condition.lock()
                while ready.count >= self.depth && !stopped { condition.wait() }
                if stopped { condition.unlock(); return }
                ready.append(result)
                condition.broadcast()
                condition.unlock()
                if case .failure = result { return }
            }
        }
        thread.name = "ambient-batch-loader"
        thread.start()
    }

    /// The next batch (blocks until it is ready); also returns how long it waited.
    func next() throws -> (batch: PreparedBatch, waited: Double) {
        let start = Date()
        condition.lock()
        while ready.isEmpty { condition.wait() }
        let result = ready.removeFirst()
        condition.broadcast()
        condition.unlock()
        return (try result.get(), Date().timeIntervalSince(start))
    }

    /// Lets the loader thread finish (it exits at its next hand-off).
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    deinit { stop() }
}
