import AmbientCore
import AmbientIO
@testable import AmbientEval
import Foundation
import XCTest

final class MemorizationTests: XCTestCase {
    private let training = structuredImages(count: 40, height: 16, width: 16, seed: 21)

    /// Shifts an image by one pixel to the right (circularly).
    private func shifted(_ image: RealArray) -> RealArray {
        let w = image.shape[1]
        return RealArray(shape: image.shape) { i in image[flat: i - i % w + (i % w + w - 1) % w] }
    }

    func testCopiesAreFoundAndRankedBySimilarity() throws {
        let exact = training.slice(5)
        let gainAndOffset = exact.map { 3 * $0 + 0.5 }                   // NCC ignores gain and offset
        let noisy = addingNoise(training.slice(7), sigma: 0.05, seed: 1)
        let shiftedNoisy = addingNoise(shifted(training.slice(9)), sigma: 0.1, seed: 2)
        let unrelated = structuredImages(count: 1, height: 16, width: 16, seed: 999).slice(0)
        let samples = RealArray.stack([exact, gainAndOffset, noisy, shiftedNoisy, unrelated])

        let report = try auditMemorization(samples: samples, training: training)
        XCTAssertEqual(report.matches.map(\.sample), [0, 1, 2, 3, 4])
        XCTAssertEqual(Array(report.matches.map(\.trainingIndex).prefix(3)), [5, 5, 7])
        XCTAssertEqual(report.matches[0].ncc, 1, accuracy: 1e-9)
        XCTAssertEqual(report.matches[0].ssim, 1, accuracy: 1e-9)
        XCTAssertEqual(report.matches[1].ncc, 1, accuracy: 1e-6)
        // More corruption, lower best-match NCC.
        let ncc = report.matches.map(\.ncc)
        XCTAssertGreaterThan(ncc[2], ncc[3])
        XCTAssertGreaterThan(ncc[3], ncc[4])
        XCTAssertEqual(report.topMatches(2).map(\.sample), [0, 1])
        XCTAssertEqual(report.maxNCC, ncc.max()!)
        XCTAssertEqual(report.meanNCC, ncc.reduce(0, +) / 5, accuracy: 1e-12)
        XCTAssertEqual(report.fractionAboveThreshold, Double(ncc.filter { $0 > 0.95 }.count) / 5)
        XCTAssertEqual(report.nccHistogram(bins: 10, range: report.nccRange).reduce(0, +), 5)
    }

    /// The BLAS search agrees with a brute-force double-precision argmax, whatever the block size.
    func testSearchMatchesBruteForce() throws {
        let samples = structuredImages(count: 9, height: 16, width: 16, seed: 77)
        let a = NearestNeighbourSearch.normalizedRows(samples), b = NearestNeighbourSearch.normalizedRows(training)
        let blocked = NearestNeighbourSearch.bestMatches(a, b, rows: 9, candidates: 40, length: 256, maxBlockElements: 20)
        let whole = NearestNeighbourSearch.bestMatches(a, b, rows: 9, candidates: 40, length: 256)
        XCTAssertEqual(blocked, whole)
        for i in 0..<9 {
            let scores = (0..<40).map { NearestNeighbourSearch.exactNCC(samples.slice(i), training.slice($0)) }
            XCTAssertEqual(scores[whole[i]], scores.max()!, accuracy: 1e-6)
        }
    }

    func testConstantImageScoresZeroAndBadInputThrows() throws {
        let report = try auditMemorization(samples: RealArray(shape: [16, 16], repeating: 2), training: training)
        XCTAssertEqual(report.matches[0].ncc, 0)
        XCTAssertThrowsError(try auditMemorization(samples: RealArray(zeros: [2, 8, 8]), training: training)) {
            XCTAssertEqual(($0 as? AmbientError)?.kind, .badShape)
        }
        var bad = training
        bad[flat: 3] = .infinity
        XCTAssertThrowsError(try auditMemorization(samples: training.slice(0), training: bad)) {
            XCTAssertEqual(($0 as? AmbientError)?.kind, .badValue)
        }
    }

    func testMatrixMultiply() {
        // [[1,2,3],[4,5,6]] · [[1,0],[0,1],[1,1]] = [[4,5],[10,11]]
        let a: [Float] = [1, 2, 3, 4, 5, 6], b: [Float] = [1, 0, 0, 1, 1, 1]
        XCTAssertEqual(matrixMultiply(a, b, m: 2, n: 2, k: 3), [4, 5, 10, 11])
        let bt: [Float] = [1, 0, 1, 0, 1, 1]   // the same B stored transposed (n × k)
        XCTAssertEqual(matrixMultiply(a, bt, m: 2, n: 2, k: 3, transposeB: true), [4, 5, 10, 11])
    }

    func testFiguresAreWritten() throws {
        let out = try makeTemporaryDirectory(self)
        let samples = RealArray.stack([training.slice(3), addingNoise(training.slice(4), sigma: 0.1, seed: 5)])
        let report = try auditMemorization(samples: samples, training: training)
        try report.writeHistogram(to: out + "/ncc.png")
        try report.writeTopMatches(samples: samples, training: training, count: 2, to: out + "/top.png")
        try report.writeJSON(to: out + "/memorization.json")
        let histogram = try PNG.read(out + "/ncc.png")
        XCTAssertEqual(histogram.shape, [400, 640])
        let top = try PNG.read(out + "/top.png")
        XCTAssertGreaterThanOrEqual(top.shape[0], 96)   // 16-pixel images enlarged ×6
        XCTAssertThrowsError(try report.writeTopMatches(samples: samples, training: training.slice(0).reshaped([1, 16, 16]), to: out + "/x.png"))
    }
}

final class ComparisonFigureTests: XCTestCase {
    func testComparisonFigure() throws {
        let out = try makeTemporaryDirectory(self)
        let images = structuredImages(count: 3, height: 24, width: 24, seed: 8)
        let truth = images.slice(0)
        let recons = [("zero-filled", addingNoise(truth, sigma: 0.1, seed: 1)), ("ambient", addingNoise(truth, sigma: 0.02, seed: 2))]
        try comparisonFigure(truth: truth, reconstructions: recons, uncertainty: images.slice(1), to: out + "/with.png")
        try comparisonFigure(truth: truth, reconstructions: recons, uncertainty: nil, to: out + "/without.png")
        let with = try PNG.read(out + "/with.png"), without = try PNG.read(out + "/without.png")
        XCTAssertEqual(with.shape, without.shape)
        XCTAssertNotEqual(with, without)
        XCTAssertThrowsError(try comparisonFigure(truth: truth, reconstructions: [("x", RealArray(zeros: [8, 8]))],
                                                  uncertainty: nil, to: out + "/bad.png")) {
            XCTAssertEqual(($0 as? AmbientError)?.kind, .badShape)
        }
        XCTAssertThrowsError(try comparisonFigure(truth: truth, reconstructions: [], uncertainty: nil, to: out + "/bad.png"))
    }
}
