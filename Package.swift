// swift-tools-version:5.9
// AmbientMRI: MRI reconstruction with diffusion priors learned from corrupted scans.
// Layers depend only downward: C libraries → AmbientCore → AmbientIO → AmbientRecon
// → AmbientTorch → AmbientDiffusion → AmbientEval → the `ambient` command.
import PackageDescription

let optimize: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release))]

let package = Package(
    name: "AmbientMRI",
    products: [
        .executable(name: "ambient", targets: ["ambient"]),
        .executable(name: "ambient-ml", targets: ["ambient-ml"]),
        .library(name: "AmbientCore", targets: ["AmbientCore"]),
        .library(name: "AmbientIO", targets: ["AmbientIO"]),
        .library(name: "AmbientRecon", targets: ["AmbientRecon"]),
        .library(name: "AmbientTorch", targets: ["AmbientTorch"]),
        .library(name: "AmbientDiffusion", targets: ["AmbientDiffusion"]),
        .library(name: "AmbientEval", targets: ["AmbientEval"]),
    ],
    targets: [
        // C libraries from Debian packages.
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CLAPACK", pkgConfig: "lapacke", providers: [.apt(["liblapacke-dev", "libopenblas-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CMalloc"),
        .target(
            name: "CTorch",
            cxxSettings: [.headerSearchPath("torch-api"), .define("_GLIBCXX_USE_CXX11_ABI", to: "1")],
            linkerSettings: [.linkedLibrary("torch"), .linkedLibrary("torch_cpu"), .linkedLibrary("c10")]
        ),

        // Swift layers.
        .target(name: "AmbientCore", dependencies: ["CFFTW", "CLAPACK"], swiftSettings: optimize),
        .target(name: "AmbientIO", dependencies: ["AmbientCore", "CHDF5", "CPNG", "CZlib"], swiftSettings: optimize),
        .target(name: "AmbientRecon", dependencies: ["AmbientCore"], swiftSettings: optimize),
        .target(name: "AmbientTorch", dependencies: ["AmbientCore", "CTorch"], swiftSettings: optimize),
        .target(name: "AmbientDiffusion", dependencies: ["AmbientCore", "AmbientIO", "AmbientRecon", "AmbientTorch"], swiftSettings: optimize),
        .target(name: "AmbientEval", dependencies: ["AmbientCore", "AmbientIO"], swiftSettings: optimize),
        // The command line: classical commands and the framework in AmbientCLI; `ambient` runs them
        // without loading libtorch (fast start) and hands the learned-prior commands to `ambient-ml`.
        .target(name: "AmbientCLI", dependencies: ["AmbientCore", "AmbientIO", "AmbientRecon", "AmbientEval", "CMalloc"], swiftSettings: optimize),
        .executableTarget(name: "ambient", dependencies: ["AmbientCLI"], swiftSettings: optimize),
        .executableTarget(
            name: "ambient-ml",
            dependencies: ["AmbientCLI", "AmbientTorch", "AmbientDiffusion"],
            path: "Sources/ambient-ml",
            swiftSettings: optimize
        ),

        // Tests.
        .target(name: "AmbientTestSupport", dependencies: ["AmbientCore"], path: "Tests/AmbientTestSupport"),
        .testTarget(name: "AmbientCoreTests", dependencies: ["AmbientCore", "AmbientTestSupport"]),
        .testTarget(name: "AmbientIOTests", dependencies: ["AmbientIO", "AmbientTestSupport"]),
        .testTarget(name: "AmbientReconTests", dependencies: ["AmbientRecon", "AmbientIO", "AmbientTestSupport"]),
        .testTarget(name: "AmbientTorchTests", dependencies: ["AmbientTorch", "AmbientTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "AmbientDiffusionTests", dependencies: ["AmbientDiffusion", "AmbientTestSupport"]),
        .testTarget(name: "AmbientEvalTests", dependencies: ["AmbientEval", "AmbientIO", "AmbientTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "CLITests", dependencies: ["AmbientIO", "AmbientTestSupport"]),
    ]
)
