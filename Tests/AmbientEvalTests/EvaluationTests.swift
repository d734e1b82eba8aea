import AmbientCore
import AmbientIO
@testable import AmbientEval
import Foundation
import XCTest

final class EvaluationTests: XCTestCase {
    /// Targets a (good), b (no prediction), c (corrupt prediction), d (wrong slice count), e (NaN);
    /// a stray prediction z has no target.
    private func makeFolders() throws -> (targets: String, predictions: String, volumeA: RealArray) {
        let root = try makeTemporaryDirectory(self)
        let targets = root + "/targets", predictions = root + "/predictions"
        for d in [targets, predictions] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        let volume = structuredImages(count: 2, height: 16, width: 16, seed: 11)
        for name in ["a", "b", "c", "d", "e"] {
            let writer = try FastMRIWriter(path: "\(targets)/\(name).h5")
            try writer.writeReconstruction(volume, name: "reconstruction_rss")
            try writer.commit()
        }
        try FastMRIWriter.writeReconstruction(addingNoise(volume, sigma: 0.05, seed: 2), to: "\(predictions)/a.h5")
        try Data("not an HDF5 file".utf8).write(to: URL(fileURLWithPath: "\(predictions)/c.h5"))
        try FastMRIWriter.writeReconstruction(structuredImages(count: 3, height: 16, width: 16, seed: 1), to: "\(predictions)/d.h5")
        var bad = volume
        bad[flat: 5] = .nan
        try FastMRIWriter.writeReconstruction(bad, to: "\(predictions)/e.h5")
        try FastMRIWriter.writeReconstruction(volume, to: "\(predictions)/z.h5")
        return (targets, predictions, volume)
    }

    func testFailuresAreListedAndTheRestEvaluated() throws {
        let (targets, predictions, volume) = try makeFolders()
        let report = try evaluate(targetDirectory: targets, predictionsDirectory: predictions)
        XCTAssertEqual(report.volumes.map(\.file), ["a.h5"])
        XCTAssertEqual(report.errors.map(\.file), ["b.h5", "c.h5", "d.h5", "e.h5"])
        XCTAssertTrue(report.errors[0].message.contains("no prediction"), report.errors[0].message)
        XCTAssertTrue(report.errors[2].message.contains("slices"), report.errors[2].message)
        XCTAssertTrue(report.errors[3].message.contains("NaN"), report.errors[3].message)
        XCTAssertEqual(report.unmatchedPredictions, ["z.h5"])

        let expected = try Metrics.volume(target: volume, prediction: addingNoise(volume, sigma: 0.05, seed: 2))
        let a = report.volumes[0]
        XCTAssertEqual(a.slices, 2)
        XCTAssertEqual(a.nmse, expected.nmse, accuracy: 1e-12)
        XCTAssertEqual(a.psnr, expected.psnr, accuracy: 1e-9)
        XCTAssertEqual(a.ssim, expected.ssim, accuracy: 1e-12)
        XCTAssertEqual(report.ssim?.mean, a.ssim)
        XCTAssertEqual(report.ssim?.standardDeviation, 0)
    }

    /// Both volumes are centre-cropped to W × W (W the target's width) as fastMRI does: a prediction
    /// whose centre equals the target's centre is perfect.
    func testCentreCropsLikeFastMRI() throws {
        let root = try makeTemporaryDirectory(self)
        let targets = root + "/t", predictions = root + "/p"
        for d in [targets, predictions] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        let target = structuredImages(count: 2, height: 40, width: 32, seed: 5)       // crop rows 4..<36
        var prediction = structuredImages(count: 2, height: 48, width: 40, seed: 6)   // crop rows 8..<40, columns 4..<36
        for s in 0..<2 { for y in 0..<32 { for x in 0..<32 { prediction[s, 8 + y, 4 + x] = target[s, 4 + y, x] } } }
        let writer = try FastMRIWriter(path: targets + "/v.h5")
        try writer.writeReconstruction(target, name: "reconstruction_esc")
        try writer.commit()
        try FastMRIWriter.writeReconstruction(prediction, to: predictions + "/v.h5")

        let report = try evaluate(targetDirectory: targets, predictionsDirectory: predictions)
        XCTAssertEqual(report.errors, [])
        XCTAssertEqual(report.volumes.first?.shape, [32, 32])
        XCTAssertEqual(report.volumes.first?.nmse, 0)
        XCTAssertEqual(report.volumes.first?.psnr, .infinity)

        XCTAssertEqual(VolumeEvaluator.cropSize(target: [3, 20, 32]), [20, 32])   // wider than tall: as is
        XCTAssertThrowsError(try VolumeEvaluator.centerCrop(RealArray(zeros: [1, 8, 8]), to: [10, 10], subject: "p"))
    }

