import CabinDBus
import CabinTestKit
import Foundation
import IntentUnderstanding
import Logging
import Testing
import VoiceIntent

/// The voice service on a private bus, grammar stage only (the encoder has its own tests), called
/// by Cabin's client and by `busctl`.
@Suite("Voice intent service on a private bus", .timeLimit(.minutes(2)))
struct VoiceServiceTests {
  let bus: PrivateBus
  let server: DBusConnection
  let client: DBusConnection

  init() async throws {
    bus = try PrivateBus()
    server = try bus.connect()
    client = try bus.connect()
    let engine = try VoiceEngine(
      configuration: .init(intentsDirectory: PrivateBus.packageRoot.appendingPathComponent("Config/intents")))
    let service = VoiceService(engine: engine, logger: Logger(label: "test.voice"))
    for object in service.definition.objects { try server.export(object.interfaces, at: object.path) }
    _ = try await server.requestName(VoiceService.busName)
  }

  func understand(_ text: String, seat: String = "driver", dialogue: String = "") async throws -> [DBusValue]
  {
    let reply = try await client.call(
      destination: VoiceService.busName, path: VoiceService.path, interface: VoiceService.interfaceName,
      member: "Understand", [.string(text), .string(seat), .string(dialogue)])
    guard case .array(_, let intents)? = reply.first else { return [] }
    return intents
  }

  func name(_ intent: DBusValue) -> String? {
    guard case .structure(let fields) = intent, case .string(let name) = fields[0] else { return nil }
    return name
  }

  func zone(_ intent: DBusValue) -> String? {
    guard case .structure(let fields) = intent, case .string(let zone) = fields[2] else { return nil }
    return zone
  }

  @Test func severalIntentsInOneUtteranceWithTheSpeakersZone() async throws {
    let intents = try await understand("turn on the AC and play some jazz", seat: "passenger")
    #expect(intents.compactMap(name) == ["climate.ac", "media.play"])
    #expect(zone(intents[0]) == "passenger")
  }

  @Test func temperatureSlotIsTypedOverTheBus() async throws {
    let intents = try await understand("set the temperature to twenty one and a half degrees")
    guard case .structure(let fields)? = intents.first, case .dictionary(_, _, let slots) = fields[3] else {
      Issue.record("no slots in \(intents)")
      return
    }
    let temperature = slots.first { $0.key == .string("temperature") }?.value
    #expect(
      temperature
        == .structure([.string("temperature"), .variant(.structure([.double(21.5), .string("celsius")]))]))
  }

  @Test func dialogueContextCarriesOverAndCanBeEnded() async throws {
    _ = try await understand("set it to 22", seat: "driver", dialogue: "d1")
    let followUp = try await understand("and the passenger side too", seat: "driver", dialogue: "d1")
    #expect(followUp.compactMap(name) == ["climate.set_temperature"])
    #expect(zone(followUp[0]) == "passenger")
    _ = try await client.call(
      destination: VoiceService.busName, path: VoiceService.path, interface: VoiceService.interfaceName,
      member: "EndDialogue", [.string("d1")])
    let alone = try await understand("and the passenger side too", seat: "driver", dialogue: "d1")
    #expect(alone.compactMap(name) != ["climate.set_temperature"])
  }

  @Test func recognisedIntentsAreSignalled() async throws {
    var signals = try await client.signals(
      matching: DBusMatchRule(
        sender: VoiceService.busName, path: VoiceService.path, member: "IntentsRecognized")
    )
    .makeAsyncIterator()
    _ = try await understand("I'm freezing", seat: "rear_left")
    let message = await signals.next()
    #expect(
      message?.body.prefix(4) == [.string("I'm freezing"), .double(1), .string("rear_left"), .string("")])
  }

  @Test func badInputGetsVersionedErrorNames() async throws {
    do {
      _ = try await understand("hello", seat: "roof")
      Issue.record("an unknown seat must be refused")
    } catch let error as DBusError {
      #expect(error.name.rawValue == "org.cabin.Voice1.Error.InvalidSeat")
    }
    do {
      _ = try await understand("   ")
      Issue.record("empty text must be refused")
    } catch let error as DBusError {
      #expect(error.name.rawValue == "org.cabin.Voice1.Error.InvalidText")
    }
    #expect(try await understand("turn on the AC").compactMap(name) == ["climate.ac"])
  }

  @Test func busctlCallsUnderstandAndParsesTheReply() async throws {
    let result = try await ExternalTool.run(
      "/usr/bin/busctl",
      [
        "--address=\(bus.address)", "--json=short", "call", "org.cabin.Voice1", "/org/cabin/Voice",
        "org.cabin.Voice1",
        "Understand", "sss", "turn off the AC", "driver", "",
      ])
    #expect(result.status == 0, "\(result.error)")
    #expect(result.output.contains("\"climate.ac\""))
    #expect(result.output.contains("\"off\""))
  }

  @Test func committedInterfaceXMLMatchesTheService() throws {
    let committed = try String(
      contentsOf: PrivateBus.packageRoot.appendingPathComponent(
        "Config/dbus/interfaces/org.cabin.Voice1.xml"),
      encoding: .utf8)
    let engine = try VoiceEngine(
      configuration: .init(intentsDirectory: PrivateBus.packageRoot.appendingPathComponent("Config/intents")))
    let current = VoiceService(engine: engine, logger: Logger(label: "test.voice")).definition.interfaceXML
    #expect(
      committed == current,
      "regenerate with: .build/debug/cabin-voice --print-introspection > Config/dbus/interfaces/org.cabin.Voice1.xml"
    )
  }
}

/// The `cabin-voice` executable's start-up.
@Suite(.timeLimit(.minutes(1))) struct VoiceExecutableTests {
  /// `cabin-voice` reads `speech.json` from its Config directory; a setting it cannot use stops it
  /// before it connects to the bus, with the file, the key and the reason.
  @Test func aBrokenSpeechSettingStopsTheServiceWithTheKeyAndReason() async throws {
    let config = FileManager.default.temporaryDirectory.appendingPathComponent("cabin-config-\(UUID())")
    try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: config) }
    try FileManager.default.copyItem(
      at: PrivateBus.packageRoot.appendingPathComponent("Config/intents"),
      to: config.appendingPathComponent("intents"))
    let settings = config.appendingPathComponent("speech.json")
    try #"{"commandRejection": {"pathFloor": 0.5}}"#.write(to: settings, atomically: true, encoding: .utf8)
    let result = try await ExternalTool.run(
      ExternalTool.built("cabin-voice"),
      ["--config-dir", config.path, "--grammar-only", "--bus", "unix:path=/nonexistent"])
    #expect(result.status != 0)
    #expect(
      result.error.contains("\(settings.path): commandRejection.pathFloor: must be below 0 (got 0.5)"),
      "\(result.error)")
  }
}
