// swift-tools-version:5.9
// A stand-alone driver for bench/dps_seconds_per_slice.sh until `ambient-ml bench-ml dps` exists: calls
// AmbientDiffusion.benchmarkPosteriorSampling from the main package (a local path dependency).
import PackageDescription

let package = Package(
    name: "DPSDriver",
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(
            name: "dps-driver",
            dependencies: [.product(name: "AmbientDiffusion", package: "main"), .product(name: "AmbientTorch", package: "main")],
            swiftSettings: [.unsafeFlags(["-Ounchecked", "-wmo"])]
        ),
    ]
)
