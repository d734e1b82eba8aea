import AmbientCore
import Foundation

/// One labelled image of a figure grid.
public struct ImagePanel: Sendable {
    public var title: String
    /// [H, W] magnitudes.
    public var image: RealArray

    public init(title: String, image: RealArray) { self.title = title; self.image = image }
    public init(title: String, magnitudeOf image: ComplexArray) { self.init(title: title, image: image.magnitude) }
}

/// Side-by-side image grids with a title over each panel, and simple line plots (loss curves).
public enum Figures {
    /// Lays panels out in rows of `columns`, each shown 0…its own maximum (or 0…the largest maximum
    /// with `sharedScale`), titles drawn above in the built-in font. Small images are enlarged by
    /// an integer `zoom` (nearest neighbour; default: to about 192 pixels) so 64×64 slices are legible.
    public static func grid(_ panels: [ImagePanel], columns: Int? = nil, sharedScale: Bool = false,
                            textScale: Int = 2, margin: Int = 8, zoom: Int? = nil) -> Canvas {
        precondition(!panels.isEmpty && panels.allSatisfy { $0.image.rank == 2 }, "Figures.grid: needs [H, W] panels")
        let largest = panels.map { max($0.image.shape[0], $0.image.shape[1]) }.max()!
        let factor = max(1, zoom ?? 192 / max(largest, 1))
        if factor > 1 {
            let zoomed = panels.map { ImagePanel(title: $0.title, image: enlarge($0.image, by: factor)) }
            return grid(zoomed, columns: columns, sharedScale: sharedScale, textScale: textScale, margin: margin, zoom: 1)
        }
        let columnCount = max(1, min(columns ?? panels.count, panels.count))
        let rowCount = (panels.count + columnCount - 1) / columnCount
        let cellWidth = panels.map { max($0.image.shape[1], Canvas.textWidth($0.title, scale: textScale)) }.max()!
        let cellHeight = panels.map { $0.image.shape[0] }.max()!
        let titleHeight = Canvas.textHeight(scale: textScale) + margin
        var canvas = Canvas(width: margin + columnCount * (cellWidth + margin),
                            height: margin + rowCount * (titleHeight + cellHeight + margin))
        let sharedMax = panels.map { $0.image.maximum }.max() ?? 1
        for (i, panel) in panels.enumerated() {
            let x = margin + (i % columnCount) * (cellWidth + margin)
            let y = margin + (i / columnCount) * (titleHeight + cellHeight + margin)
            let titleX = x + (cellWidth - Canvas.textWidth(panel.title, scale: textScale)) / 2
            canvas.text(panel.title, x: max(x, titleX), y: y, scale: textScale)
            let range: ClosedRange<Float>? = sharedScale ? 0...max(sharedMax, .leastNormalMagnitude) : nil
            canvas.draw(gray: PNG.normalized(panel.image, range: range),
                        x: x + (cellWidth - panel.image.shape[1]) / 2, y: y + titleHeight)
        }
        return canvas
    }

    /// Nearest-neighbour enlargement by an integer factor.
    static func enlarge(_ image: RealArray, by k: Int) -> RealArray {
        let h = image.shape[0], w = image.shape[1]
        return image.withUnsafeBufferPointer { src in
            RealArray(shape: [h * k, w * k]) { out in
                for y in 0..<(h * k) { for x in 0..<(w * k) { out[y * w * k + x] = src[(y / k) * w + x / k] } }
            }
        }
    }

    public static func writeGrid(_ panels: [ImagePanel], to path: String, columns: Int? = nil, sharedScale: Bool = false) throws {
        guard !panels.isEmpty else { throw AmbientError(.badArgument, path, "no panels to draw") }
        if let bad = panels.first(where: { $0.image.rank != 2 }) {
            throw AmbientError(.badShape, path, "panel '\(bad.title)' is \(bad.image.shape), expected [H, W]")
        }
        try grid(panels, columns: columns, sharedScale: sharedScale).writePNG(to: path)
    }

    public struct Series: Sendable {
        public var name: String
        public var values: [Double]
        public init(name: String, values: [Double]) { self.name = name; self.values = values }
    }

    static let palette: [Canvas.Color] = [(31, 119, 180), (214, 39, 40), (44, 160, 44), (148, 103, 189), (255, 127, 14)]

    /// A line plot of one or more series against their index, with the y range labelled and a legend.
    /// `logY` plots log10 of positive values (loss curves).
    public static func linePlot(_ series: [Series], title: String = "", logY: Bool = false,
                                width: Int = 640, height: Int = 400) -> Canvas {
        var canvas = Canvas(width: width, height: height)
        let left = 80, right = 16, top = 28, bottom = 28
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func transform(_ v: Double) -> Double? {
            guard v.isFinite else { return nil }
            if logY { return v > 0 ? log10(v) : nil }
            return v
        }
        let all = series.flatMap { $0.values.compactMap(transform) }
        var low = all.min() ?? 0, high = all.max() ?? 1
        if high <= low { high = low + 1; low -= 1 }
        let longest = max(2, series.map(\.values.count).max() ?? 2)
        // Axes box.
        canvas.line(from: (left, top), to: (left, top + plotHeight), color: Canvas.black)
        canvas.line(from: (left, top + plotHeight), to: (left + plotWidth, top + plotHeight), color: Canvas.black)
        canvas.text(title, x: left, y: 8)
        func label(_ v: Double) -> String {
            let value = logY ? pow(10, v) : v
            return abs(value) >= 1e4 || (abs(value) < 1e-2 && value != 0) ? String(format: "%.2e", value) : String(format: "%.4g", value)
        }
        canvas.text(label(high), x: 4, y: top)
        canvas.text(label(low), x: 4, y: top + plotHeight - 7)
        canvas.text("0", x: left, y: top + plotHeight + 8)
        let lastIndex = String(longest - 1)
        canvas.text(lastIndex, x: left + plotWidth - Canvas.textWidth(lastIndex), y: top + plotHeight + 8)
        for (k, s) in series.enumerated() {
            let color = palette[k % palette.count]
            var previous: (Int, Int)?
            for (i, v) in s.values.enumerated() {
                guard let t = transform(v) else { previous = nil; continue }
                let point = (left + Int(Double(i) / Double(longest - 1) * Double(plotWidth)),
                             top + Int((1 - (t - low) / (high - low)) * Double(plotHeight)))
                if let p = previous { canvas.line(from: p, to: point, color: color) } else { canvas.set(point.0, point.1, color) }
                previous = point
            }
            let legendY = top + 4 + k * 12
            canvas.fill(x: left + plotWidth - 120, y: legendY + 2, width: 10, height: 3, color: color)
            canvas.text(s.name, x: left + plotWidth - 106, y: legendY, color: color)
        }
        return canvas
    }

    public static func writeLinePlot(_ series: [Series], to path: String, title: String = "", logY: Bool = false) throws {
        try linePlot(series, title: title, logY: logY).writePNG(to: path)
    }
}
