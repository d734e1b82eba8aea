// swift-tools-version:5.9
// A stand-alone driver for bench/torch_train_step.sh until `ambient bench-unet` exists: calls
// AmbientTorch.benchmarkTrainStep from the main package (a local path dependency).
import PackageDescription

let package = Package(
    name: "TorchBenchDriver",
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(
            name: "torch-bench-driver",
            dependencies: [.product(name: "AmbientTorch", package: "main")],
            swiftSettings: [.unsafeFlags(["-Ounchecked", "-wmo"])]
        ),
    ]
)
