// swift-tools-version: 6.1
// dlmd micro-benchmarks (ordo-one/benchmark): the engine's grant path, the directory hash and both
// codecs, measured on the main package's modules (by path). Not part of `make test`; run with
// `make -C bench micro` (docs/benchmarks.md "Micro-benchmarks"). Thresholds: Benchmarks/Thresholds.

import PackageDescription

let package = Package(
    name: "dlmd-micro",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(name: "dlmd", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "DLMMicro",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "DLMCore", package: "dlmd"),
                .product(name: "DLMEngine", package: "dlmd"),
                .product(name: "DLMDirectory", package: "dlmd"),
                .product(name: "DLMWire", package: "dlmd"),
                .product(name: "DLMClientProtocol", package: "dlmd"),
            ],
            path: "Benchmarks/DLMMicro",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
