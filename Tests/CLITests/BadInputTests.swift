import Foundation
import XCTest

/// Bad input gives a clear message naming the file and the problem, and a non-zero exit.
final class BadInputTests: XCTestCase {
    func expectFailure(_ args: [String], in dir: URL, mentions: [String],
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try CLI.run(args, in: dir)
        XCTAssertNotEqual(r.status, 0, "ambient \(args) should fail", file: file, line: line)
        for word in mentions {
            XCTAssertTrue(r.stderr.contains(word), "stderr lacks '\(word)': \(r.stderr)", file: file, line: line)
        }
        XCTAssertFalse(r.stderr.contains("Fatal error"), "crashed: \(r.stderr)", file: file, line: line)
    }

    func writeCFL(_ name: String, dims: [Int], values: [Float], in dir: URL) throws {
        let header = "# Dimensions\n" + dims.map(String.init).joined(separator: " ") + "\n"
        try Data(header.utf8).write(to: dir.appendingPathComponent(name + ".hdr"))
        try values.withUnsafeBufferPointer { Data(buffer: $0) }.write(to: dir.appendingPathComponent(name + ".cfl"))
    }

    func testMissingFileUnknownOptionAndCommand() throws {
        let dir = try CLI.temporaryDirectory("bad-args")
        try expectFailure(["fft", "nothere", "out"], in: dir, mentions: ["nothere", "no such file"])
        try expectFailure(["fft", "--bogus", "a", "b"], in: dir, mentions: ["unknown option --bogus"])
        try expectFailure(["fft", "onlyone"], in: dir, mentions: ["expected 2 argument"])
        try expectFailure(["nonsense"], in: dir, mentions: ["unknown command 'nonsense'"])
        try expectFailure(["mask", "--type", "cartesian-random", "m.npy"], in: dir, mentions: ["--acceleration"])
        try expectFailure(["fft", "-t", "two", "a", "b"], in: dir, mentions: ["--threads expects an integer"])
        try expectFailure(["recon", "--method", "zero-filled", "--data-consistency", "exact", "in", "out"], in: dir,
                          mentions: ["--data-consistency must be none, replace or cg", "'exact'"])
        try expectFailure(["recon", "--method", "zero-filled", "--masks-per-sample", "0", "in", "out"], in: dir,
                          mentions: ["--masks-per-sample"])
        try expectFailure(["average", "run", "--steps", "900-300", "-o", "out"], in: dir,
                          mentions: ["--steps", "expected a step range A-B with 0 ≤ A ≤ B", "'900-300'"])
        try expectFailure(["average", "no-such-run", "--steps", "0-100", "-o", "out"], in: dir,
                          mentions: ["no-such-run", "not a training run"])
        try expectFailure(["recon", "--method", "zero-filled", "--mask-combination", "median", "in", "out"], in: dir,
                          mentions: ["--mask-combination must be average or selective", "'median'"])
        try expectFailure(["recon", "--method", "ambient-dps", "--model", "m", "--warm-start", "ambient-os", "in", "out"], in: dir,
                          mentions: ["--warm-start must be zero-filled, sense, l1-wavelet or tv", "'ambient-os'"])
        try expectFailure(["recon", "--method", "l1-wavelet", "--warm-start", "zero-filled", "in", "out"], in: dir,
                          mentions: ["--warm-start applies to --method ambient-dps only"])
        try expectFailure(["recon", "--method", "ambient-dps", "--model", "m", "--warm-start", "l1-wavelet", "--start-sigma", "-1", "in", "out"],
                          in: dir, mentions: ["--start-sigma must be positive"])
        try expectFailure(["recon", "--method", "l1-wavelet", "--low-noise-model", "base", "in", "out"], in: dir,
                          mentions: ["--low-noise-model applies to --method ambient-dps only"])
        try expectFailure(["recon", "--method", "ambient-dps", "--model", "m", "--low-noise-model", "b", "--handover-sigma", "0", "in", "out"],
                          in: dir, mentions: ["--handover-sigma must be positive"])
        try expectFailure(["recon", "--method", "ambient-dps", "--model", "m", "--low-noise-model", "b", "--low-noise-steps", "0", "in", "out"],
                          in: dir, mentions: ["--low-noise-steps must be ≥ 1"])
        try expectFailure(["recon", "--method", "ambient-dps", "--model", "m", "--start-sigma", "0.5", "in", "out"],
                          in: dir, mentions: ["--start-sigma applies with --warm-start only"])
        try expectFailure(["recon", "--method", "ambient-dps", "--model", "m", "--handover-sigma", "0.5", "in", "out"],
                          in: dir, mentions: ["--handover-sigma applies with --low-noise-model only"])
    }

