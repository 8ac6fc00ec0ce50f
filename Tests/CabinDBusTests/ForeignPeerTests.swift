import CabinDBus
import CabinService
import CabinTestKit
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// python3-dbus (libdbus marshalling, python-side types) as a second client of our service, and
/// as a service that our client calls.
@Suite("A foreign peer: python3-dbus", .timeLimit(.minutes(1)))
struct ForeignPeerTests {
  @Test func pythonEchoCallsRoundTripEveryType() async throws {
    let fixture = try await BusFixture()
    let lines = try await Peers.client(fixture.bus.address, TestObject.name, TestObject.path, "echo")
    let names = lines.compactMap { $0.split(separator: "\t").first.map(String.init) }
    #expect(
      Set(names).isSuperset(of: [
        "y", "b", "n", "q", "i", "u", "x", "t", "d", "s", "o", "g", "ay", "a{sv}", "av", "deep", "vvv",
      ]))
    for line in lines {
      let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
      try #require(columns.count == 3, "malformed line: \(line)")
      #expect(columns[1] == columns[2], "\(columns[0]) changed on the way through Echo")
    }
  }

  /// Our decoder, checked against python's encoder: the recorder renders what it received in
  /// the canonical form, which must equal python's rendering of what it sent.
  @Test func whatPythonSendsIsWhatCabinDecodes() async throws {
    let fixture = try await BusFixture()
    let received = Mutex<[DBusValue]>([])
    let recorder = DBusInterface(
      TestObject.interfaceName,
      methods: [
        .immediate("Echo", in: [.init("value", .variant)], out: [.init("value", .variant)]) { call in
          received.withLock { $0.append(contentsOf: call.arguments) }
          return call.arguments
        }
      ])
    try fixture.server.export([recorder], at: "/org/cabin/Recorder")
    let lines = try await Peers.client(fixture.bus.address, TestObject.name, "/org/cabin/Recorder", "echo")
    let decoded = received.withLock { $0 }.map(canonical)
    let sent = lines.map { String($0.split(separator: "\t", omittingEmptySubsequences: false)[1]) }
    try #require(decoded.count == sent.count)
    for (ours, theirs) in zip(decoded, sent) { #expect(ours == theirs) }
  }

  @Test func aPipeFromPythonComesBackAsTheSamePipe() async throws {
    let fixture = try await BusFixture()
    #expect(fixture.server.canPassFileDescriptors)
    let lines = try await Peers.client(fixture.bus.address, TestObject.name, TestObject.path, "fd")
    #expect(lines == ["fd ok"])
  }

  @Test func aPipeFromCabinComesBackAsTheSamePipe() async throws {
    let fixture = try await BusFixture()
    var ends: [Int32] = [-1, -1]
    try #require(pipe(&ends) == 0)
    let readEnd = DBusFileDescriptor(adopting: ends[0])
    let writeEnd = DBusFileDescriptor(adopting: ends[1])
    let reply = try await fixture.call("Echo", [.variant(.unixFD(writeEnd))])
    guard case .variant(.unixFD(let returned))? = reply.first else {
      Issue.record("Echo returned \(reply)")
      return
    }
    #expect(returned.rawValue != writeEnd.rawValue)
    let message = Array("over the bus".utf8)
    #expect(write(returned.rawValue, message, message.count) == message.count)
    var buffer = [UInt8](repeating: 0, count: 64)
    let count = read(readEnd.rawValue, &buffer, buffer.count)
    #expect(Array(buffer.prefix(max(count, 0))) == message)
  }

  @Test func cabinCallsAPythonServiceWithEveryType() async throws {
    let fixture = try await BusFixture()
    // ChildProcess, not Process: Process passes on the test runner's blocked SIGTERM.
    let service = try ChildProcess(
      executable: Peers.python,
      arguments: [Peers.directory.appendingPathComponent("echo_service.py").path, fixture.bus.address],
      environment: ProcessInfo.processInfo.environment, standardOutput: .null)
    defer {
      service.send(SIGTERM)
      service.waitBlocking()
    }
    let peer: BusName = "org.cabin.PyPeer1"
    let deadline = ContinuousClock.now + .seconds(20)
    while try await fixture.client.nameOwner(peer) == nil {
      try #require(ContinuousClock.now < deadline, "the python service never owned \(peer)")
      try await Task.sleep(for: .milliseconds(50))
    }
    let values: [DBusValue] = [
      .byte(0), .byte(255), .boolean(true), .int16(.min), .uint16(.max), .int32(.min), .uint32(.max),
      .int64(.min), .uint64(.max), .double(-0.0), .double(.greatestFiniteMagnitude),
      .double(.leastNonzeroMagnitude),
      .string(""), .string("grüße ✓ \"q\" \\ 🚗"), .objectPath("/"), .objectPath("/org/cabin/x_1"),
      .signature(""),
      .signature("a{sv}(iu)av"),
      .array(.byte, (0...255).map { .byte(UInt8($0)) }), .array(.string, []),
      .array(.array(.int32), [.array(.int32, [.int32(1), .int32(-1)]), .array(.int32, [])]),
      .dictionary(
        key: .string, value: .variant,
        [
          DBusDictEntry(.string("one"), .variant(.int32(1))),
          DBusDictEntry(.string("nested"), .variant(.variant(.variant(.uint16(7))))),
        ]),
      .dictionary(
        key: .int64, value: .structure([.string, .double]),
        [DBusDictEntry(.int64(-5), .structure([.string("p"), .double(2.5)]))]),
      .structure([.byte(1), .structure([.boolean(false), .structure([.int64(9)])])]),
      .array(.variant, [.variant(.int32(1)), .variant(.string("s")), .variant(.array(.byte, [.byte(3)]))]),
    ]
    for value in values {
      let echoed = try await fixture.client.call(
        destination: peer, path: "/org/cabin/PyPeer", interface: "org.cabin.PyPeer1", member: "Echo",
        [.variant(value)])
      #expect(echoed == [.variant(value)], "python echoed \(value) as \(echoed)")
      let described = try await fixture.client.call(
        destination: peer, path: "/org/cabin/PyPeer", interface: "org.cabin.PyPeer1", member: "Describe",
        [.variant(value)])
      #expect(described == [.string(canonical(.variant(value)))])
    }
  }
}
