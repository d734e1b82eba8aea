import AmbientCore

/// A progress bar whose total is learned from the first report (sampler steps).
public final class StepProgress {
    public let label: String
    public let enabled: Bool
    private var bar: ProgressBar?
    private var last = 0

    public init(label: String, enabled: Bool) { self.label = label; self.enabled = enabled }

    public func report(_ done: Int, _ total: Int) {
        if bar == nil { bar = ProgressBar(label, total: total, unit: "steps", enabled: enabled) }
        bar?.advance(by: max(0, done - last))
        last = done
    }

    public func finish() { bar?.finish() }
}
