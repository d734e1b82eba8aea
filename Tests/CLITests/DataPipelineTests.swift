import AmbientIO
import AmbientCore
import Foundation
import XCTest

/// simulate → info → recon → evaluate, on a small generated volume; and the learned-prior commands
/// end to end with a tiny network (pretrain → finetune → recon ambient-dps / ambient-os → sample).
final class DataPipelineTests: XCTestCase {
    func ambient(_ args: [String], in dir: URL, file: StaticString = #filePath, line: UInt = #line) throws -> CLIResult {
        let r = try CLI.run(args, in: dir)
        XCTAssertEqual(r.status, 0, "ambient \(args.joined(separator: " ")): \(r.stderr)", file: file, line: line)
        return r
    }

    /// A smooth 6-slice 48×48 phantom volume as .npy.
    func writeVolume(_ dir: URL) throws -> String {
        let volume = RealArray(shape: [6, 48, 48]) { i in
            let s = i / 2304, y = (i / 48) % 48, x = i % 48
            let dy = Float(y - 24) / 18, dx = Float(x - 24) / 14
            return dx * dx + dy * dy < 1 ? 0.5 + 0.5 * Float((s + x / 6 + y / 8) % 3) / 2 : 0
        }
        let path = dir.appendingPathComponent("phantom.npy").path
        try NPY.write(volume, to: path)
        return path
    }

    func psnr(_ table: String, method: String) -> Double? {
        guard let line = table.split(separator: "\n").first(where: { $0.hasPrefix(method + " ") }) else { return nil }
        let fields = line.split(separator: " ").map(String.init)
        // method volumes failed NMSE +/- x PSNR +/- y SSIM +/- z
        return fields.count > 6 ? Double(fields[6]) : nil
    }

