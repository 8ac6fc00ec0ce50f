public import CabinDBus
import Foundation
public import VehicleSignals

/// A client of `org.cabin.Vehicle1` for other services: read, actuate and describe signals by VSS
/// path, and follow batches of changes.
public struct VehicleClient: Sendable {
  /// The bulk interface's proxy.
  public let proxy: DBusProxy

  /// Creates a client on `connection`; nothing is sent until it is used.
  public init(connection: DBusConnection, destination: BusName = VehicleObjects.busName) {
    proxy = DBusProxy(
      connection: connection, destination: destination, path: VehicleObjects.rootPath,
      interface: VehicleObjects.interfaceName)
  }

  /// The current readings of `paths`, in the same order.
  public func get(_ paths: [String]) async throws -> [SignalChange] {
    let reply = try await proxy.call("Get", [[String](paths).dbusValue])
    guard case .array(_, let items) = reply.first else {
      throw DBusError(.invalidArgs, "Get returned '\(reply.signature)', expected 'a(svsxs)'")
    }
    return try items.map { (item) throws(DBusError) in try VehicleValueMapping.decode(item) }
  }

  /// The current reading of one signal.
  public func get(_ path: String) async throws -> SignalReading {
    guard let change = try await get([path]).first else {
      throw DBusError(.invalidArgs, "Get returned no reading for \(path)")
    }
    return change.reading
  }

  /// Asks an actuator for a target value; throws `org.cabin.Vehicle1.Error.*` on a bad request.
  public func actuate(_ path: String, to value: SignalValue) async throws {
    let content = VehicleValueMapping.variantContent(value, as: .string)
    _ = try await proxy.call("Actuate", [.string(path), .variant(content)])
  }

  /// The catalog entry of a signal.
  public func metadata(_ path: String) async throws -> SignalMetadata {
    let reply = try await proxy.call("Metadata", [.string(path)])
    return try SignalMetadata(dbusValue: reply.first ?? .array(.string, []))
  }

  /// Batches of changes at or below `prefix` (every signal when `nil`), one per `SignalsChanged`
  /// that holds any; the subscription is made before this returns.
  public func changes(under prefix: String? = nil) async throws -> some AsyncSequence<SignalBatch, Never>
    & Sendable
  {
    let messages = try await proxy.signals("SignalsChanged")
    return messages.compactMap { message -> SignalBatch? in
      guard case .array(_, let items) = message.body.first else { return nil }
      let changes = items.compactMap { try? VehicleValueMapping.decode($0) }.filter { change in
        prefix.map { SignalPath.isPath(change.path, within: $0) } ?? true
      }
      return changes.isEmpty ? nil : SignalBatch(time: Date(), changes: changes)
    }
  }
}
