// swift-tools-version:6.0
import PackageDescription

// Kernels are hot loops over unsafe buffers: release builds drop overflow/bounds checks and
// compile the whole module at once so generic kernels specialise. These settings live here,
// not in the Makefile, so a plain `swift build -c release` yields the real binary.
let fastSwift: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release)),
]

let package = Package(
    name: "Winnow",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "winnow", targets: ["winnow"]),
        .library(name: "TensorCore", targets: ["TensorCore"]),
        .library(name: "ModelGraph", targets: ["ModelGraph"]),
        .library(name: "ONNX", targets: ["ONNX"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CGDAL", path: "Sources/CGDAL", pkgConfig: "gdal"),
        // Vectorised float32 inference kernels, compiled per instruction set and chosen at run time.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"], .when(configuration: .release))],
                linkerSettings: [.linkedLibrary("m")]),
        .target(name: "TensorCore", dependencies: ["CBLAS", "CKernels"], swiftSettings: fastSwift),
        .target(name: "ModelGraph", dependencies: ["TensorCore"], swiftSettings: fastSwift),
        // C++ shim over Debian's libonnx 1.12 with a pure C header (DESIGN.md: ONNX files).
        .target(
            name: "CONNX",
            cxxSettings: [
                .define("ONNX_NAMESPACE", to: "onnx"),
                .define("ONNX_ML", to: "1"),
                .unsafeFlags(["-O2"], .when(configuration: .release)),
            ],
            linkerSettings: [
                .linkedLibrary("onnx"),
                .linkedLibrary("onnx_proto"),
                .linkedLibrary("protobuf"),
            ]),
        // Parses untrusted files: keeps bounds and overflow checks (no -Ounchecked).
        .target(name: "ONNX", dependencies: ["CONNX", "TensorCore", "ModelGraph"]),
        // Reads untrusted image, raster and pool files: keeps bounds and overflow checks (no
        // -Ounchecked); its loops are memory-bound, so the checks cost little.
        .target(name: "Datasets", dependencies: ["CGDAL", "TensorCore", "ModelGraph", "ONNX"]),
        .target(name: "Training", dependencies: ["TensorCore", "ModelGraph", "Datasets"], exclude: ["TODO-trainer.md"], swiftSettings: fastSwift),
        .target(name: "ModelZoo", dependencies: ["TensorCore", "ModelGraph"]),
        .target(name: "Metrics", dependencies: ["TensorCore", "ModelGraph"], swiftSettings: fastSwift),
        .executableTarget(
            name: "winnow",
            dependencies: [
                "CBLAS",
                "TensorCore",
                "ModelGraph",
                "ONNX",
                "Datasets",
                "ModelZoo",
                "Metrics",
                "Training",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: fastSwift),
        .testTarget(name: "TensorCoreTests", dependencies: ["WinnowTestSupport", "TensorCore"], swiftSettings: fastSwift),
        .testTarget(name: "ModelGraphTests", dependencies: ["ModelGraph", "TensorCore"], swiftSettings: fastSwift),
        .testTarget(name: "ONNXTests", dependencies: ["WinnowTestSupport", "ONNX", "CONNX", "TensorCore", "ModelGraph"]),
        .testTarget(name: "DatasetsTests", dependencies: ["WinnowTestSupport", "Datasets", "TensorCore"]),
        // Helpers shared by test targets (tolerances, test data, the Python oracle runner).
        .target(name: "WinnowTestSupport", path: "Tests/Support"),
        .testTarget(name: "TrainingTests", dependencies: ["WinnowTestSupport", "Training", "TensorCore", "ModelGraph", "Datasets", "ONNX", "ModelZoo"], swiftSettings: fastSwift),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics", "ModelGraph", "TensorCore"], swiftSettings: fastSwift),
        .testTarget(name: "ModelZooTests", dependencies: ["WinnowTestSupport", "ModelZoo", "Training", "ONNX", "ModelGraph", "TensorCore"], swiftSettings: fastSwift),
        // Real-model parity against onnxruntime; fixtures come from scripts/make-test-models.py.
        .testTarget(name: "ModelParityTests", dependencies: ["WinnowTestSupport", "ONNX", "ModelGraph", "TensorCore"], swiftSettings: fastSwift),
        // Runs the built `winnow` binary; `swift build --build-tests` builds it alongside.
        .testTarget(name: "WinnowCLITests", dependencies: ["WinnowTestSupport"], swiftSettings: fastSwift),
    ],
    cxxLanguageStandard: .cxx17
)
