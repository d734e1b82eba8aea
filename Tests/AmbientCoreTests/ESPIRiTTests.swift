import AmbientCore
import AmbientTestSupport
import Foundation
import XCTest

final class ESPIRiTTests: XCTestCase {
    /// Simulated data: ESPIRiT recovers the true (birdcage) maps up to a per-pixel phase.
    func testRecoversSimulatedMapsInsideTheObject() throws {
        let (c, n) = (8, 64)
        let truth = try Coils.birdcageSensitivities(coils: c, height: n, width: n)
        let object = ellipsePhantom(size: n)
        let kspace = FFT.forward(LinearOperator.coilSensitivities(truth).forward(object))
        // Undersample outside a 24-column ACS block: ESPIRiT needs only the centre.
        var rng = SeededGenerator(seed: 3)
        let mask = try SamplingMasks.cartesianRandom(width: n, acceleration: 4, acsLines: 24, using: &rng).expanded(height: n)
        let result = try ESPIRiT.calibrate(kspace: LinearOperator.mask(mask, shape: kspace.shape).forward(kspace))
        XCTAssertEqual(result.calibration.shape, [24, 24])

        let support = interior(of: object, margin: 2)
        var worst: Float = 1, total: Double = 0, count = 0
        for y in 0..<n {
            for x in 0..<n where support[y * n + x] {
                var inner = Complex32.zero
                for coil in 0..<c { inner += result.maps[coil, y, x].conjugate * truth[coil, y, x] }
                worst = min(worst, inner.magnitude)
                total += Double(inner.magnitude)
                count += 1
                XCTAssertGreaterThan(result.eigenvalues[y, x], 0.8, "eigenvalue inside the object at (\(y), \(x))")
            }
        }
        print("ESPIRiT on simulated birdcage maps: mean |<s_est, s_true>| = \(total / Double(count)), worst = \(worst)")
        XCTAssertGreaterThan(total / Double(count), 0.995)
        XCTAssertGreaterThan(worst, 0.97)
    }

    /// Maps are unit-norm where kept and zero where cropped; phase follows the reference.
    func testMapsAreUnitOrZero() throws {
        let truth = try Coils.birdcageSensitivities(coils: 4, height: 32, width: 32)
        let kspace = FFT.forward(LinearOperator.coilSensitivities(truth).forward(ellipsePhantom(size: 32)))
        let result = try ESPIRiT.calibrate(kspace: kspace, config: ESPIRiTConfig(calibrationSize: 16))
        let norms = try Coils.rootSumOfSquares(result.maps)
        for i in 0..<norms.count {
            let v = norms[flat: i]
            XCTAssertTrue(abs(v - 1) < 1e-4 || v == 0, "map norm \(v) at pixel \(i)")
            XCTAssertEqual(v == 0, result.eigenvalues[flat: i] <= 0.8, "crop decision at pixel \(i)")
        }
    }

    func testRejectsBadInput() {
        XCTAssertThrowsError(try ESPIRiT.calibrate(kspace: ComplexArray(zeros: [4, 32]))) { error in
            XCTAssertEqual((error as? AmbientError)?.kind, .badShape)
        }
        // Nothing sampled beyond the centre pixel: no calibration region.
        var sparse = ComplexArray(zeros: [2, 32, 32])
        sparse[0, 16, 16] = Complex32(1, 0)
        XCTAssertThrowsError(try ESPIRiT.calibrate(kspace: sparse)) { error in
            XCTAssertEqual((error as? AmbientError)?.kind, .badArgument)
        }
        // A given (not detected) calibration block that holds no signal.
        let silent = ESPIRiTConfig(calibrationSize: 12, detectCalibration: false)
        XCTAssertThrowsError(try ESPIRiT.calibrate(kspace: ComplexArray(zeros: [2, 32, 32]), config: silent)) { error in
            XCTAssertEqual((error as? AmbientError)?.kind, .numerical)
        }
    }

