import AmbientCore
import AmbientTestSupport
import Foundation
import XCTest

final class MaskTests: XCTestCase {
    func testRandomCartesianHasCentredACSAndExpectedAcceleration() throws {
        var rng = SeededGenerator(seed: 1)
        var sampled = 0.0
        let trials = 200, width = 368
        for _ in 0..<trials {
            let mask = try SamplingMasks.cartesianRandom(width: width, acceleration: 4, centerFraction: 0.08, using: &rng)
            // fastMRI: round(368 · 0.08) = 29 ACS columns starting at (368 − 29 + 1) / 2 = 170.
            XCTAssertEqual(mask.acsColumns, 170..<199)
            for x in mask.acsColumns { XCTAssertEqual(mask.columns[x], 1) }
            sampled += mask.columns.sum
        }
        let acceleration = Double(width) / (sampled / Double(trials))
        XCTAssertEqual(acceleration, 4, accuracy: 0.1, "mean acceleration over \(trials) masks")
    }

    func testCartesianDescriptionRecoversTheAccelerationAndACS() throws {
        var rng = SeededGenerator(seed: 3)
        let masks = try (0..<200).map { _ in
            try MaskSpec.cartesianRandom(acceleration: 4, acsLines: 6).make(height: 8, width: 96, using: &rng)
        }
        guard case let .cartesianRandom(r, fraction, acs)? = MaskSpec.cartesianDescription(of: masks) else {
            return XCTFail("column masks must be described as random Cartesian lines")
        }
        XCTAssertEqual(r, 4, accuracy: 0.15)
        XCTAssertNil(fraction)
        // Random outer columns may touch the block, so the narrowest block seen is the true ACS width.
        XCTAssertEqual(acs, 6)
        // Not column masks: pixels, or a column only partly sampled.
        let pixels = try MaskSpec.randomPixels(missingProbability: 0.5).make(height: 8, width: 96, using: &rng)
        XCTAssertNil(MaskSpec.cartesianDescription(of: [masks[0], pixels]))
        XCTAssertNil(MaskSpec.cartesianDescription(of: []))
        XCTAssertNil(MaskSpec.cartesianDescription(of: [RealArray(zeros: [8, 96])]))
    }

    func testEquispacedMatchesAcceleration() throws {
        var rng = SeededGenerator(seed: 2)
        let mask = try SamplingMasks.cartesianEquispaced(width: 320, acceleration: 8, acsLines: 12, using: &rng)
        XCTAssertEqual(Double(320) / mask.columns.sum, 8, accuracy: 0.5)
        // Outside the ACS block, the sampled columns are (nearly) evenly spaced.
        let outer = (0..<320).filter { mask.columns[$0] == 1 && !mask.acsColumns.contains($0) }
        let gaps = zip(outer.dropFirst(), outer).map { $0 - $1 }.filter { $0 < 20 }
        XCTAssertLessThanOrEqual((gaps.max() ?? 0) - (gaps.min() ?? 0), 1)
    }

    func testExpandedMaskRepeatsColumnsAndIsSeeded() throws {
        var a = SeededGenerator(seed: 9), b = SeededGenerator(seed: 9)
        let m1 = try SamplingMasks.cartesianRandom(width: 64, acceleration: 4, acsLines: 8, using: &a)
        let m2 = try SamplingMasks.cartesianRandom(width: 64, acceleration: 4, acsLines: 8, using: &b)
        XCTAssertEqual(m1, m2)
        let full = m1.expanded(height: 5)
        XCTAssertEqual(full.shape, [5, 64])
        for y in 0..<5 { for x in 0..<64 { XCTAssertEqual(full[y, x], m1.columns[x]) } }
    }

    func testPoissonReachesAccelerationWithCalibrationSquare() throws {
        var rng = SeededGenerator(seed: 4)
        let mask = try PoissonDisc.mask(height: 96, width: 96, acceleration: 5, calibration: 16, using: &rng)
        XCTAssertEqual(SamplingMasks.acceleration(of: mask), 5, accuracy: 5 * 0.02)
        let region = try XCTUnwrap(CalibrationRegion.detect(in: mask))
        XCTAssertGreaterThanOrEqual(region.rows.count, 16)
        XCTAssertGreaterThanOrEqual(region.columns.count, 16)
        // Variable density: the centre quarter is sampled more densely than the rest.
        var inner = 0.0, innerCount = 0.0, outer = 0.0, outerCount = 0.0
        for y in 0..<96 {
            for x in 0..<96 {
                let r = hypot(Double(y - 48), Double(x - 48))
                if r < 24 { inner += Double(mask[y, x]); innerCount += 1 } else if r < 48 { outer += Double(mask[y, x]); outerCount += 1 }
            }
        }
        XCTAssertGreaterThan(inner / innerCount, 2 * outer / outerCount)
    }

    func testRandomPixelsAndBoxes() throws {
        var rng = SeededGenerator(seed: 5)
        let pixels = try SamplingMasks.randomPixels(height: 100, width: 100, missingProbability: 0.3, using: &rng)
        XCTAssertEqual(pixels.sum / 10_000, 0.7, accuracy: 0.02)
        let boxes = try SamplingMasks.boxes(height: 64, width: 64, count: 1, boxHeight: 10, boxWidth: 20, using: &rng)
        XCTAssertEqual(boxes.sum, Double(64 * 64 - 200))
        XCTAssertThrowsError(try SamplingMasks.boxes(height: 8, width: 8, count: 1, boxHeight: 9, boxWidth: 2, using: &rng))
    }