    func testTruncatedNaNAndWrongShapes() throws {
        let dir = try CLI.temporaryDirectory("bad-data")
        // Truncated: the header promises 4×4 complex values, the data has 3.
        try writeCFL("short", dims: [4, 4], values: [1, 2, 3, 4, 5, 6], in: dir)
        try expectFailure(["fft", "short", "out"], in: dir, mentions: ["short.cfl", "truncated"])
        // NaN in k-space.
        var values = [Float](repeating: 1, count: 2 * 8 * 8 * 2)
        values[10] = .nan
        try writeCFL("nan", dims: [8, 8, 1, 2], values: values, in: dir)
        try expectFailure(["undersample", "--type", "full", "nan", "out"], in: dir, mentions: ["nan", "NaN"])
        try expectFailure(["recon", "--method", "zero-filled", "nan", "out"], in: dir, mentions: ["nan", "NaN"])
        // A mask of the wrong size.
        try writeCFL("k", dims: [8, 8, 1, 2], values: [Float](repeating: 1, count: 2 * 8 * 8 * 2), in: dir)
        try writeCFL("mask", dims: [6, 6], values: (0..<72).map { $0 % 2 == 0 ? 1 : 0 }, in: dir)
        try expectFailure(["undersample", "-m", "mask", "k", "out"], in: dir, mentions: ["mask", "does not fit"])
        try expectFailure(["recon", "--method", "sense", "-m", "mask", "k", "out"], in: dir, mentions: ["does not fit"])
        // Wrong rank for a 2-D FFT.
        try writeCFL("line", dims: [8], values: [Float](repeating: 0, count: 16), in: dir)
        try expectFailure(["fft", "line", "out"], in: dir, mentions: ["line", "2 axes"])
        // A garbage header.
        try Data("hello\n".utf8).write(to: dir.appendingPathComponent("junk.hdr"))
        try Data().write(to: dir.appendingPathComponent("junk.cfl"))
        try expectFailure(["fft", "junk", "out"], in: dir, mentions: ["junk.hdr"])
    }

    func testBatchGoesOnAfterABadFile() throws {
        let dir = try CLI.temporaryDirectory("batch")
        let input = dir.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        try writeCFL("in/good", dims: [8, 8, 1, 2], values: (0..<256).map { Float($0 % 7) }, in: dir)
        try Data("not numpy".utf8).write(to: input.appendingPathComponent("bad.npy"))
        try Data("not hdf5".utf8).write(to: input.appendingPathComponent("broken.h5"))
        let r = try CLI.run(["recon", "--method", "zero-filled", "-q", "-o", "out", "in"], in: dir)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("bad.npy"), r.stderr)
        XCTAssertTrue(r.stderr.contains("broken.h5"), r.stderr)
        XCTAssertTrue(r.stderr.contains("1 file(s) done, 2 failed"), r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/good.h5").path))
        // Sharding splits the sorted file list without overlap.
        let a = try CLI.run(["recon", "--method", "zero-filled", "-q", "--shard", "0/3", "-o", "s0", "in"], in: dir)
        let b = try CLI.run(["recon", "--method", "zero-filled", "-q", "--shard", "1/3", "-o", "s1", "in"], in: dir)
        XCTAssertEqual(a.status, 1)  // bad.npy is file 0
        XCTAssertEqual(b.status, 1)  // broken.h5 is file 1
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("s0").path))
        let c = try CLI.run(["recon", "--method", "zero-filled", "-q", "--shard", "2/3", "-o", "s2", "in"], in: dir)
        XCTAssertEqual(c.status, 0, c.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("s2/good.h5").path))
    }

    func testHelpListsEveryCommandAndOptions() throws {
        let dir = try CLI.temporaryDirectory("help")
        let r = try CLI.run(["--help"], in: dir)
        XCTAssertEqual(r.status, 0)
        for command in ["fft", "mask", "undersample", "corrupt", "sens", "rss", "recon", "nrmse"] {
            XCTAssertTrue(r.stdout.contains("  \(command) "), "missing \(command) in help")
            let h = try CLI.run([command, "--help"], in: dir)
            XCTAssertEqual(h.status, 0)
            XCTAssertTrue(h.stdout.hasPrefix("Usage: ambient \(command)"), h.stdout)
        }
    }
}
