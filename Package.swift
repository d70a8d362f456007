// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "SelfConnect",
    products: [
        .executable(name: "selfconnect", targets: ["selfconnect"]),
        .executable(name: "selfconnect-bench", targets: ["SelfConnectBench"]),
        .library(name: "TCPWire", targets: ["TCPWire"]),
        .library(name: "TCPStack", targets: ["TCPStack"]),
        .library(name: "NetSim", targets: ["NetSim"]),
        .library(name: "HostNet", targets: ["HostNet"]),
        .library(name: "SelfConnectGuard", targets: ["SelfConnectGuard"]),
        .library(name: "SelfConnectNIO", targets: ["SelfConnectNIO"]),
        .library(name: "SelfConnectWatch", targets: ["SelfConnectWatch"]),
        .library(name: "PacketDrill", targets: ["PacketDrill"]),
        // packetdrill's --so_filename plugin: libselfconnect_packetdrill.so.
        .library(name: "selfconnect_packetdrill", type: .dynamic, targets: ["PacketDrillPlugin"]),
        // LD_PRELOAD guard for any program (`selfconnect guard -- CMD`): libselfconnect_guard.so.
        .library(name: "selfconnect_guard", type: .dynamic, targets: ["CSelfConnectPreload"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // `swift package generate-documentation`: the DocC catalogs of the library modules.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // Packets, checksums, options, pcap, tcpdump format. No Foundation.
        .target(name: "TCPWire"),
        // The sans-IO engine, port allocators, personalities. No Foundation, no I/O.
        .target(name: "TCPStack", dependencies: ["TCPWire"]),
        // Deterministic discrete-event simulator and the article's scenarios.
        .target(name: "NetSim", dependencies: ["TCPStack", "TCPWire"]),
        // Self-connect guard for POSIX sockets; depends on nothing but the toolchain.
        .target(name: "SelfConnectGuard"),
        // The preloadable guard: interposes connect() and the calls where a program learns its outcome. Written in C:
        // nothing of it runs Swift code inside the programs it is preloaded into.
        .target(name: "CSelfConnectPreload", linkerSettings: [.linkedLibrary("dl"), .linkedLibrary("pthread")]),
        // The guard as a SwiftNIO channel handler and ClientBootstrap extension.
        .target(
            name: "SelfConnectNIO",
            dependencies: [
                "SelfConnectGuard",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // `selfconnect watch`: periodic audit exported as Prometheus metrics over a NIOHTTP1 server.
        .target(
            name: "SelfConnectWatch",
            dependencies: [
                "HostNet", "SelfConnectGuard", "TCPStack",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // Live-kernel tools: repro, audit (sock_diag), capture.
        .target(name: "HostNet", dependencies: ["TCPWire", "TCPStack", "SelfConnectGuard", "CNetlinkShims"]),
        // Linux UAPI headers (sock_diag, AF_PACKET) for HostNet.
        .target(name: "CNetlinkShims"),
        // packetdrill scripts: parser and runner against the sans-IO engine. No Foundation.
        .target(name: "PacketDrill", dependencies: ["TCPStack", "TCPWire"]),
        // Our C declaration of packetdrill's shared-object interface, and the variadic entries Swift cannot write.
        .target(name: "CPacketDrillABI"),
        // The engine behind packetdrill's interface, on a clock the library controls.
        .target(name: "PacketDrillPlugin", dependencies: ["PacketDrill", "TCPStack", "TCPWire", "CPacketDrillABI"]),
        // TUN driver running our stack against the kernel.
        .target(name: "TUNLink", dependencies: ["TCPStack", "TCPWire", "CTUNShims"]),
        // TUNSETIFF and setns(2) for TUNLink.
        .target(name: "CTUNShims"),
        .target(
            name: "SelfConnectCLI",
            dependencies: [
                "TCPWire", "TCPStack", "NetSim", "HostNet", "SelfConnectGuard", "TUNLink", "PacketDrill",
                "SelfConnectWatch",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "selfconnect", dependencies: ["SelfConnectCLI"]),
        .executableTarget(
            name: "SelfConnectBench",
            dependencies: ["TCPWire", "TCPStack", "NetSim", "HostNet", "TUNLink", "CBenchShims"]
        ),
        // mallinfo2() for the memory benchmark.
        .target(name: "CBenchShims"),
        // Shared by the test targets that need root on the live kernel.
        .target(name: "LiveKernelGate", path: "Tests/LiveKernelGate"),
        // Namespaces, child processes and load generators for the `trace` tests.
        .target(name: "TraceTestSupport", path: "Tests/TraceTestSupport"),
        .testTarget(name: "TCPWireTests", dependencies: ["TCPWire"]),
        .testTarget(name: "TCPStackTests", dependencies: ["TCPStack", "TCPWire", "NetSim"]),
        .testTarget(name: "NetSimTests", dependencies: ["NetSim", "TCPStack", "TCPWire"]),
        .testTarget(name: "HostNetTests", dependencies: ["HostNet", "SelfConnectGuard", "TCPWire", "TCPStack", "LiveKernelGate"]),
        .testTarget(
            name: "TUNLinkTests", dependencies: ["TUNLink", "TCPStack", "TCPWire", "NetSim", "HostNet", "TraceTestSupport"]),
        .testTarget(
            name: "PacketDrillTests",
            dependencies: ["PacketDrill", "TCPStack", "TCPWire", "CPacketDrillABI", "CPluginCaller"]),
        // The plugin table's variadic entries (ioctl), called from C as packetdrill calls them.
        .target(name: "CPluginCaller", dependencies: ["CPacketDrillABI"], path: "Tests/CPluginCaller"),
        .testTarget(
            name: "SelfConnectNIOTests",
            dependencies: [
                "SelfConnectNIO", "SelfConnectGuard", "LiveKernelGate", "HostNet",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "SelfConnectWatchTests",
            dependencies: [
                "SelfConnectWatch", "HostNet", "SelfConnectGuard", "TCPStack", "LiveKernelGate",
            ]
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["SelfConnectCLI", "HostNet", "SelfConnectGuard", "LiveKernelGate", "TraceTestSupport"]),
    ]
)
