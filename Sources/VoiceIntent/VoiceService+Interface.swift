import CabinDBus
import Foundation
import IntentUnderstanding
import Logging

extension VoiceService {
  static let intentsArgument = DBusArgument("intents", IntentEncoding.intentArrayType)

  static let recognitionOutputs = [
    DBusArgument("transcript", .string), DBusArgument("confidence", .double), intentsArgument,
  ]

  static func makeInterface(recognition: Recognition, fileCallers: Set<UInt32>) -> DBusInterface {
    let engine = recognition.engine
    let logger = recognition.logger
    let versions = engine.configuration.modelVersions
    let stage2 = engine.configuration.embedder != nil
    let limits = AudioLimits()
    let listening = Listening(recognition: recognition)
    let bounds =
      "by default at most \(Int(limits.maximumDuration)) s of audio and \(limits.maximumConcurrent) recognitions at once"
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
          recognition.emit(
            "IntentsRecognized",
            [.string(understanding.text), .double(1), .string(seat), .string(dialogue), encoded])
          logger.debug(
            "understood",
            metadata: ["intent.names": "\(understanding.intents.map(\.name))", "voice.seat": "\(seat)"])
          return [encoded]
        },
        DBusMethod(
          "RecognizeFile",
          in: [.init("path", .string), .init("seat", .string), .init("dialogue", .string)],
          out: recognitionOutputs,
          documentation:
            "Recognises speech in a WAV file that the service opens itself, with its own rights, so only for callers running as root or as the service's user (others get AccessDenied and pass a descriptor to Recognize): an absolute path to 16 kHz mono 16-bit PCM (\(bounds)). seat and dialogue as for Understand. Returns the transcript (empty, with no intents, when nothing was recognised), the recogniser's confidence (0 to 1: for a command, its estimate that the transcript is the command that was said; for free text, the posterior of the language model's lattice) and the transcript's intents as Understand returns them. Sends WakeWordDetected for each 'hey cabin' spotted (the command is then the audio after the first), IntentsRecognized for a non-empty transcript, and RecognitionFailed when it fails. Errors: UnsupportedAudioFormat (another rate, channel count, sample size or encoding, or not WAV), InvalidAudio (damaged), EmptyAudio, CannotReadAudio, AudioTooLong, Busy, InvalidSeat, SpeechUnavailable, AccessDenied."
        ) { call in
          let (path, seat, dialogue) = try call.decode(String.self, String.self, String.self)
          let caller = try await call.credentials().userID
          guard let caller, fileCallers.contains(caller) else {
            throw VoiceError.accessDenied(
              "user \(caller.map(String.init) ?? "unknown") may not have the service open files; open the file and pass its descriptor to Recognize"
            )
          }
          return try await recognition.recognize(.path(path), seat: seat, dialogue: dialogue)
        },
        DBusMethod(
          "Recognize",
          in: [.init("audio", .unixFD), .init("seat", .string), .init("dialogue", .string)],
          out: recognitionOutputs,
          documentation:
            "Recognises speech read from a file descriptor until end of file, without holding the bus: a WAV stream (it starts with RIFF; 16 kHz mono 16-bit PCM; a data length its writer could not know, as sox or arecord leave when writing into a pipe, is read to the end of the stream) or raw 16 kHz mono 16-bit little-endian PCM. Close the writing end when the audio is complete: the stream must end within \(limits.streamTimeout.components.seconds) s of the call (\(bounds)), else Timeout; call with a reply timeout longer than that when streaming live audio. Otherwise as RecognizeFile; Ogg, FLAC, MP3 and AIFF streams get UnsupportedAudioFormat."
        ) { call in
          let (audio, seat, dialogue) = try call.decode(DBusFileDescriptor.self, String.self, String.self)
          return try await recognition.recognize(.stream(audio), seat: seat, dialogue: dialogue)
        },
        .immediate(
          "StartListening",
          in: [.init("audio", .unixFD), .init("seat", .string), .init("dialogue", .string)],
          out: [.init("session", .string)],
          documentation:
            "Listens to a live stream, such as a microphone's, until it ends or StopListening is called: 16 kHz mono 16-bit PCM, raw little-endian or after a WAV header, with no limit on its length. Returns the session's id at once. The stream is split into utterances at pauses of 0.8 s; each 'hey cabin' that opens a turn (starting its utterance, or within 2.5 s of a pause of a tenth of a second) goes out in WakeWordDetected when its utterance ends, with its offset from the start of the stream, and its command (the rest of the utterance, or the next one if it starts within 3 s and does not say the phrase again) is recognised as Recognize does, its intents going out in IntentsRecognized with this seat and dialogue. A command that cannot be understood goes out in RecognitionFailed and listening goes on; a stream in the wrong format, or one that ends inside its header or a sample, ends the session. ListeningEnded says when and why the session ended. A seat has one session at a time. Errors: Busy (the seat already has one), InvalidSeat, SpeechUnavailable."
        ) { call in
          let (audio, seat, dialogue) = try call.decode(DBusFileDescriptor.self, String.self, String.self)
          return [.string(try listening.start(audio, seat: seat, dialogue: dialogue))]
        },
        .immediate(
          "StopListening", in: [.init("session", .string)],
          documentation:
            "Stops a listening session within a fraction of a second; a command not yet ended is dropped. ListeningEnded follows. Errors: UnknownSession (no session has the id, or it has ended)."
        ) { call in
          try listening.stop(try call.argument(0, as: String.self))
          return []
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
          try await recognition.speech?.setContacts(contacts)
          return []
        },
      ],
      properties: [
        DBusProperty(
          "State", .string, value: .string("idle"),
          documentation:
            "idle; listening while audio for Recognize or RecognizeFile is read or a listening session is open; processing while speech is recognised and understood."
        ),
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
          [
            .init("text", .string), .init("confidence", .double), .init("seat", .string),
            .init("dialogue", .string), intentsArgument,
          ],
          documentation:
            "Sent for every understood utterance, typed or spoken: the text or transcript, the recogniser's confidence as Recognize returns it (1 for typed text), the speaker's seat, the dialogue and the intents."
        ),
        DBusSignalDescription(
          "WakeWordDetected", [.init("seat", .string), .init("offset", .double)],
          documentation:
            "The wake phrase 'hey cabin' was spotted in audio given to Recognize or RecognizeFile, or in a listening session's stream: the speaker's seat and where the phrase starts, in seconds from the start of the audio or stream."
        ),
        DBusSignalDescription(
          "RecognitionFailed",
          [
            .init("seat", .string), .init("dialogue", .string), .init("error", .string),
            .init("message", .string),
          ],
          documentation:
            "A Recognize or RecognizeFile call failed, or a listening session's command could not be understood: the speaker's seat, the dialogue, and the D-Bus error name and message (those the caller received, for a call)."
        ),
        DBusSignalDescription(
          "ListeningEnded",
          [
            .init("session", .string), .init("seat", .string), .init("error", .string),
            .init("message", .string),
          ],
          documentation:
            "A listening session ended: its id and seat, and an empty error when its stream ended or StopListening was called, else the D-Bus error name of what ended it (UnsupportedAudioFormat, InvalidAudio, CannotReadAudio, SpeechUnavailable); the message says which, and after how much audio."
        ),
      ])
  }
}
