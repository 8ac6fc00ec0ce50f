import CabinDBus
import Foundation
import IntentUnderstanding
import Logging

extension VoiceService {
  static let intentsArgument = DBusArgument("intents", IntentEncoding.intentArrayType)

  static func makeInterface(engine: VoiceEngine, logger: Logger) -> DBusInterface {
    let versions = engine.configuration.modelVersions
    let stage2 = engine.configuration.embedder != nil
    return DBusInterface(
      interfaceName,
      documentation:
        "Voice intent: what the driver says or types, as intents from the Cabin intent catalog v1 with typed slots, a confidence and the speaker's zone.",
      methods: [
        DBusMethod(
          "Understand",
          in: [.init("text", .string), .init("seat", .string), .init("dialogue", .string)],
          out: [intentsArgument],
          documentation:
            "Understands typed or transcribed text. seat: driver, passenger, rear_left, rear_right, rear, all or empty; dialogue: an id whose context (follow-ups like 'and the passenger side too') is kept for a minute, or empty. Each intent is (name, confidence, zone, slots {name: (type, value)}, stage); out of scope is the single intent 'none'."
        ) { call in
          let (text, seat, dialogue) = try call.decode(String.self, String.self, String.self)
          let understanding = try engine.understand(text, seat: seat, dialogue: dialogue)
          let encoded = IntentEncoding.encode(understanding.intents)
          try call.connection.emit(
            path: path, interface: interfaceName, member: "IntentsRecognized",
            [.string(understanding.text), .string(seat), .string(dialogue), encoded])
          logger.debug(
            "understood",
            metadata: ["intent.names": "\(understanding.intents.map(\.name))", "voice.seat": "\(seat)"])
          return [encoded]
        },
        .immediate(
          "EndDialogue", in: [.init("dialogue", .string)],
          documentation: "Forgets a dialogue's context."
        ) { call in
          engine.endDialogue(try call.argument(0, as: String.self))
          return []
        },
        DBusMethod(
          "SetContacts", in: [.init("contacts", .array(.structure([.string, .array(.string)])))],
          documentation:
            "Replaces the contact list the contact slot recognises: (display name, spoken aliases)."
        ) { call in
          guard case .array(_, let items) = call.arguments[0] else { return [] }
          var contacts: [Contact] = []
          for item in items {
            guard case .structure(let fields) = item, fields.count == 2 else { continue }
            let name = try String(dbusValue: fields[0])
            guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
              throw VoiceError.invalidContacts("a contact has an empty name")
            }
            contacts.append(Contact(name: name, aliases: try [String](dbusValue: fields[1])))
          }
          try engine.setContacts(contacts)
          return []
        },
      ],
      properties: [
        DBusProperty(
          "State", .string, value: .string("idle"),
          documentation: "idle, listening or processing."),
        DBusProperty(
          "Language", .string, change: .const, value: .string("en-US"),
          documentation: "The language understood, as a BCP 47 tag."),
        DBusProperty(
          "ModelVersions", .dictionary(key: .string, value: .string), change: .const,
          value: versions.dbusValue,
          documentation: "The models in use and their versions."),
        DBusProperty(
          "EncoderStage", .boolean, change: .const, value: .boolean(stage2),
          documentation:
            "Whether the sentence-encoder stage backs up the grammar; without it, sentences the grammar does not match are 'none'."
        ),
      ],
      signals: [
        DBusSignalDescription(
          "IntentsRecognized",
          [.init("text", .string), .init("seat", .string), .init("dialogue", .string), intentsArgument],
          documentation: "Sent for every understood utterance, typed or spoken.")
      ])
  }
}
