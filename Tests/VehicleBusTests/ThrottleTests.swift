import Foundation
import Testing
import VehicleBus
import VehicleSignals

@Suite("Signal throttle")
struct ThrottleTests {
  static func change(_ path: String, _ value: Double) -> SignalChange {
    SignalChange(
      path: path,
      reading: SignalReading(value: .double(value), status: .available, timestamp: Date(), source: "test"))
  }

  @Test("a signal changed at 1 kHz goes out at most at its rate, and its last value is delivered")
  func limitsRateAndKeepsLatest() {
    var throttle = SignalThrottle(configuration: ThrottleConfiguration(defaultRate: 10, rates: [:]))
    var sent: [(time: Double, value: Double)] = []
    for step in 0..<1000 {
      let now = Double(step) / 1000
      for change in throttle.offer([Self.change("Vehicle.Cabin.Test", Double(step))], now: now) {
        sent.append((now, change.reading.value?.numericValue ?? -1))
      }
      for change in throttle.takeDue(now: now) {
        sent.append((now, change.reading.value?.numericValue ?? -1))
      }
    }
    let deadline = throttle.nextDeadline ?? 1
    for change in throttle.takeDue(now: deadline) {
      sent.append((deadline, change.reading.value?.numericValue ?? -1))
    }
    #expect(sent.count <= 11)
    for (earlier, later) in zip(sent, sent.dropFirst()) { #expect(later.time - earlier.time >= 0.1 - 1e-9) }
    #expect(sent.last?.value == 999)
    #expect(throttle.nextDeadline == nil)
  }

  @Test("Vehicle.Speed has its own 100 Hz limit by default")
  func speedOverride() {
    let configuration = ThrottleConfiguration()
    #expect(configuration.minimumInterval(for: "Vehicle.Speed") == 0.01)
    #expect(configuration.minimumInterval(for: "Vehicle.Cabin.Lights.IsDomeOn") == 0.1)
  }
}