    func testConfigDecodesWithDefaults() throws {
        let config = try JSONDecoder().decode(ESPIRiTConfig.self, from: Data(#"{"crop": 0.9}"#.utf8))
        XCTAssertEqual(config, ESPIRiTConfig(crop: 0.9))
    }

    /// Parity with `bart ecalib -m1` on BART's 8-coil phantom: the phase-invariant
    /// projectors s sᴴ agree inside the maps' common support.
    func testParityWithBART() throws {
        guard let bart = findBART() else { throw XCTSkip("bart not installed") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("espirit-parity-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let ksp = dir.appendingPathComponent("ksp").path
        try runTool(bart, ["phantom", "-k", "-s", "8", "-x", "64", ksp])
        try runTool(bart, ["ecalib", "-m1", ksp, dir.appendingPathComponent("maps").path, dir.appendingPathComponent("ev").path])
        let kspace = try readCFL(ksp, as: [8, 64, 64])
        let theirs = try readCFL(dir.appendingPathComponent("maps").path, as: [8, 64, 64])
        let ours = try ESPIRiT.calibrate(kspace: kspace)
        let comparison = projectorDifference(ours.maps, theirs)
        // Same phase convention too: the maps themselves agree.
        let direct = relativeError(ours.maps, theirs)
        print("ESPIRiT vs bart ecalib -m1: maps rel. diff \(direct)")
        XCTAssertLessThan(direct, 0.05)
        print("ESPIRiT vs bart ecalib -m1 (64², 8 coils): projector rel. diff on common support \(comparison.relative), "
              + "support agreement \(comparison.supportAgreement), kernels \(ours.kernelCount)")
        XCTAssertLessThan(comparison.relative, 0.02)
        XCTAssertGreaterThan(comparison.supportAgreement, 0.98)
    }

    /// Benchmark hook for bench/espirit.sh (skipped unless AMBIENT_BENCH_ESPIRIT names a
    /// BART .cfl k-space [kx, ky, 1, C]): times our ESPIRiT and writes the maps next to it.
    func testBenchmarkHook() throws {
        let env = ProcessInfo.processInfo.environment
        guard let path = env["AMBIENT_BENCH_ESPIRIT"], let coils = Int(env["AMBIENT_BENCH_COILS"] ?? ""),
              let size = Int(env["AMBIENT_BENCH_SIZE"] ?? "") else { throw XCTSkip("benchmark hook: set AMBIENT_BENCH_ESPIRIT") }
        let kspace = try readCFL(path, as: [coils, size, size])
        var best = Double.infinity
        var result: ESPIRiTMaps?
        for _ in 0..<5 {
            let start = Date()
            result = try ESPIRiT.calibrate(kspace: kspace)
            best = min(best, Date().timeIntervalSince(start))
        }
        print("ESPIRITBENCH ours_seconds \(best)")
        try writeCFL(result!.maps, path + "-ours", dims: [size, size, 1, coils])
        if let other = env["AMBIENT_BENCH_BART_MAPS"] {
            let comparison = projectorDifference(result!.maps, try readCFL(other, as: [coils, size, size]))
            print("ESPIRITBENCH projector_rel_diff \(comparison.relative) support_agreement \(comparison.supportAgreement)")
        }
    }
}

// MARK: - helpers

/// An ellipse with smooth magnitude and phase variation, zero outside.
private func ellipsePhantom(size n: Int) -> ComplexArray {
    ComplexArray(shape: [n, n]) { i in
        let y = Float(i / n - n / 2) / Float(n), x = Float(i % n - n / 2) / Float(n)
        let r = (y / 0.38) * (y / 0.38) + (x / 0.3) * (x / 0.3)
        guard r < 1 else { return .zero }
        return Complex32.unit(phase: 2 * x + y) * (1 + 0.5 * cosf(6 * y))
    }
}

/// Pixels of the object at least `margin` pixels away from its edge.
private func interior(of object: ComplexArray, margin: Int) -> [Bool] {
    let h = object.shape[0], w = object.shape[1]
    var out = [Bool](repeating: false, count: h * w)
    for y in margin..<(h - margin) {
        for x in margin..<(w - margin) {
            var all = true
            for dy in -margin...margin { for dx in -margin...margin where object[y + dy, x + dx] == .zero { all = false } }
            out[y * w + x] = all
        }
    }
    return out
}

/// Relative Frobenius difference of the per-pixel projectors s sᴴ over pixels where both
/// maps are non-zero, and the fraction of pixels where both agree on zero / non-zero.
private func projectorDifference(_ a: ComplexArray, _ b: ComplexArray) -> (relative: Double, supportAgreement: Double) {
    let c = a.shape[0], plane = a.shape[1] * a.shape[2]
    var diff = 0.0, ref = 0.0, agree = 0
    for i in 0..<plane {
        var na: Float = 0, nb: Float = 0
        for coil in 0..<c { na += a[flat: coil * plane + i].magnitudeSquared; nb += b[flat: coil * plane + i].magnitudeSquared }
        if (na > 0) == (nb > 0) { agree += 1 }
        guard na > 0, nb > 0 else { continue }
        for p in 0..<c {
            for q in 0..<c {
                let pa = a[flat: p * plane + i] * a[flat: q * plane + i].conjugate
                let pb = b[flat: p * plane + i] * b[flat: q * plane + i].conjugate
                diff += Double((pa - pb).magnitudeSquared)
                ref += Double(pb.magnitudeSquared)
            }
        }
    }
    return ((diff / max(ref, 1e-30)).squareRoot(), Double(agree) / Double(plane))
}

private func findBART() -> String? {
    ["/usr/bin/bart", "/usr/local/bin/bart"].first { FileManager.default.isExecutableFile(atPath: $0) }
}

private func runTool(_ tool: String, _ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw AmbientError(.backend, tool, "\(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
    }
}

/// Test-only BART .cfl reader: the file's column-major [x, y, z, coils] order is the
/// row-major order of our [coils, ky, kx], so the raw complex64 values map one to one.
private func readCFL(_ base: String, as shape: [Int]) throws -> ComplexArray {
    let header = try String(contentsOfFile: base + ".hdr", encoding: .utf8)
    let dims = header.split(separator: "\n").dropFirst().first?.split(separator: " ").compactMap { Int($0) } ?? []
    guard dims.reduce(1, *) == shape.reduce(1, *) else {
        throw AmbientError(.badShape, base + ".hdr", "dims \(dims) do not hold \(shape)")
    }
    let data = try Data(contentsOf: URL(fileURLWithPath: base + ".cfl"))
    guard data.count == shape.reduce(1, *) * 8 else { throw AmbientError(.badFormat, base + ".cfl", "size \(data.count)") }
    return data.withUnsafeBytes { raw in
        ComplexArray(shape: shape, elements: Array(raw.bindMemory(to: Complex32.self)))
    }
}

private func writeCFL(_ array: ComplexArray, _ base: String, dims: [Int]) throws {
    try ("# Dimensions\n" + dims.map(String.init).joined(separator: " ") + "\n")
        .write(toFile: base + ".hdr", atomically: true, encoding: .utf8)
    let data = array.withUnsafeBufferPointer { Data(buffer: $0) }
    try data.write(to: URL(fileURLWithPath: base + ".cfl"))
}
