import Foundation
import XCTest

/// BART-style system tests: simulate → tool → nrmse with a tolerance that fails the test.
final class ClassicalPipelineTests: XCTestCase {
    func bart(_ args: [String], in dir: URL) throws {
        guard let bart = CLI.which("bart") else { throw XCTSkip("bart is not installed") }
        let r = try CLI.runTool(bart, args, in: dir)
        XCTAssertEqual(r.status, 0, "bart \(args.joined(separator: " ")): \(r.stderr)")
    }

    func ambient(_ args: [String], in dir: URL, file: StaticString = #filePath, line: UInt = #line) throws -> CLIResult {
        let r = try CLI.run(args, in: dir)
        XCTAssertEqual(r.status, 0, "ambient \(args.joined(separator: " ")): \(r.stderr)", file: file, line: line)
        return r
    }

    func testFFTAgreesWithBARTBothWays() throws {
        let dir = try CLI.temporaryDirectory("fft")
        try bart(["phantom", "-x", "48", "-s", "4", "-k", "k"], in: dir)
        _ = try ambient(["fft", "--inverse", "k", "ours"], in: dir)
        try bart(["fft", "-u", "-i", "3", "k", "theirs"], in: dir)
        XCTAssertLessThan(Double(try ambient(["nrmse", "theirs", "ours"], in: dir).stdout.trimmingCharacters(in: .whitespacesAndNewlines))!, 1e-6)
        // And BART reads what we write: its forward FFT of our image gives the phantom k-space back.
        try bart(["fft", "-u", "3", "ours", "back"], in: dir)
        _ = try ambient(["nrmse", "--tolerance", "1e-5", "k", "back"], in: dir)
    }

    func testUndersampleSensAndL1WaveletMatchBART() throws {
        let dir = try CLI.temporaryDirectory("l1")
        // 128×128 as in the foundation issue's check (at 64×64 with λ = 0.01 our NRMSE is ~10% above
        // BART's: with two wavelet levels the boundary handling differs most; see docs/recon.md).
        try bart(["phantom", "-x", "128", "-s", "8", "-k", "k"], in: dir)
        try bart(["fft", "-u", "-i", "3", "k", "coils"], in: dir)
        try bart(["rss", "8", "coils", "truth"], in: dir)
        _ = try ambient(["mask", "--type", "poisson", "-R", "4", "--acs", "20", "--size", "128x128", "-s", "1", "mask"], in: dir)
        _ = try ambient(["undersample", "-m", "mask", "k", "ku"], in: dir)
        // Our ESPIRiT agrees with BART's ecalib -m1.
        _ = try ambient(["sens", "ku", "maps"], in: dir)
        try bart(["ecalib", "-m1", "ku", "bart-maps"], in: dir)
        _ = try ambient(["nrmse", "--tolerance", "0.01", "bart-maps", "maps"], in: dir)
        // ℓ1-wavelet with BART's λ convention lands within 5% of pics' NRMSE against the truth.
        _ = try ambient(["recon", "--method", "l1-wavelet", "-r", "0.01", "-i", "100", "ku", "ours"], in: dir)
        try bart(["pics", "-S", "-l1", "-r", "0.01", "-i", "100", "ku", "bart-maps", "theirs"], in: dir)
        try bart(["cabs", "ours", "ours-abs"], in: dir)
        try bart(["cabs", "theirs", "theirs-abs"], in: dir)
        let ours = Double(try ambient(["nrmse", "--scale", "truth", "ours-abs"], in: dir).stdout.trimmingCharacters(in: .whitespacesAndNewlines))!
        let theirs = Double(try ambient(["nrmse", "--scale", "truth", "theirs-abs"], in: dir).stdout.trimmingCharacters(in: .whitespacesAndNewlines))!
        XCTAssertLessThanOrEqual(ours, theirs * 1.05, "ours \(ours) vs BART \(theirs)")
    }
}
