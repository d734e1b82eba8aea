import AmbientCore
import AmbientDiffusion
import AmbientTestSupport
import AmbientTorch
import Foundation
import XCTest

/// Post-hoc weight averaging: the checkpoints in a step range, their EMA weights' mean, and clear
/// errors for a range without checkpoints, a folder that is no run and snapshots of different networks.
final class WeightAveragingTests: XCTestCase {
    private static func network(seed: UInt64, channels: [Int] = [8, 16]) throws -> UNet2DModel {
        try UNet2DModel(config: UNet2DConfig(sampleSize: 8, inChannels: 2, outChannels: 2, blockOutChannels: channels,
                                             attention: [false, false], layersPerBlock: 1, normNumGroups: 4), seed: seed)
    }

    /// A run folder whose checkpoints hold `networks` as their EMA weights, at steps 100, 200, …
    private static func run(_ name: String, _ networks: [UNet2DModel]) throws -> URL {
        let run = DiffusionTestData.temporaryDirectory(name)
        for (i, network) in networks.enumerated() {
            let checkpoint = run.appendingPathComponent("checkpoints").appendingPathComponent(Checkpoint.name(step: 100 * (i + 1)))
            try network.save(directory: checkpoint.appendingPathComponent(Checkpoint.emaFolder))
            try TrainingOptions().jsonData().write(to: checkpoint.appendingPathComponent(Checkpoint.optionsFile))
        }
        return run
    }

    func testAverageIsTheMeanOfTheCheckpointsInTheRange() throws {
        let networks = try [1, 2, 3].map { try Self.network(seed: $0) }
        let run = try Self.run("average", networks)
        defer { try? FileManager.default.removeItem(at: run) }
        let chosen = try WeightAveraging.checkpoints(in: run, steps: 100...250)
        XCTAssertEqual(chosen.map(\.step), [100, 200], "step 300 lies outside the range")
        let (mean, _) = try WeightAveraging.average(chosen.map(\.url))
        let first = networks[0].namedParameters(), second = networks[1].namedParameters()
        for (i, averaged) in mean.namedParameters().enumerated() {
            let expected = zip(try first[i].tensor.floats(), try second[i].tensor.floats()).map { ($0 + $1) / 2 }
            assertClose(RealArray(shape: [expected.count], elements: try averaged.tensor.floats()),
                        RealArray(shape: [expected.count], elements: expected), relative: 1e-6, averaged.name)
        }
        // Three snapshots: the running mean is the plain mean, not a weighted one.
        let (all, _) = try WeightAveraging.average(try WeightAveraging.checkpoints(in: run, steps: 0...1000).map(\.url))
        let third = networks[2].namedParameters()
        let name = all.namedParameters()[0].name
        let expected = zip(zip(try first[0].tensor.floats(), try second[0].tensor.floats()), try third[0].tensor.floats())
            .map { ($0.0 + $0.1 + $1) / 3 }
        assertClose(RealArray(shape: [expected.count], elements: try all.namedParameters()[0].tensor.floats()),
                    RealArray(shape: [expected.count], elements: expected), relative: 1e-6, name)
    }

    func testBadRunsAndRangesThrowClearErrors() throws {
        let run = try Self.run("average-bad", [try Self.network(seed: 1), try Self.network(seed: 2, channels: [8, 8])])
        defer { try? FileManager.default.removeItem(at: run) }
        XCTAssertThrowsError(try WeightAveraging.checkpoints(in: run, steps: 300...400)) {
            XCTAssertEqual(($0 as? AmbientError)?.kind, .badArgument)
            XCTAssertTrue("\($0)".contains("no checkpoint between steps 300 and 400"), "\($0)")
        }
        XCTAssertThrowsError(try WeightAveraging.checkpoints(in: run.appendingPathComponent("checkpoints"), steps: 0...100)) {
            XCTAssertEqual(($0 as? AmbientError)?.kind, .fileNotFound)
        }
        XCTAssertThrowsError(try WeightAveraging.average(try WeightAveraging.checkpoints(in: run, steps: 0...200).map(\.url))) {
            XCTAssertEqual(($0 as? AmbientError)?.kind, .badFormat, "snapshots of different networks")
        }
    }
}
