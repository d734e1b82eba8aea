import AmbientCore
import AmbientTorch
@testable import AmbientDiffusion
import Foundation
import XCTest

/// Tiny, seeded training data and networks for fast tests.
enum DiffusionTestData {
    /// Smooth complex images [N, H, W]: a few low-frequency complex waves each, std ≈ 0.5.
    static func smoothImages(count: Int, size: Int, seed: UInt64) -> ComplexArray {
        var rng = SeededGenerator(seed: seed)
        var images = ComplexArray(zeros: [count, size, size])
        for n in 0..<count {
            var image = ComplexArray(zeros: [size, size])
            for _ in 0..<3 {
                let fy = Float(Int(rng.next() % 3)), fx = Float(Int(rng.next() % 3))
                let amplitude = Complex32(rng.nextNormal() * 0.3, rng.nextNormal() * 0.3)
                let phase = rng.nextUniform() * 2 * .pi
                image.withUnsafeMutableBufferPointer { p in
                    for y in 0..<size {
                        for x in 0..<size {
                            let angle = 2 * Float.pi * (fy * Float(y) + fx * Float(x)) / Float(size) + phase
                            p[y * size + x] += amplitude * Complex32.unit(phase: angle)
                        }
                    }
                }
            }
            images.setSlice(n, to: image)
        }
        return images
    }

    /// Multi-coil slices acquired from smooth images with birdcage maps and Cartesian masks.
    static func kspaceDataset(count: Int, size: Int, coils: Int, seed: UInt64, fullySampled: Bool = false) throws -> InMemoryKSpaceDataset {
        let images = smoothImages(count: count, size: size, seed: seed)
        let maps = try Coils.birdcageSensitivities(coils: coils, height: size, width: size)
        var kspace = ComplexArray(zeros: [count, coils, size, size])
        var masks = RealArray(zeros: [count, size, size])
        for n in 0..<count {
            var rng = SeededGenerator(hashing: ["test-slice", String(n)])
            let mask = fullySampled ? RealArray(shape: [size, size], repeating: 1)
                : try MaskSpec.cartesianRandom(acceleration: 2, acsLines: 2).make(height: size, width: size, using: &rng)
            let a = LinearOperator.sense(maps: maps, mask: mask)
            kspace.setSlice(n, to: a.forward(images.slice(n)))
            masks.setSlice(n, to: mask)
        }
        return try InMemoryKSpaceDataset(kspace: kspace, maps: ComplexArray.stack(Array(repeating: maps, count: count)),
                                         masks: masks, references: images)
    }

    static func network(inputChannels: Int, outputChannels: Int = 2, size: Int = 8, seed: UInt64 = 3) throws -> UNet2DModel {
        let config = UNet2DConfig(sampleSize: size, inChannels: inputChannels, outChannels: outputChannels,
                                  blockOutChannels: [8, 16], attention: [false, false], layersPerBlock: 1, normNumGroups: 4)
        return try UNet2DModel(config: config, seed: seed)
    }

    static func options(_ objective: Objective, _ corruption: CorruptionKind, steps: Int = 30) -> TrainingOptions {
        var o = TrainingOptions()
        o.objective = objective
        o.corruption = corruption
        o.batchSize = 4
        o.steps = steps
        o.learningRate = 1e-2
        o.warmupSteps = 2
        o.checkpointEvery = 0
        o.logEvery = 5
        o.showProgress = false
        o.prefetch = 2
        o.imageMask = .boxes(count: 1, height: 3, width: 3)
        return o
    }

    static func temporaryDirectory(_ name: String) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ambient-diffusion-tests-\(name)-\(getpid())")
        try? FileManager.default.removeItem(at: url)
        return url
    }
}

/// Tiny networks run fastest on one libtorch thread (no barrier waits on a busy machine); restores the setting.
class SingleThreadTorchTestCase: XCTestCase {
    private var previousThreads = 1

    override func setUp() {
        super.setUp()
        previousThreads = Torch.threads
        Torch.threads = 1
    }

    override func tearDown() {
        Torch.threads = previousThreads
        super.tearDown()
    }
}
