import AmbientCore
import AmbientIO
import Foundation

// Text (stdout), JSON and CSV forms of evaluation reports. Files are written atomically.
// Numbers use fastMRI's `%.4g`; PSNR of a perfect prediction is +∞ ("inf" in text and CSV,
// "Infinity" in JSON, which has no literal for it).

extension EvaluationReport {
    /// A per-volume table, then `mean ± 2σ` per metric, then the errors.
    public func table() -> String {
        var rows = [["file", "slices", "NMSE", "PSNR", "SSIM"]]
        for v in volumes { rows.append([v.file, String(v.slices), format(v.nmse), format(v.psnr), format(v.ssim)]) }
        var text = alignedTable(rows)
        if let nmse, let psnr, let ssim {
            text += "\n\(volumes.count) volume(s): NMSE = \(format(nmse)) PSNR = \(format(psnr)) SSIM = \(format(ssim))\n"
        } else {
            text += "\nno volume evaluated\n"
        }
        for e in errors { text += "error: \(e.file): \(e.message)\n" }
        if !unmatchedPredictions.isEmpty {
            text += "predictions without a target (ignored): \(unmatchedPredictions.joined(separator: ", "))\n"
        }
        return text
    }

    public func writeJSON(to path: String) throws {
        try AtomicWrite.write(try reportJSON(self), to: path)
    }

    /// One row per volume; failed volumes have empty metrics and their message in `error`.
    public func writeCSV(to path: String) throws {
        var lines = ["file,slices,nmse,psnr,ssim,mse,error"]
        for v in volumes {
            lines.append([csvField(v.file), String(v.slices), csvNumber(v.nmse), csvNumber(v.psnr),
                          csvNumber(v.ssim), csvNumber(v.mse), ""].joined(separator: ","))
        }
        for e in errors { lines.append([csvField(e.file), "", "", "", "", "", csvField(e.message)].joined(separator: ",")) }
        try AtomicWrite.write(Array((lines.joined(separator: "\n") + "\n").utf8), to: path)
    }
}

extension MethodComparison {
    /// One row per method: volumes evaluated, failures, and `mean ± 2σ` of each metric.
    public func table() -> String {
        var rows = [["method", "volumes", "failed", "NMSE", "PSNR", "SSIM"]]
        for r in methods {
            rows.append([r.method, String(r.volumes.count), String(r.errors.count),
                         r.nmse.map(format) ?? "-", r.psnr.map(format) ?? "-", r.ssim.map(format) ?? "-"])
        }
        var text = alignedTable(rows)
        for r in methods {
            for e in r.errors { text += "error (\(r.method)): \(e.file): \(e.message)\n" }
        }
        return text
    }

    public func writeJSON(to path: String) throws {
        try AtomicWrite.write(try reportJSON(self), to: path)
    }

    /// One row per method with mean and 2σ of each metric.
    public func writeCSV(to path: String) throws {
        var lines = ["method,volumes,failed,nmse_mean,nmse_2sigma,psnr_mean,psnr_2sigma,ssim_mean,ssim_2sigma"]
        for r in methods {
            var fields = [csvField(r.method), String(r.volumes.count), String(r.errors.count)]
            for summary in [r.nmse, r.psnr, r.ssim] {
                fields += summary.map { [csvNumber($0.mean), csvNumber($0.twoSigma)] } ?? ["", ""]
            }
            lines.append(fields.joined(separator: ","))
        }
        try AtomicWrite.write(Array((lines.joined(separator: "\n") + "\n").utf8), to: path)
    }
}

/// JSON like ConfigFile's (snake_case, sorted, pretty) but able to carry ±∞ and NaN.
func reportJSON<T: Encodable>(_ value: T) throws -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity",
                                                                  negativeInfinity: "-Infinity", nan: "NaN")
    return Array(try encoder.encode(value)) + [0x0A]
}

func format(_ value: Double) -> String {
    value.isNaN ? "nan" : value.isInfinite ? (value > 0 ? "inf" : "-inf") : String(format: "%.4g", value)
}

func format(_ summary: MetricSummary) -> String {
    "\(format(summary.mean)) +/- \(format(summary.twoSigma))"
}

/// Full precision for machine-read files.
func csvNumber(_ value: Double) -> String {
    value.isNaN ? "nan" : value.isInfinite ? (value > 0 ? "inf" : "-inf") : String(format: "%.10g", value)
}

/// RFC 4180 quoting when a field holds a comma, quote or line break.
func csvField(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

/// Left-aligned first column, right-aligned numbers, two spaces between columns.
func alignedTable(_ rows: [[String]]) -> String {
    let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
    return rows.map { row in
        row.enumerated().map { c, cell in
            let pad = String(repeating: " ", count: widths[c] - cell.count)
            return c == 0 ? cell + pad : pad + cell
        }.joined(separator: "  ")
    }.joined(separator: "\n") + "\n"
}
