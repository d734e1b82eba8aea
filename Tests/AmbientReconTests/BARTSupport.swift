import AmbientCore
import AmbientIO
import Foundation
import XCTest

/// Runs the real `bart` binary for parity tests; tests skip when it is not on PATH.
struct BART {
    let executable: String
    let folder: URL

    init() throws {
        guard let found = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
            .map({ "\($0)/bart" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("bart is not on PATH")
        }
        executable = found
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("bart-parity-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// Runs `bart <arguments>` with file names resolved in the scratch folder; returns stderr+stdout.
    @discardableResult
    func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let output = Pipe()
        process.standardError = output
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw AmbientError(.backend, "bart \(arguments.joined(separator: " "))", "exit \(process.terminationStatus): \(text.suffix(2000))")
        }
        return text
    }

    func read(_ name: String) throws -> ComplexArray { try CFL.read(path(name)) }
    func write(_ array: ComplexArray, _ name: String) throws { try CFL.write(array, to: path(name)) }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}

/// A seeded 2-D variable-density random mask [n, n] with a fully sampled centre: sampling
/// probability falls off with the distance from the centre, scaled for about `fraction` of the
/// points in total (the kind of pattern compressed sensing wants).
func variableDensityMask(size n: Int, fraction: Float, center: Int, seed: UInt64) -> RealArray {
    var rng = SeededGenerator(seed: seed)
    let half = Float(n) / 2
    // Density ∝ (1 − r)², r the distance from the centre relative to the half-diagonal;
    // its mean over the square is about 0.2, hence the factor.
    let gain = fraction / 0.2
    return RealArray(shape: [n, n]) { i in
        let y = i / n, x = i % n
        if abs(y - n / 2) < center / 2 && abs(x - n / 2) < center / 2 { return 1 }
        let r = min(1, (Float((y - n / 2) * (y - n / 2) + (x - n / 2) * (x - n / 2))).squareRoot() / (half * Float(2).squareRoot()))
        return rng.nextUniform() < gain * (1 - r) * (1 - r) ? 1 : 0
    }
}
