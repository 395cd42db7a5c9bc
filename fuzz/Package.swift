// swift-tools-version: 6.1
// dlmd fuzz targets (libFuzzer). A package of its own so that its unusual build flags
// (-sanitize=fuzzer,address, release, -parse-as-library) never touch the main build. The module
// directories under Sources/ are symlinks to the real ones in ../Sources, so the code fuzzed is the
// code shipped. Build and run through fuzz/Makefile (`make -C fuzz smoke`).

import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "dlmd-fuzz",
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2")
    ],
    targets: [
        .target(name: "DLMCore", swiftSettings: strict),
        .target(name: "DLMClientProtocol", dependencies: ["DLMCore"], swiftSettings: strict),
        .target(
            name: "DLMWire",
            dependencies: ["DLMCore", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict
        ),
        .target(name: "FuzzDriver", swiftSettings: strict),
        .executableTarget(name: "FuzzClient", dependencies: ["DLMCore", "DLMClientProtocol", "FuzzDriver"], swiftSettings: strict),
        .executableTarget(
            name: "FuzzWire",
            dependencies: ["DLMCore", "DLMWire", "FuzzDriver", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict
        ),
    ]
)
