import AmbientCore
import AmbientIO
import Foundation

// Figures of a memorisation audit: the distribution of best-match NCC values, and the most
// similar sample / training image pairs side by side.

extension MemorizationReport {
    /// Bin counts of the best-match NCC values over `range` (values outside are clamped into the end bins).
    public func nccHistogram(bins: Int, range: ClosedRange<Double>) -> [Int] {
        var counts = [Int](repeating: 0, count: max(bins, 1))
        let width = (range.upperBound - range.lowerBound) / Double(counts.count)
        for match in matches where match.ncc.isFinite {
            let k = Int(((match.ncc - range.lowerBound) / width).rounded(.down))
            counts[min(max(k, 0), counts.count - 1)] += 1
        }
        return counts
    }

    /// The default histogram range: from the lowest value (rounded down to 0.1, at least −1) to 1.
    public var nccRange: ClosedRange<Double> {
        let low = matches.map(\.ncc).filter(\.isFinite).min() ?? 0
        return max(-1, min(0.9, (low * 10).rounded(.down) / 10))...1
    }

    /// A bar chart of the best-match NCC values with labelled axes and the near-copy threshold in red.
    public func histogramCanvas(bins: Int = 20, width: Int = 640, height: Int = 400) -> Canvas {
        let range = nccRange
        let counts = nccHistogram(bins: bins, range: range)
        let highest = max(counts.max() ?? 1, 1)
        var canvas = Canvas(width: width, height: height)
        let left = 56, right = 16, top = 32, bottom = 44
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let bar: Canvas.Color = (31, 119, 180), red: Canvas.Color = (214, 39, 40)
        func x(_ value: Double) -> Int {
            left + Int(((value - range.lowerBound) / (range.upperBound - range.lowerBound) * Double(plotWidth)).rounded())
        }

        let title = "\(matches.count) samples: \(format(100 * fractionAboveThreshold))% above NCC \(format(nearDuplicateThreshold))"
        canvas.text(title, x: left, y: 10)
        for (k, count) in counts.enumerated() where count > 0 {
            let x0 = x(range.lowerBound + Double(k) * (range.upperBound - range.lowerBound) / Double(counts.count))
            let x1 = x(range.lowerBound + Double(k + 1) * (range.upperBound - range.lowerBound) / Double(counts.count))
            let h = max(1, count * plotHeight / highest)
            canvas.fill(x: x0 + 1, y: top + plotHeight - h, width: max(1, x1 - x0 - 1), height: h, color: bar)
        }
        // Axes, ticks and labels.
        canvas.line(from: (left, top), to: (left, top + plotHeight), color: Canvas.black)
        canvas.line(from: (left, top + plotHeight), to: (left + plotWidth, top + plotHeight), color: Canvas.black)
        for value in [range.lowerBound, (range.lowerBound + range.upperBound) / 2, range.upperBound] {
            let label = String(format: "%.2f", value)
            canvas.line(from: (x(value), top + plotHeight), to: (x(value), top + plotHeight + 4), color: Canvas.black)
            canvas.text(label, x: min(max(0, x(value) - Canvas.textWidth(label) / 2), width - Canvas.textWidth(label)),
                        y: top + plotHeight + 8)
        }
        let axisTitle = "NCC with nearest training image"
        canvas.text(axisTitle, x: left + (plotWidth - Canvas.textWidth(axisTitle)) / 2, y: height - 14)
        canvas.text(String(highest), x: 4, y: top)
        canvas.text("0", x: left - 12, y: top + plotHeight - 7)
        canvas.text("count", x: 4, y: top + plotHeight / 2)
        if range.contains(nearDuplicateThreshold) {
            let tx = x(nearDuplicateThreshold)
            for y in stride(from: top, to: top + plotHeight, by: 6) {
                canvas.line(from: (tx, y), to: (tx, min(y + 3, top + plotHeight)), color: red)
            }
        }
        return canvas
    }

    public func writeHistogram(to path: String, bins: Int = 20) throws {
        guard !matches.isEmpty else { throw AmbientError(.badArgument, path, "no matches to draw") }
        try histogramCanvas(bins: bins).writePNG(to: path)
    }

    /// The `count` most similar pairs, each sample beside its nearest training image (small images
    /// enlarged by pixel repetition to at least 96 pixels), four pairs per row.
    public func writeTopMatches(samples: RealArray, training: RealArray, count: Int = 8, to path: String) throws {
        let samples = samples.rank == 2 ? samples.reshaped([1] + samples.shape) : samples
        let top = topMatches(count)
        guard !top.isEmpty else { throw AmbientError(.badArgument, path, "no matches to draw") }
        for m in top where m.sample >= samples.shape[0] || m.trainingIndex >= training.shape[0] {
            throw AmbientError(.badArgument, path, "match \(m.sample)→\(m.trainingIndex) does not index these samples (\(samples.shape)) and training images (\(training.shape))")
        }
        let factor = max(1, (96 + samples.shape[1] - 1) / samples.shape[1])
        var panels: [ImagePanel] = []
        for m in top {
            panels.append(ImagePanel(title: "sample \(m.sample)", image: enlarged(samples.slice(m.sample), by: factor)))
            panels.append(ImagePanel(title: "train \(m.trainingIndex) ncc \(String(format: "%.3f", m.ncc))",
                                     image: enlarged(training.slice(m.trainingIndex), by: factor)))
        }
        try Figures.grid(panels, columns: 2 * min(top.count, 4), textScale: 1).writePNG(to: path)
    }
}

/// Nearest-neighbour enlargement of an [H, W] image by an integer factor.
func enlarged(_ image: RealArray, by factor: Int) -> RealArray {
    guard factor > 1 else { return image }
    let h = image.shape[0], w = image.shape[1]
    return image.withUnsafeBufferPointer { p in
        RealArray(shape: [h * factor, w * factor]) { i in p[(i / (w * factor) / factor) * w + (i % (w * factor)) / factor] }
    }
}
