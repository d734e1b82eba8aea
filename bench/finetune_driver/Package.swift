// swift-tools-version:5.9
// A stand-alone driver for bench/finetune_steps.sh until `ambient bench-finetune` exists: calls
// AmbientDiffusion.benchmarkFineTuneSteps from the main package (a local path dependency).
import PackageDescription

let package = Package(
    name: "FineTuneDriver",
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(
            name: "finetune-driver",
            dependencies: [.product(name: "AmbientDiffusion", package: "main"), .product(name: "AmbientTorch", package: "main")],
            swiftSettings: [.unsafeFlags(["-Ounchecked", "-wmo"])]
        ),
    ]
)
