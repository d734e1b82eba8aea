import AmbientCore
import AmbientIO
import AmbientRecon
import Foundation
import XCTest

/// The "ours" half of bench/recon_l1.sh: runs only when AMBIENT_RECON_BENCH_DIR names a folder
/// holding `under`, `maps` and `mask` .cfl files (BART layout); writes `ours.cfl` there and prints
/// the reconstruction's wall time. Not a timed test: it asserts nothing about speed.
final class L1WaveletBenchmark: XCTestCase {
    func testL1WaveletOnBenchmarkFiles() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let folder = environment["AMBIENT_RECON_BENCH_DIR"] else {
            throw XCTSkip("set AMBIENT_RECON_BENCH_DIR to run the ℓ1-wavelet benchmark (bench/recon_l1.sh)")
        }
        let kspace = try CFL.read("\(folder)/under").squeezingSingletons()
        let maps = try CFL.read("\(folder)/maps").squeezingSingletons()
        let mask = try CFL.read("\(folder)/mask").squeezingSingletons().realPart
        var config = L1WaveletConfig()
        config.lambda = Float(environment["AMBIENT_RECON_BENCH_LAMBDA"] ?? "") ?? 0.01
        config.iterations = Int(environment["AMBIENT_RECON_BENCH_ITERATIONS"] ?? "") ?? 100

        let start = DispatchTime.now().uptimeNanoseconds
        let image = try l1WaveletRecon(kspace: kspace, maps: maps, mask: mask, config: config)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        try CFL.write(image, to: "\(folder)/ours")
        print("ours_seconds \(seconds)")
    }
}