    func testWritersAndComparison() throws {
        let (targets, predictions, _) = try makeFolders()
        let second = (predictions as NSString).deletingLastPathComponent + "/second"
        try FileManager.default.createDirectory(atPath: second, withIntermediateDirectories: true)
        let volume = structuredImages(count: 2, height: 16, width: 16, seed: 11)
        for name in ["a", "b"] {
            try FastMRIWriter.writeReconstruction(addingNoise(volume, sigma: 0.01, seed: 3), to: "\(second)/\(name).h5")
        }
        let comparison = try evaluate(targetDirectory: targets,
                                      predictions: [(method: "noisy", directory: predictions), (method: "better", directory: second)])
        XCTAssertEqual(comparison.methods.map(\.method), ["noisy", "better"])
        XCTAssertEqual(comparison.methods[1].volumes.map(\.file), ["a.h5", "b.h5"])
        XCTAssertGreaterThan(try XCTUnwrap(comparison.methods[1].psnr?.mean), try XCTUnwrap(comparison.methods[0].psnr?.mean))
        let table = comparison.table()
        XCTAssertTrue(table.contains("noisy") && table.contains("better") && table.contains("+/-"), table)

        let out = try makeTemporaryDirectory(self)
        let report = comparison.methods[0]
        try report.writeJSON(to: out + "/report.json")
        try report.writeCSV(to: out + "/report.csv")
        try comparison.writeJSON(to: out + "/comparison.json")
        try comparison.writeCSV(to: out + "/comparison.csv")
        let decoded = try JSONDecoder.snakeCase.decode(EvaluationReport.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/report.json")))
        XCTAssertEqual(decoded.volumes, report.volumes)
        XCTAssertEqual(decoded.errors, report.errors)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/report.json"))) as? [String: Any])
        XCTAssertNotNil((json["summary"] as? [String: Any])?["ssim"])
        let csv = try String(contentsOfFile: out + "/report.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 1 + 1 + 4)   // header, a, four failures
        XCTAssertEqual(csv[0], "file,slices,nmse,psnr,ssim,mse,error")
        let comparisonCSV = try String(contentsOfFile: out + "/comparison.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(comparisonCSV.count, 3)
        XCTAssertTrue(report.table().contains("error: c.h5"))
    }

    func testMissingDirectoryThrows() {
        XCTAssertThrowsError(try evaluate(targetDirectory: "/nonexistent/targets", predictionsDirectory: "/tmp")) {
            XCTAssertEqual(($0 as? AmbientError)?.kind, .fileNotFound)
        }
    }

    func testInfinityIsWrittenToJSON() throws {
        let row = VolumeEvaluation(file: "x.h5", slices: 1, shape: [8, 8], nmse: 0, psnr: .infinity, ssim: 1, mse: 0)
        let report = EvaluationReport(method: "", targetDirectory: "t", predictionsDirectory: "p",
                                      volumes: [row], errors: [], unmatchedPredictions: [])
        let text = String(decoding: try reportJSON(report), as: UTF8.self)
        XCTAssertTrue(text.contains("\"Infinity\""), text)
        XCTAssertTrue(report.table().contains("inf"))
    }
}

extension JSONDecoder {
    static var snakeCase: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return decoder
    }
}
