import AmbientCore
import AmbientIO
import AmbientTestSupport
@testable import AmbientDiffusion
import XCTest

final class FastMRITrainingDataTests: SingleThreadTorchTestCase {
    /// A simulated file (k-space, per-slice masks, shared maps, truth) reads back as training
    /// examples scaled as inference scales them (zero-filled 99th percentile = 1), and trains.
    func testSlicesReadScaledAndTrain() throws {
        let folder = DiffusionTestData.temporaryDirectory("fastmri")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = try DiffusionTestData.kspaceDataset(count: 3, size: 8, coils: 2, seed: 4)
        let path = folder.appendingPathComponent("file_sim.h5").path
        let writer = try FastMRIWriter(path: path)
        try writer.writeKSpace(source.kspace * 7)  // stored unscaled; the dataset rescales
        try writer.writeArray(source.masks, name: "slice_masks")
        try writer.writeArray(source.maps.slice(0), name: "sens_maps")
        try writer.writeArray(source.references! * 7, name: "image")
        try writer.commit()

        let dataset = try FastMRIKSpaceDataset(paths: [path])
        XCTAssertEqual(dataset.count, 3)
        XCTAssertEqual(dataset.planeShape, [8, 8])
        for index in 0..<3 {
            let example = try dataset.example(at: index)
            let mask = try XCTUnwrap(example.mask), maps = try XCTUnwrap(example.maps), kspace = try XCTUnwrap(example.kspace)
            XCTAssertEqual(mask, source.masks.slice(index))
            XCTAssertEqual(try dataset.samplingMask(at: index), mask, "the mask-only read sees the example's mask")
            // Scaled exactly as posterior sampling will scale it at inference.
            XCTAssertEqual(try zeroFilledScale(kspace: kspace, maps: maps, mask: mask), 1, accuracy: 1e-4)
            // The reference keeps its relation to the data: A x_ref = y after scaling.
            let reference = try XCTUnwrap(example.image)
            assertClose(LinearOperator.sense(maps: maps, mask: mask).forward(reference), kspace, relative: 1e-4)
        }
        XCTAssertThrowsError(try dataset.example(at: 3))
        XCTAssertThrowsError(try dataset.samplingMask(at: 3))
        XCTAssertThrowsError(try FastMRIKSpaceDataset(paths: [folder.appendingPathComponent("missing.h5").path]))

        let trainer = try Trainer(network: DiffusionTestData.network(inputChannels: 3), dataset: dataset,
                                  options: DiffusionTestData.options(.ambient, .fourier, steps: 2), runDirectory: folder.appendingPathComponent("run"))
        XCTAssertEqual(try trainer.run(writeCheckpoints: false).steps, 2)
    }
}