    func testBadArgumentsThrow() {
        var rng = SeededGenerator(seed: 6)
        XCTAssertThrowsError(try SamplingMasks.cartesianRandom(width: 64, acceleration: 0.5, centerFraction: 0.1, using: &rng))
        XCTAssertThrowsError(try SamplingMasks.cartesianRandom(width: 64, acceleration: 4, using: &rng))
        XCTAssertThrowsError(try SamplingMasks.cartesianRandom(width: 64, acceleration: 4, centerFraction: 0.1, acsLines: 4, using: &rng))
        XCTAssertThrowsError(try SamplingMasks.randomPixels(height: 4, width: 4, missingProbability: 1.5, using: &rng))
    }

    func testMaskSpecRoundTripsThroughJSON() throws {
        let specs: [MaskSpec] = [
            .cartesianRandom(acceleration: 4, centerFraction: 0.08), .cartesianEquispaced(acceleration: 8, acsLines: 16),
            .poisson(acceleration: 4, calibration: 12), .randomPixels(missingProbability: 0.2),
            .boxes(count: 2, height: 8, width: 8), .full,
        ]
        for spec in specs {
            let decoded = try JSONDecoder().decode(MaskSpec.self, from: JSONEncoder().encode(spec))
            XCTAssertEqual(decoded, spec)
            var a = SeededGenerator(seed: 11), b = SeededGenerator(seed: 11)
            let m = try spec.make(height: 48, width: 48, using: &a)
            XCTAssertEqual(m.shape, [48, 48])
            XCTAssertEqual(m, try decoded.make(height: 48, width: 48, using: &b), "\(spec) is not reproducible")
            XCTAssertTrue(m.elements.allSatisfy { $0 == 0 || $0 == 1 })
        }
        let named = try JSONDecoder().decode(MaskSpec.self, from: Data(#"{"cartesianRandom": {"acceleration": 4, "centerFraction": 0.08}}"#.utf8))
        XCTAssertEqual(named, .cartesianRandom(acceleration: 4, centerFraction: 0.08))
    }

    // MARK: further corruption

    func testFurtherCorruptionIsASubsetAndKeepsACS() throws {
        var rng = SeededGenerator(seed: 7)
        let base = try SamplingMasks.cartesianRandom(width: 128, acceleration: 3, acsLines: 14, using: &rng)
        let mask = base.expanded(height: 64)
        let region = try XCTUnwrap(CalibrationRegion.detect(in: mask))
        // The detected block is the contiguous run of sampled columns around the centre: the
        // ACS block, plus any random columns that happen to touch it.
        XCTAssertTrue(region.columns.lowerBound <= base.acsColumns.lowerBound && region.columns.upperBound >= base.acsColumns.upperBound)
        for x in region.columns { XCTAssertEqual(base.columns[x], 1) }
        XCTAssertEqual(region.rows, 0..<64)
        for corruption: FurtherCorruption in [.pixels(probability: 0.5), .lines(count: 5), .lineFraction(fraction: 0.5), .lineFraction(fraction: 1)] {
            let further = try Corruptions.furtherCorrupt(mask, by: corruption, using: &rng)
            for i in 0..<mask.count { XCTAssertLessThanOrEqual(further[flat: i], mask[flat: i], "\(corruption) added a sample") }
            for y in 0..<64 { for x in base.acsColumns { XCTAssertEqual(further[y, x], 1, "\(corruption) removed ACS") } }
            XCTAssertLessThan(further.sum, mask.sum, "\(corruption) removed nothing")
        }
        let outerLines = try Corruptions.sampledColumns(of: mask).count - base.acsColumns.count
        let fewer = try Corruptions.furtherCorrupt(mask, by: .lines(count: 5), using: &rng)
        XCTAssertEqual(try Corruptions.sampledColumns(of: fewer).count, outerLines + base.acsColumns.count - 5)
        XCTAssertThrowsError(try Corruptions.furtherCorrupt(mask, by: .lines(count: outerLines + 1), using: &rng))
        // Line removal on a non-line mask is refused.
        let poisson = try PoissonDisc.mask(height: 48, width: 48, acceleration: 3, calibration: 8, using: &rng)
        XCTAssertThrowsError(try Corruptions.furtherCorrupt(poisson, by: .lines(count: 1), using: &rng))
        let thinned = try Corruptions.furtherCorrupt(poisson, by: .pixels(probability: 0.3), using: &rng)
        for y in 20..<28 { for x in 20..<28 { XCTAssertEqual(thinned[y, x], 1, "calibration square kept") } }
    }

    func testCalibrationRegionDetectsOddACS() throws {
        var rng = SeededGenerator(seed: 8)
        let base = try SamplingMasks.cartesianRandom(width: 100, acceleration: 100, acsLines: 9, using: &rng)
        XCTAssertEqual(CalibrationRegion.detect(in: base.expanded(height: 10))?.columns, base.acsColumns)
        XCTAssertNil(CalibrationRegion.detect(in: RealArray(zeros: [8, 8])))
    }
}
