// swift-tools-version:6.0
import PackageDescription

/// swift-nio's WebSocket server pieces, for the built-in servers (`simulate`, `replay --serve`),
/// the test kit, the benchmarks' flood server and the end-to-end tests.
let webSocketServing: [Target.Dependency] = [
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOHTTP1", package: "swift-nio"),
    .product(name: "NIOWebSocket", package: "swift-nio"),
]

/// How the daemon's executable is linked: by lld, its relative relocations packed (DT_RELR) and
/// no dynamic symbol table of its own, so the loader reads and writes ~2 MB less before `main`; and
/// the functions the daemon runs placed together in the order `scripts/order-symbols` recorded, so
/// the pages of code it keeps mapped hold little else (a name the list no longer finds is skipped:
/// a stale list packs less, it never breaks the link). Packs best when every module is built with
/// function sections, as `scripts/build-release` does. The C++ runtime the Swift runtime calls
/// (string, tree and `new` helpers) is linked from `libstdc++.a`: `static-cxx/` is searched first
/// and holds a linker script under the shared library's name, so the toolchain's `-lstdc++`
/// takes those few functions rather than mapping all of `libstdc++.so` (~1 MiB resident).
let leanDaemonLinking: [LinkerSetting] = [
    .unsafeFlags([
        "-L", "\(Context.packageDirectory)/Sources/StreamCollectorCLI/static-cxx",
        "-use-ld=lld",
        "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
        "-Xlinker", "--no-export-dynamic",
        "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/Sources/StreamCollectorCLI/symbol-order.txt",
        "-Xlinker", "--no-warn-symbol-ordering",
    ]),
]

let package = Package(
    name: "stream-collector",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "stream-collector", targets: ["StreamCollectorCLI"]),
        .executable(name: "stream-collector-soak", targets: ["StreamCollectorSoak"]),
        .executable(name: "stream-collector-bench", targets: ["StreamCollectorBench"]),
        .executable(name: "lws-floor", targets: ["LWSFloor"]),
        // Test support: preloaded into the daemon by the clock-step tests to step its wall clock.
        .library(name: "WallClockShift", type: .dynamic, targets: ["CWallClockShift"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.30.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibWebSockets",
            pkgConfig: "libwebsockets",
            providers: [.apt(["libwebsockets-dev"])]
        ),
        .target(name: "Clocks"),
        .target(name: "WebSocketTransport", dependencies: ["CLibWebSockets", "CLinux", "Clocks"]),
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        .target(name: "YAMLReader", dependencies: ["CYAML"]),
        .target(name: "CJSONScan"),
        .target(name: "MarketDecoding", dependencies: ["CJSONScan"]),
        .target(name: "CLinux", linkerSettings: [.linkedLibrary("z")]),
        .target(name: "RecordStorage", dependencies: ["MarketDecoding", "CLinux", "Clocks"]),
        .target(name: "StreamVerification", dependencies: ["RecordStorage", "MarketDecoding"]),
        .target(name: "Replay", dependencies: [
            "RecordStorage", "MarketDecoding", "MarketServer", "HTTPServing", "Clocks",
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .target(name: "HTTPServing", dependencies: [
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        .target(name: "MarketServer", dependencies: ["MarketDecoding", "HTTPServing"] + webSocketServing),
        .target(name: "SystemService", dependencies: ["CLinux", "Clocks"]),
        .target(name: "Collector", dependencies: [
            "WebSocketTransport", "MarketDecoding", "RecordStorage", "Clocks", "CLinux",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            "YAMLReader",
        ]),
        .executableTarget(name: "StreamCollectorCLI", dependencies: [
            "Collector", "MarketServer", "SystemService", "HTTPServing", "Replay", "RecordStorage", "StreamVerification", "Clocks",
            "WebSocketTransport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], exclude: ["symbol-order.txt", "static-cxx"], linkerSettings: leanDaemonLinking),
        // Test support — fault injection, a sequenced feed, completeness checks — for the tests,
        // the soak and the benchmarks; never linked into stream-collector.
        .target(name: "CollectorTestKit", dependencies: [
            "MarketServer", "HTTPServing", "RecordStorage", "MarketDecoding",
        ] + webSocketServing),
        .executableTarget(name: "StreamCollectorSoak", dependencies: [
            "MarketServer", "HTTPServing", "StreamVerification", "CollectorTestKit",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "StreamCollectorBench", dependencies: [
            "MarketDecoding", "RecordStorage", "HTTPServing", "Clocks",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ] + webSocketServing),
        .executableTarget(name: "LWSFloor", dependencies: ["CLibWebSockets"]),
        .target(name: "CWallClockShift", linkerSettings: [.linkedLibrary("dl")]),
        .testTarget(name: "MarketDecodingTests", dependencies: ["MarketDecoding"]),
        .testTarget(name: "YAMLReaderTests", dependencies: ["YAMLReader"]),
        .testTarget(name: "RecordStorageTests", dependencies: ["RecordStorage", "MarketDecoding", "Clocks"]),
        .testTarget(name: "ReplayTests", dependencies: ["Replay", "RecordStorage", "MarketDecoding", "Clocks"]),
        .testTarget(name: "CollectorTests", dependencies: ["Collector", "WebSocketTransport", "MarketDecoding", "Clocks", "YAMLReader"]),
        .testTarget(name: "MarketServerTests", dependencies: ["MarketServer"]),
        .testTarget(name: "StreamVerificationTests", dependencies: ["StreamVerification"]),
        .testTarget(name: "WebSocketTransportTests", dependencies: ["WebSocketTransport"]),
        .testTarget(name: "EndToEndTests", dependencies: [
            "MarketServer", "HTTPServing", "MarketDecoding", "StreamVerification", "Clocks", "CollectorTestKit", "RecordStorage", "CLinux",
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ] + webSocketServing),
    ],
    swiftLanguageModes: [.v6]
)
