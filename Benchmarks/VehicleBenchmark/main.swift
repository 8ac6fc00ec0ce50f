import ArgumentParser
import CabinDBus
import CabinTestKit
import Foundation
import Logging
import VehicleBus
import VehicleSignals

// Updates per second and change-to-receipt latency of batched SignalsChanged through dbus-daemon,
// against a plain CabinDBus emitter sending the same batches (no store, throttle or mapping).

/// The command line (no options); the rest of this file is the benchmark.
struct CabinBenchVehicle: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cabin-bench-vehicle",
    abstract:
      "Batched SignalsChanged through dbus-daemon: updates/s and latency, against a plain CabinDBus emitter.")
}

_ = CabinBenchVehicle.parseOrExit()

let clock = ContinuousClock()
let origin = clock.now
func microsecondsNow() -> Double { (clock.now - origin) / .microseconds(1) }

struct Result {
  var updatesPerSecond: Double
  var p50: Double
  var p99: Double
}

/// Sends `batches` batches of `batchSize` updates, paced to `offered` updates/s (`nil`: flat out),
/// and measures what a subscriber on another connection receives.
func measure(
  bus: PrivateBus, batchSize: Int, batches: Int, offered: Double?,
  send: @escaping @Sendable (_ batch: Int) throws -> Void
) async throws -> Result {
  let subscriber = try bus.connect()
  defer { subscriber.close() }
  let stream = try await subscriber.signals(
    matching: DBusMatchRule(
      path: VehicleObjects.rootPath, interface: VehicleObjects.interfaceName, member: "SignalsChanged"),
    bufferLimit: 1 << 20)
  let expected = batchSize * batches
  let receiver = Task {
    var latencies: [Double] = []
    latencies.reserveCapacity(expected)
    for await message in stream {
      let now = microsecondsNow()
      guard case .array(_, let items) = message.body.first else { continue }
      for item in items {
        if case .structure(let fields) = item, case .variant(.double(let sent)) = fields[1] {
          latencies.append(now - sent)
        }
      }
      if latencies.count >= expected { break }
    }
    return (latencies, microsecondsNow())
  }
  try await Task.sleep(for: .milliseconds(200))
  let start = microsecondsNow()
  for batch in 0..<batches {
    try send(batch)
    if let offered {
      let due = start + Double((batch + 1) * batchSize) / offered * 1_000_000
      let wait = due - microsecondsNow()
      if wait > 0 { try await Task.sleep(for: .microseconds(wait)) }
    }
  }
  let timeout = Task {
    try await Task.sleep(for: .seconds(10))
    receiver.cancel()
  }
  let (latencies, end) = await receiver.value
  timeout.cancel()
  let sorted = latencies.sorted()
  func percentile(_ p: Double) -> Double {
    sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
  }
  return Result(
    updatesPerSecond: Double(latencies.count) / ((end - start) / 1_000_000), p50: percentile(0.5),
    p99: percentile(0.99))
}

let bus = try PrivateBus()
let catalog = try SignalCatalog.project(
  directory: PrivateBus.packageRoot.appendingPathComponent("Config/vss"))
let paths = catalog.signals.values.filter { $0.dataType == .float && $0.min == nil && $0.max == nil }.map(
  \.path
)
.sorted()
let batchSize = min(50, paths.count)
var logger = Logger(label: "bench")
logger.logLevel = .error

// The service path: store -> throttle (rates high enough not to hold anything back) -> mapping -> bus.
let store = SignalStore(catalog: catalog, freshness: FreshnessPolicy(sensorBound: nil, actuatorBound: nil))
let objects = try VehicleObjects(
  store: store, throttle: ThrottleConfiguration(defaultRate: 1e9, rates: [:]), logger: logger)
let server = try bus.connect()
for object in objects.objects { try server.export(object.interfaces, at: object.path) }
_ = store.subscribe { objects.forward($0) }
let viaService: @Sendable (Int) throws -> Void = { _ in
  let now = microsecondsNow()
  try store.publish(
    paths.prefix(batchSize).enumerated().map {
      SignalUpdate(path: $0.element, value: .double(now + Double($0.offset) * 1e-6), timestamp: Date())
    }, source: "bench", now: Date())
}

// The baseline: the same batches emitted as raw signals by a plain connection.
let emitter = try bus.connect()
let viaRaw: @Sendable (Int) throws -> Void = { _ in
  let now = microsecondsNow()
  let items: [DBusValue] = paths.prefix(batchSize).map {
    .structure([.string($0), .variant(.double(now)), .string("available"), .int64(0), .string("bench")])
  }
  try emitter.emit(
    path: VehicleObjects.rootPath, interface: VehicleObjects.interfaceName, member: "SignalsChanged",
    [.array(VehicleValueMapping.readingType, items)])
}

func report(_ label: String, _ service: Result, _ raw: Result) {
  func f(_ v: Double) -> String { String(format: "%.0f", v) }
  print(
    "\(label): service \(f(service.updatesPerSecond)) updates/s p50 \(f(service.p50)) µs p99 \(f(service.p99)) µs | raw \(f(raw.updatesPerSecond)) updates/s p50 \(f(raw.p50)) µs p99 \(f(raw.p99)) µs | throughput ratio service/raw \(String(format: "%.2f", service.updatesPerSecond / raw.updatesPerSecond))"
  )
}

print("batch size \(batchSize) signals; 2-core machine; through dbus-daemon")
let paced = (
  try await measure(bus: bus, batchSize: batchSize, batches: 60, offered: 1000, send: viaService),
  try await measure(bus: bus, batchSize: batchSize, batches: 60, offered: 1000, send: viaRaw)
)
report("1,000 updates/s offered", paced.0, paced.1)
let flat = (
  try await measure(bus: bus, batchSize: batchSize, batches: 4000, offered: nil, send: viaService),
  try await measure(bus: bus, batchSize: batchSize, batches: 4000, offered: nil, send: viaRaw)
)
report("flat out", flat.0, flat.1)
print(
  "targets: >= 50,000 updates/s batched (got \(String(format: "%.0f", flat.0.updatesPerSecond))); p99 < 5,000 µs at 1,000 updates/s (got \(String(format: "%.0f", paced.0.p99)) µs); anchor KUKSA databroker ~84,000 updates/s, p99 1.2 ms over gRPC"
)
server.close()
emitter.close()
bus.stop()
