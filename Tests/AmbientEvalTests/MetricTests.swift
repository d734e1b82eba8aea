import AmbientCore
import AmbientIO
@testable import AmbientEval
import Foundation
import XCTest

final class MetricTests: XCTestCase {
    /// Parity with fastMRI's evaluate.py (scikit-image 0.26) on the committed fixture volumes.
    func testMatchesFastMRIAndScikitImage() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixtureDirectory + "/metrics.json"))
        let record = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let volumes = try XCTUnwrap(record["volumes"] as? [[String: Any]])
        XCTAssertEqual(volumes.count, 3)
        var ours: [VolumeMetrics] = []
        for volume in volumes {
            let file = try XCTUnwrap(volume["file"] as? String)
            let pair = try NPY.read(fixtureDirectory + "/" + file).magnitude   // [2, slices, H, W]
            let target = pair.slice(0), prediction = pair.slice(1)
            let metrics = try Metrics.volume(target: target, prediction: prediction)
            ours.append(metrics)
            let exact = try XCTUnwrap(volume["float64"] as? [String: Any])
            for (name, value) in [("nmse", metrics.nmse), ("psnr", metrics.psnr), ("ssim", metrics.ssim), ("mse", metrics.mse)] {
                let reference = try XCTUnwrap(exact[name] as? Double)
                assertRelativelyClose(value, reference, 1e-9, "\(file) \(name) vs skimage float64")
                // fastMRI on float32 files lets skimage compute in float32: same to float32 rounding.
                let float32 = try XCTUnwrap((volume["float32"] as? [String: Any])?[name] as? Double)
                assertRelativelyClose(value, float32, 1e-5, "\(file) \(name) vs skimage float32")
            }
            // Per-slice SSIM with the VOLUME maximum as data range.
            let perSlice = try XCTUnwrap(exact["ssim_per_slice"] as? [Double])
            let range = Double(target.maximum)
            for (s, reference) in perSlice.enumerated() {
                assertRelativelyClose(try Metrics.ssim(target.slice(s), prediction.slice(s), dataRange: range), reference, 1e-9,
                                      "\(file) slice \(s)")
            }
        }
        let aggregate = try XCTUnwrap(record["aggregate_float64"] as? [String: [String: Double]])
        for (name, values) in [("nmse", ours.map(\.nmse)), ("psnr", ours.map(\.psnr)), ("ssim", ours.map(\.ssim))] {
            let summary = MetricSummary(values)
            assertRelativelyClose(summary.mean, try XCTUnwrap(aggregate[name]?["mean"]), 1e-9, "\(name) mean")
            assertRelativelyClose(summary.standardDeviation, try XCTUnwrap(aggregate[name]?["std"]), 1e-7, "\(name) std")
        }
    }

    func testIdenticalImagesArePerfect() throws {
        let volume = structuredImages(count: 2, height: 20, width: 24, seed: 3)
        let metrics = try Metrics.volume(target: volume, prediction: volume)
        XCTAssertEqual(metrics.nmse, 0)
        XCTAssertEqual(metrics.mse, 0)
        XCTAssertEqual(metrics.psnr, .infinity)
        XCTAssertEqual(metrics.ssim, 1, accuracy: 1e-12)
    }

    func testMetricsWorsenWithNoise() throws {
        let volume = structuredImages(count: 2, height: 24, width: 24, seed: 4)
        let mild = try Metrics.volume(target: volume, prediction: addingNoise(volume, sigma: 0.01, seed: 1))
        let strong = try Metrics.volume(target: volume, prediction: addingNoise(volume, sigma: 0.1, seed: 1))
        XCTAssertLessThan(mild.nmse, strong.nmse)
        XCTAssertGreaterThan(mild.psnr, strong.psnr)
        XCTAssertGreaterThan(mild.ssim, strong.ssim)
        // Noise 10× stronger: MSE 100× (same noise pattern scaled), PSNR 20 dB lower.
        XCTAssertEqual(strong.mse / mild.mse, 100, accuracy: 1e-3)
        XCTAssertEqual(mild.psnr - strong.psnr, 20, accuracy: 1e-4)
    }

    func testPSNRAndNMSEFormulas() throws {
        let target = RealArray(shape: [1, 2, 2], elements: [1, 2, 3, 4])
        let prediction = RealArray(shape: [1, 2, 2], elements: [1, 2, 3, 2])
        XCTAssertEqual(try Metrics.mse(target, prediction), 1)                       // 4 / 4
        XCTAssertEqual(try Metrics.nmse(target, prediction), 4.0 / 30.0, accuracy: 1e-15)
        XCTAssertEqual(try Metrics.psnr(target, prediction), 10 * log10(16.0), accuracy: 1e-12)
        XCTAssertEqual(try Metrics.psnr(target, prediction, dataRange: 1), 0, accuracy: 1e-12)
    }

    func testBadShapesThrow() {
        let a = RealArray(zeros: [1, 8, 8]), b = RealArray(zeros: [1, 8, 9])
        XCTAssertThrowsError(try Metrics.nmse(a, b)) { XCTAssertEqual(($0 as? AmbientError)?.kind, .badShape) }
        XCTAssertThrowsError(try Metrics.ssim(RealArray(zeros: [6, 6]), RealArray(zeros: [6, 6]), dataRange: 1)) {
            XCTAssertEqual(($0 as? AmbientError)?.kind, .badShape)
        }
        XCTAssertThrowsError(try Metrics.volume(target: RealArray(zeros: [8, 8]), prediction: RealArray(zeros: [8, 8])))
    }

    func testSummaryUsesSampleStandardDeviation() {
        let summary = MetricSummary([1, 2, 3, 4])
        XCTAssertEqual(summary.mean, 2.5)
        XCTAssertEqual(summary.standardDeviation, (5.0 / 3.0).squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(summary.twoSigma, 2 * (5.0 / 3.0).squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(MetricSummary([7]).standardDeviation, 0)
    }
}
