import CabinDBus
import CabinTestKit
import Foundation
import Logging
import Testing
import VoiceIntent

/// The committed system-bus policy for `org.cabin.Voice1` and the service's own check on
/// `RecognizeFile`, exercised by a client running as another user (`nobody`, through `setpriv`).
@Suite("Voice service under the system-bus policy", .timeLimit(.minutes(1)))
struct VoicePolicyTests {
  private static let script =
    ExternalTool.busProbe + """
      voice = dbus.Interface(bus.get_object("org.cabin.Voice1", "/org/cabin/Voice"), "org.cabin.Voice1")
      attempt("Understand", lambda: voice.Understand("open the sunroof", "driver", ""))
      attempt("RecognizeFile", lambda: voice.RecognizeFile("/etc/shadow", "driver", ""))
      attempt("SetContacts", lambda: voice.SetContacts(dbus.Array([], signature="(sas)")))
      """

  @Test func anotherUserMayAskButNeitherNameFilesNorReplaceContacts() async throws {
    let bus = try PrivateBus(systemPolicies: PrivateBus.committedSystemPolicies)
    defer { bus.stop() }
    let server = try bus.connect()
    defer { server.close() }
    let engine = try VoiceEngine(
      configuration: .init(intentsDirectory: PrivateBus.packageRoot.appendingPathComponent("Config/intents")))
    let service = VoiceService(engine: engine, logger: Logger(label: "test.voice"))
    for object in service.definition.objects { try server.export(object.interfaces, at: object.path) }
    #expect(try await server.requestName(VoiceService.busName) == .primaryOwner)

    let nobody = try await ExternalTool.python(Self.script, [bus.address], asNobody: true)
    #expect(nobody.status == 0, "\(nobody.error)")
    #expect(
      nobody.output.split(separator: "\n") == [
        "Understand ok", "RecognizeFile org.cabin.Voice1.Error.AccessDenied",
        "SetContacts org.freedesktop.DBus.Error.AccessDenied",
      ])

    // The service's own user passes the file check (this service has no speech engine).
    let owner = try await ExternalTool.python(Self.script, [bus.address])
    #expect(
      owner.output.contains("RecognizeFile org.cabin.Voice1.Error.SpeechUnavailable"), "\(owner.output)")
    #expect(owner.output.contains("SetContacts ok"), "\(owner.output)")
  }
}
