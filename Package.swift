// swift-tools-version: 6.1
// dlmd — a cluster Distributed Lock Manager with the Linux DLM's semantics.
// Module map and import rules: docs/architecture.md.

import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]
let shell: [SwiftSetting] = [.swiftLanguageMode(.v5)]

let package = Package(
    name: "dlmd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "dlmd", targets: ["dlmd"]),
        .executable(name: "dlm_tool", targets: ["dlm_tool"]),
        .library(name: "DLM", targets: ["DLM"]),
        .library(name: "DLMEngine", targets: ["DLMEngine"]),
        // For bench/micro (the micro-benchmarks depend on this package by path).
        .library(name: "DLMCore", targets: ["DLMCore"]),
        .library(name: "DLMDirectory", targets: ["DLMDirectory"]),
        .library(name: "DLMWire", targets: ["DLMWire"]),
        .library(name: "DLMClientProtocol", targets: ["DLMClientProtocol"]),
        .executable(name: "dlm-bench", targets: ["dlm-bench"]),
        .executable(name: "dlm-nemesis", targets: ["dlm-nemesis"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    ],
    targets: [
        // MARK: - Deterministic core (no I/O, no clocks)
        .target(name: "DLMCore", swiftSettings: strict),
        .target(name: "DLMEngine", dependencies: ["DLMCore"], swiftSettings: strict),
        .target(name: "DLMDirectory", dependencies: ["DLMCore"], swiftSettings: strict),
        .target(name: "DLMClientProtocol", dependencies: ["DLMCore"], swiftSettings: strict),
        .target(
            name: "DLMWire",
            dependencies: ["DLMCore", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict
        ),

        .target(name: "DLMMembership", dependencies: ["DLMCore"], swiftSettings: strict),
        .target(name: "DLMRecovery", dependencies: ["DLMCore"], swiftSettings: strict),
        .target(
            name: "DLMNode",
            dependencies: ["DLMCore", "DLMEngine", "DLMDirectory", "DLMWire", "DLMRecovery"],
            swiftSettings: strict
        ),
        .target(
            name: "DLMSimulation",
            dependencies: [
                "DLMCore", "DLMEngine", "DLMDirectory", "DLMWire", "DLMNode", "DLMMembership", "DLMRecovery",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(name: "dlm-sim", dependencies: ["DLMSimulation", "DLMCore"], swiftSettings: strict),

        // MARK: - Shells
        .target(
            name: "DLMTransport",
            dependencies: [
                "DLMCore", "DLMWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: shell
        ),
        .target(
            name: "DLMServer",
            dependencies: [
                "DLMCore", "DLMEngine", "DLMClientProtocol", "DLMNode", "DLMWire", "DLMTransport", "DLMMembership",
                "DLMRecovery",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: shell
        ),
        // libsystemd (sd_notify, sd_watchdog_enabled) for Type=notify; Debian package libsystemd-dev.
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .target(
            name: "DLMDaemon",
            dependencies: [
                "DLMCore", "DLMEngine", "DLMServer", "DLMDirectory", "DLMNode", "DLMTransport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                "CSystemd",
            ],
            swiftSettings: shell
        ),
        .executableTarget(
            name: "dlmd",
            dependencies: [
                "DLMDaemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: shell
        ),

        // MARK: - Client side
        .target(name: "DLM", dependencies: ["DLMCore", "DLMClientProtocol"], swiftSettings: shell),
        .executableTarget(
            name: "dlm_tool",
            dependencies: ["DLM", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: shell
        ),

        // MARK: - Benchmarks (docs/benchmarks.md)
        .executableTarget(
            name: "dlm-bench",
            dependencies: [
                "DLM",
                "DLMCore",
                "DLMDirectory",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: shell
        ),

        // MARK: - Fault injection (docs/nemesis.md)
        .target(name: "DLMNemesis", dependencies: ["DLM", "DLMCore"], swiftSettings: shell),
        .executableTarget(
            name: "dlm-nemesis",
            dependencies: ["DLMNemesis", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: shell
        ),

        // MARK: - Tests
        .testTarget(name: "DLMCoreTests", dependencies: ["DLMCore"]),
        .testTarget(name: "DLMMembershipTests", dependencies: ["DLMMembership", "DLMCore"]),
        .testTarget(name: "DLMRecoveryTests", dependencies: ["DLMRecovery", "DLMCore"]),
        .testTarget(name: "DLMDirectoryTests", dependencies: ["DLMDirectory", "DLMCore"]),
        .testTarget(
            name: "DLMWireTests",
            dependencies: [
                "DLMWire", "DLMCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "DLMNodeTests",
            dependencies: ["DLMNode", "DLMEngine", "DLMDirectory", "DLMWire", "DLMCore"]
        ),
        .testTarget(
            name: "DLMSimulationTests",
            dependencies: ["DLMSimulation", "DLMNode", "DLMCore"]
        ),
        .testTarget(
            name: "DLMEngineTests",
            dependencies: ["DLMEngine", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(name: "DLMClientProtocolTests", dependencies: ["DLMCore", "DLMClientProtocol"]),
        .testTarget(
            name: "DLMServerTests",
            dependencies: [
                "DLMCore", "DLMEngine", "DLMClientProtocol", "DLMServer", "DLMNode", "DLMWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "DLMDaemonTests",
            dependencies: [
                "DLMCore", "DLMClientProtocol", "DLMDaemon", "DLMServer",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "DLMTransportTests",
            dependencies: [
                "DLMTransport", "DLMWire", "DLMCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ],
            swiftSettings: shell
        ),
        .testTarget(name: "DLMTests", dependencies: ["DLM", "DLMCore", "DLMClientProtocol"]),
        .testTarget(name: "DLMClusterTests", dependencies: ["DLM", "DLMCore", "DLMClientProtocol", "DLMDirectory"]),
        .testTarget(name: "DLMBenchTests", dependencies: []),
        .testTarget(name: "DLMNemesisTests", dependencies: ["DLMNemesis", "DLM", "DLMCore"]),
    ]
)