    func testSimulateReconEvaluate() throws {
        let dir = try CLI.temporaryDirectory("pipeline")
        let volume = try writeVolume(dir)
        let sim = try ambient(["simulate", "-q", "--matrix", "32x32", "--coils", "4", "--type", "cartesian-random", "-R", "3",
                               "--acs", "8", "--snr", "none", "-o", "sim", volume], in: dir)
        XCTAssertTrue(sim.stderr.isEmpty || !sim.stderr.contains("error"), sim.stderr)
        let info = try ambient(["info", "sim/kspace/phantom.h5"], in: dir).stdout
        XCTAssertTrue(info.contains("multi-coil, 6 slices, 4 coils, k-space plane [32, 32]"), info)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("sim/protocol.json").path))
        // Same seed, same file name: the same data (masks seeded by file + slice).
        _ = try ambient(["simulate", "-q", "--matrix", "32x32", "--coils", "4", "--type", "cartesian-random", "-R", "3",
                         "--acs", "8", "--snr", "none", "-o", "sim2", volume], in: dir)
        let a: ComplexArray = try HDF5File(path: dir.appendingPathComponent("sim/kspace/phantom.h5").path).root.dataset("kspace").read()
        let b: ComplexArray = try HDF5File(path: dir.appendingPathComponent("sim2/kspace/phantom.h5").path).root.dataset("kspace").read()
        XCTAssertEqual(a, b)

        _ = try ambient(["recon", "-q", "--method", "zero-filled", "-o", "zf", "sim/kspace"], in: dir)
        _ = try ambient(["recon", "-q", "--method", "sense", "-i", "30", "-o", "sense", "sim/kspace"], in: dir)
        let table = try ambient(["evaluate", "--target", "sim/target", "--predictions", "zero-filled=zf,sense=sense",
                                 "-o", "metrics", "--figure", "figure.png"], in: dir).stdout
        let zf = try XCTUnwrap(psnr(table, method: "zero-filled")), sense = try XCTUnwrap(psnr(table, method: "sense"))
        XCTAssertGreaterThan(sense, zf + 3, "CG-SENSE with the true maps beats zero-filling: \(table)")
        for f in ["metrics/metrics.json", "metrics/metrics.csv", "figure.png", "zf/png/phantom_s000.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(f).path), f)
        }
        // A missing prediction is reported, the exit status says so.
        try FileManager.default.removeItem(at: dir.appendingPathComponent("zf/phantom.h5"))
        let r = try CLI.run(["evaluate", "--target", "sim/target", "--predictions", "zf"], in: dir)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("phantom.h5"), r.stderr)
    }

    func testConvertAndBadVolumes() throws {
        let dir = try CLI.temporaryDirectory("convert")
        var rng = SeededGenerator(seed: 3)
        try NPY.write(ComplexArray.gaussianNoise(shape: [4, 16, 12], using: &rng), to: dir.appendingPathComponent("k.npy").path)
        _ = try ambient(["convert", "k.npy", "k.h5"], in: dir)
        XCTAssertTrue(try ambient(["info", "k.h5"], in: dir).stdout.contains("1 slices, 4 coils, k-space plane [16, 12]"))
        // Unreadable inputs: each named, the rest of the batch done, exit status 1.
        try Data("not a nifti".utf8).write(to: dir.appendingPathComponent("bad.nii"))
        let volume = try writeVolume(dir)
        let r = try CLI.run(["simulate", "-q", "--matrix", "16x16", "-o", "out", "bad.nii", volume], in: dir)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("bad.nii"), r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/kspace/phantom.h5").path))
        let info = try CLI.run(["info", "bad.nii", "k.h5"], in: dir)
        XCTAssertEqual(info.status, 1)
        XCTAssertTrue(info.stdout.contains("k.h5: fastMRI"), info.stdout)
    }

    func testLearnedPriorCommandsEndToEnd() throws {
        let dir = try CLI.temporaryDirectory("ml")
        let volume = try writeVolume(dir)
        let unet = """
        {"sample_size": 16, "in_channels": 2, "out_channels": 2, "block_out_channels": [8, 16],
         "down_block_types": ["DownBlock2D", "AttnDownBlock2D"], "up_block_types": ["AttnUpBlock2D", "UpBlock2D"],
         "layers_per_block": 1, "norm_num_groups": 4, "attention_head_dim": 4}
        """
        try Data(unet.utf8).write(to: dir.appendingPathComponent("unet.json"))
        _ = try ambient(["simulate", "-q", "--matrix", "16x16", "--coils", "2", "--type", "cartesian-random", "-R", "2",
                         "--acs", "6", "-o", "sim", volume], in: dir)
        _ = try ambient(["pretrain", "-q", "-t", "1", "--unet", "unet.json", "--steps", "2", "-b", "2", "-o", "base", "sim/target"], in: dir)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("base/model/config.json").path))
        _ = try ambient(["finetune", "-q", "-t", "1", "--base", "base", "--steps", "2", "-b", "2", "-o", "tuned", "sim/kspace"], in: dir)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("tuned/checkpoints/step-000000002/optimizer.safetensors").path))
        // The clean oracle reads the truth from the target folder (files of the same names).
        _ = try ambient(["finetune", "-q", "-t", "1", "--base", "base", "--objective", "oracle", "--targets", "sim/target",
                         "--steps", "1", "-b", "2", "-o", "oracle", "sim/kspace"], in: dir)
        let noTargets = try CLI.run(["finetune", "-q", "--base", "base", "--objective", "oracle", "--steps", "1", "-o", "x", "sim/kspace"], in: dir)
        XCTAssertNotEqual(noTargets.status, 0)
        XCTAssertTrue(noTargets.stderr.contains("--targets"), noTargets.stderr)
        // Resuming a finished run with more steps continues from its checkpoint.
        let resumed = try ambient(["finetune", "-q", "-t", "1", "--base", "base", "--steps", "3", "--resume", "-o", "tuned", "sim/kspace"], in: dir)
        XCTAssertTrue(resumed.stderr.contains("resuming from"), resumed.stderr)
        // Resuming at the steps already done trains nothing; asking for fewer is refused, not ignored.
        let rerun = try ambient(["finetune", "-q", "-t", "1", "--base", "base", "--steps", "3", "--resume", "-o", "tuned", "sim/kspace"], in: dir)
        XCTAssertTrue(rerun.stderr.contains("nothing to train"), rerun.stderr)
        let fewer = try CLI.run(["finetune", "-q", "-t", "1", "--base", "base", "--steps", "2", "--resume", "-o", "tuned", "sim/kspace"], in: dir)
        XCTAssertNotEqual(fewer.status, 0)
        XCTAssertTrue(fewer.stderr.contains("already at step 3"), fewer.stderr)
        _ = try ambient(["recon", "-q", "-t", "1", "--method", "ambient-dps", "--model", "tuned", "-i", "3", "--samples", "2",
                         "-o", "dps", "sim/kspace"], in: dir)
        let h5 = try HDF5File(path: dir.appendingPathComponent("dps/phantom.h5").path).root
        XCTAssertTrue(h5.contains("reconstruction") && h5.contains("uncertainty"))
        // Samples are seeded by file name and slice: the same scan in another folder reconstructs identically.
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("moved"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: dir.appendingPathComponent("sim/kspace/phantom.h5"), to: dir.appendingPathComponent("moved/phantom.h5"))
        _ = try ambient(["recon", "-q", "-t", "1", "--method", "ambient-dps", "--model", "tuned", "-i", "3", "--samples", "2",
                         "-o", "dps-moved", "moved"], in: dir)
        let here: RealArray = try h5.dataset("reconstruction").read()
        let there: RealArray = try HDF5File(path: dir.appendingPathComponent("dps-moved/phantom.h5").path).root.dataset("reconstruction").read()
        XCTAssertEqual(here, there)
        // Two stages: the ambient prior, then the clean base prior below the hand-over σ. Deterministic, and
        // not the one-stage result; an ambient prior cannot be the low-noise one.
        for out in ["dps2", "dps2-again"] {
            _ = try ambient(["recon", "-q", "-t", "1", "--method", "ambient-dps", "--model", "tuned", "-i", "3", "--samples", "2",
                             "--low-noise-model", "base", "--low-noise-steps", "2", "-o", out, "sim/kspace"], in: dir)
        }
        let twoStage: RealArray = try HDF5File(path: dir.appendingPathComponent("dps2/phantom.h5").path).root.dataset("reconstruction").read()
        let twoStageAgain: RealArray = try HDF5File(path: dir.appendingPathComponent("dps2-again/phantom.h5").path).root.dataset("reconstruction").read()
        XCTAssertEqual(twoStage, twoStageAgain)
        XCTAssertEqual(twoStage.shape, here.shape)
        XCTAssertGreaterThan((twoStage - here).norm, 1e-3 * here.norm, "the second stage changed nothing")
        let ambientLow = try CLI.run(["recon", "-q", "-t", "1", "--method", "ambient-dps", "--model", "tuned", "-i", "2",
                                      "--low-noise-model", "tuned", "-o", "bad2", "sim/kspace"], in: dir)
        XCTAssertNotEqual(ambientLow.status, 0)
        XCTAssertTrue(ambientLow.stderr.contains("tuned") && ambientLow.stderr.contains("not an ambient one"), ambientLow.stderr)
        _ = try ambient(["recon", "-q", "-t", "1", "--method", "ambient-os", "--model", "tuned", "-o", "os", "sim/kspace"], in: dir)
        // A plane the U-Net cannot take as is (15×15 with one downsampling) is padded in k-space and
        // cropped back: the reconstruction keeps the input's size.
        _ = try ambient(["simulate", "-q", "--matrix", "15x15", "--coils", "2", "--type", "cartesian-random", "-R", "2",
                         "--acs", "6", "-o", "odd", volume], in: dir)
        _ = try ambient(["recon", "-q", "-t", "1", "--method", "ambient-dps", "--model", "base", "-i", "2", "-o", "odd-dps", "odd/kspace"], in: dir)
        let odd: RealArray = try HDF5File(path: dir.appendingPathComponent("odd-dps/phantom.h5").path).root.dataset("reconstruction").read()
        XCTAssertEqual(odd.shape, [6, 15, 15])
        _ = try ambient(["recon", "-q", "-t", "1", "--method", "ambient-dps", "--model", "tuned", "-i", "2", "--low-noise-model", "base",
                         "--low-noise-steps", "2", "-o", "odd-dps2", "odd/kspace"], in: dir)
        let odd2: RealArray = try HDF5File(path: dir.appendingPathComponent("odd-dps2/phantom.h5").path).root.dataset("reconstruction").read()
        XCTAssertEqual(odd2.shape, [6, 15, 15], "both stages run on the padded grid")
        _ = try ambient(["sample", "-q", "-t", "1", "--model", "base", "--seeds", "0-3", "-i", "3", "-o", "samples"], in: dir)
        let again = try ambient(["sample", "-q", "-t", "1", "--model", "base", "--seeds", "2-3", "-i", "3", "-o", "samples2"], in: dir)
        XCTAssertEqual(again.status, 0)
        let all = try NPY.read(dir.appendingPathComponent("samples/samples.npy").path).complexArray
        let some = try NPY.read(dir.appendingPathComponent("samples2/samples.npy").path).complexArray
        XCTAssertEqual(all.slice(2), some.slice(0), "a seed gives the same image whatever else is sampled")
        let memo = try ambient(["memorization", "--samples", "samples/samples.npy", "--training", "sim/target", "-o", "memo"], in: dir)
        XCTAssertTrue(memo.stdout.contains("4 samples vs 6 training images"), memo.stdout)
        // A learned method without a model is refused with a clear message.
        let r = try CLI.run(["recon", "--method", "ambient-dps", "-o", "x", "sim/kspace"], in: dir)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--model"), r.stderr)
    }
}
