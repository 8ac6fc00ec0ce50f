// swift-tools-version: 6.2
import PackageDescription

let strict: [SwiftSetting] = [
  .enableUpcomingFeature("ExistentialAny"),
  .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
  name: "Cabin",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "cabin", targets: ["cabin"]),
    .library(name: "CabinDBus", targets: ["CabinDBus"]),
    .library(name: "CabinService", targets: ["CabinService"]),
    .library(name: "CabinTestKit", targets: ["CabinTestKit"]),
    .library(name: "CabinInference", targets: ["CabinInference"]),
    .library(name: "VehicleSignals", targets: ["VehicleSignals"]),
    .library(name: "VehicleSimulation", targets: ["VehicleSimulation"]),
    .library(name: "IntentUnderstanding", targets: ["IntentUnderstanding"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
  ],
  targets: [
    // MARK: D-Bus foundation
    .systemLibrary(
      name: "CDBus",
      pkgConfig: "dbus-1",
      providers: [.apt(["libdbus-1-dev"])]
    ),
    .target(
      name: "CabinDBus",
      dependencies: [
        "CDBus",
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: strict
    ),
    .target(
      name: "CabinService",
      dependencies: [
        "CabinDBus",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ],
      swiftSettings: strict
    ),
    .target(
      name: "CabinTestKit",
      dependencies: ["CabinDBus", "CabinService"],
      swiftSettings: strict
    ),
    .target(
      name: "CabinCLI",
      dependencies: [
        "CabinDBus",
        "CabinService",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "UnixSignals", package: "swift-service-lifecycle"),
      ],
      swiftSettings: strict
    ),
    .executableTarget(
      name: "cabin",
      dependencies: [
        "CabinCLI",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Services/Cabin",
      swiftSettings: strict
    ),
    .testTarget(
      name: "CabinDBusTests",
      dependencies: ["CabinDBus", "CabinService", "CabinTestKit"],
      swiftSettings: strict
    ),

    // MARK: On-device model backend
    .systemLibrary(
      name: "COpenBLAS",
      pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev"])]
    ),
    .target(name: "CInferenceKernels"),
    .target(
      name: "CabinInference",
      dependencies: ["COpenBLAS", "CInferenceKernels"],
      swiftSettings: strict
    ),
    .testTarget(
      name: "CabinInferenceTests",
      dependencies: ["CabinInference", "CInferenceKernels"],
      exclude: ["Fixtures"],
      swiftSettings: strict
    ),
    .executableTarget(
      name: "cabin-bench-encoder",
      dependencies: ["CabinInference"],
      path: "Benchmarks/EncoderBenchmark",
      exclude: ["numpy_reference.py"],
      swiftSettings: strict
    ),

    // MARK: Vehicle signals and the simulator
    .target(
      name: "VehicleSignals",
      swiftSettings: strict
    ),
    .target(
      name: "VehicleSimulation",
      dependencies: [
        "VehicleSignals",
        .product(name: "Yams", package: "Yams"),
      ],
      swiftSettings: strict
    ),
    .testTarget(
      name: "VehicleSignalsTests",
      dependencies: ["VehicleSignals"],
      swiftSettings: strict
    ),
    .testTarget(
      name: "VehicleSimulationTests",
      dependencies: ["VehicleSimulation", "VehicleSignals"],
      swiftSettings: strict
    ),

    // MARK: Voice intent
    .target(
      name: "IntentUnderstanding",
      swiftSettings: strict
    ),
    .testTarget(
      name: "IntentUnderstandingTests",
      dependencies: ["IntentUnderstanding"],
      swiftSettings: strict
    ),
  ]
)
