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
    .executable(name: "cabin-voice", targets: ["cabin-voice"]),
    .executable(name: "cabin-bench-encoder", targets: ["cabin-bench-encoder"]),
    .executable(name: "cabin-bench-intents", targets: ["cabin-bench-intents"]),
    .library(name: "CabinDBus", targets: ["CabinDBus"]),
    .library(name: "CabinService", targets: ["CabinService"]),
    .library(name: "CabinTestKit", targets: ["CabinTestKit"]),
    .library(name: "CabinInference", targets: ["CabinInference"]),
    .library(name: "VehicleSignals", targets: ["VehicleSignals"]),
    .library(name: "VehicleSimulation", targets: ["VehicleSimulation"]),
    .library(name: "VehicleBus", targets: ["VehicleBus"]),
    .executable(name: "cabin-sim", targets: ["cabin-sim"]),
    .library(name: "IntentUnderstanding", targets: ["IntentUnderstanding"]),
    .library(name: "SpeechRecognition", targets: ["SpeechRecognition"]),
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
        "CabinInference",
        "IntentUnderstanding",
        "VehicleBus",
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
      name: "CabinTestKitTests",
      dependencies: ["CabinTestKit", "CabinService"],
      swiftSettings: strict
    ),
    .testTarget(
      name: "CabinCLITests",
      dependencies: ["CabinTestKit", "CabinDBus"],
      swiftSettings: strict
    ),
    .testTarget(
      name: "CabinDBusTests",
      dependencies: ["CabinDBus", "CabinService", "CabinTestKit"],
      exclude: ["Peers"],
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
      dependencies: ["CabinInference", "CInferenceKernels", "CabinTestKit"],
      exclude: ["Fixtures"],
      swiftSettings: strict
    ),
    .executableTarget(
      name: "cabin-bench-encoder",
      dependencies: [
        "CabinInference", "CabinTestKit",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
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
    .target(
      name: "VehicleBus",
      dependencies: [
        "CabinDBus",
        "CabinService",
        "VehicleSignals",
        "VehicleSimulation",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ],
      swiftSettings: strict
    ),
    .executableTarget(
      name: "cabin-sim",
      dependencies: [
        "VehicleBus",
        "CabinService",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Simulator",
      swiftSettings: strict
    ),
    .executableTarget(
      name: "cabin-bench-vehicle",
      dependencies: [
        "VehicleBus", "CabinDBus", "CabinTestKit", "VehicleSignals",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
      ],
      path: "Benchmarks/VehicleBenchmark",
      swiftSettings: strict
    ),
    .testTarget(
      name: "VehicleBusTests",
      dependencies: [
        "VehicleBus", "CabinTestKit", "CabinDBus", "VehicleSignals", "VehicleSimulation",
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: strict
    ),

    // MARK: Voice intent
    .target(
      name: "IntentUnderstanding",
      dependencies: ["CabinInference", "COpenBLAS"],
      swiftSettings: strict
    ),
    .target(
      name: "VoiceIntent",
      dependencies: [
        "CabinDBus", "CabinService", "IntentUnderstanding", "CabinInference", "SpeechRecognition",
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: strict
    ),
    .executableTarget(
      name: "cabin-voice",
      dependencies: [
        "VoiceIntent", "SpeechRecognition", "CabinService", "CabinInference",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
      ],
      path: "Services/VoiceIntent",
      swiftSettings: strict
    ),
    .testTarget(
      name: "VoiceIntentTests",
      dependencies: [
        "VoiceIntent", "IntentUnderstanding", "CabinDBus", "CabinService", "CabinTestKit",
        "SpeechRecognition",
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: strict
    ),
    .testTarget(
      name: "IntentUnderstandingTests",
      dependencies: ["IntentUnderstanding", "CabinInference"],
      exclude: ["Fixtures"],
      swiftSettings: strict
    ),
    .systemLibrary(
      name: "CPocketSphinx",
      pkgConfig: "pocketsphinx",
      providers: [.apt(["libpocketsphinx-dev"])]
    ),
    .target(
      name: "SpeechRecognition",
      dependencies: ["CPocketSphinx"],
      swiftSettings: strict
    ),
    .testTarget(
      name: "SpeechRecognitionTests",
      dependencies: ["SpeechRecognition", "IntentUnderstanding", "CabinTestKit"],
      swiftSettings: strict
    ),
    .systemLibrary(name: "CMalloc", path: "Benchmarks/CMalloc"),
    .executableTarget(
      name: "cabin-eval-speech",
      dependencies: [
        "SpeechRecognition", "IntentUnderstanding", "CabinTestKit", "CMalloc",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Benchmarks/SpeechBenchmark",
      exclude: ["Speech"],
      swiftSettings: strict
    ),
    .executableTarget(
      name: "cabin-bench-intents",
      dependencies: [
        "IntentUnderstanding", "CabinInference",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Benchmarks/IntentBenchmark",
      swiftSettings: strict
    ),

    // MARK: Benchmarks
    .executableTarget(
      name: "cabin-bench-dbus-baseline",
      dependencies: ["CDBus"],
      path: "Benchmarks/DBusBaseline"
    ),
    .executableTarget(
      name: "cabin-bench-dbus",
      dependencies: [
        "CabinDBus",
        "CabinService",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Benchmarks/DBusBenchmark",
      swiftSettings: strict
    ),
  ]
)
