import ArgumentParser
import CabinDBus
import CabinInference
import CabinService
import Foundation
import Logging
import SpeechRecognition
import VoiceIntent

/// `cabin-voice`: the voice intent service (`org.cabin.Voice1`).
@main
struct VoiceMain: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cabin-voice", abstract: "Cabin's voice intent service (org.cabin.Voice1).")

  @OptionGroup var service: ServiceOptions

  @Option(
    help: "The Config directory (default: $CABIN_CONFIG_DIR, or found next to the checkout or installation).")
  var configDir: String?

  @Option(help: "The sentence encoder's directory (default: $CABIN_MODEL_DIR, or models/all-MiniLM-L6-v2).")
  var modelDir: String?

  @Flag(help: "Use the grammar only, without the sentence encoder.")
  var grammarOnly = false

  @Flag(help: "Run without speech recognition: Recognize and RecognizeFile answer SpeechUnavailable.")
  var noSpeech = false

  func run() async throws {
    CabinLogging.bootstrap(level: service.logLevel)
    let logger = Logger(label: "cabin.voice")
    guard let config = configDir.map({ URL(fileURLWithPath: $0) }) ?? CabinPaths.configDirectory() else {
      throw ValidationError("cannot find Cabin's Config directory: pass --config-dir or set CABIN_CONFIG_DIR")
    }
    let intents = config.appendingPathComponent("intents")
    if service.printIntrospection {
      let engine = try VoiceEngine(configuration: .init(intentsDirectory: intents))
      print(VoiceService(engine: engine, logger: logger).definition.interfaceXML, terminator: "")
      return
    }
    var settings = VoiceEngine.Configuration(intentsDirectory: intents)
    var cache: CachingEmbedder?
    if !grammarOnly {
      let models =
        modelDir.map { URL(fileURLWithPath: $0) }
        ?? CabinPaths.modelDirectory(named: "all-MiniLM-L6-v2", configDirectory: config)
      let encoder = try SentenceEncoder(modelDirectory: models)
      let checksum =
        CabinPaths.manifestChecksum(
          model: "all-MiniLM-L6-v2", file: "model.safetensors", configDirectory: config)
        ?? "unknown"
      // The example sentences are embedded once per model and grammar, then read from the cache.
      cache = CachingEmbedder(
        wrapping: encoder, file: CabinPaths.cacheDirectory().appendingPathComponent("voice-examples.bin"),
        modelIdentity: "all-MiniLM-L6-v2 \(checksum)")
      settings.embedder = cache
      settings.modelVersions["sentence-encoder"] = "all-MiniLM-L6-v2 (sha256 \(checksum.prefix(12)))"
    }
    settings.modelVersions["grammar"] = "cabin-intents-v1"
    // A broken speech.json stops the service: running on silently with other settings than the
    // integrator wrote would hide the mistake.
    let speechFile = config.appendingPathComponent("speech.json")
    let recognizerSettings =
      FileManager.default.fileExists(atPath: speechFile.path)
      ? try SpeechRecognizer.Configuration(contentsOf: speechFile) : SpeechRecognizer.Configuration()
    let started = ContinuousClock.now
    var speech: SpeechEngine?
    if !noSpeech {
      // Without speech the service still understands text, so a missing model is logged, not fatal.
      do {
        let engine = try SpeechEngine(
          configuration: .init(intentsDirectory: intents, recognizer: recognizerSettings))
        settings.modelVersions["speech"] =
          "pocketsphinx 0.8 \(engine.configuration.recognizer.acousticModel.lastPathComponent), "
          + "command grammar cabin-intents-v1"
        speech = engine
      } catch {
        logger.error("speech recognition unavailable", metadata: ["error": "\(error)"])
      }
    }
    let engine = try VoiceEngine(configuration: settings)
    do { try cache?.save() } catch {
      logger.warning("cannot write the embedding cache", metadata: ["error": "\(error)"])
    }
    logger.info(
      "voice engine ready",
      metadata: [
        "startup": "\(ContinuousClock.now - started)", "encoder": "\(!grammarOnly)",
        "speech": "\(speech != nil)",
      ])
    let host = DBusServiceHost(
      definition: VoiceService(engine: engine, speech: speech, logger: logger).definition,
      bus: service.busAddress(environment: ProcessInfo.processInfo.environment), logger: logger)
    try await DBusServiceHost.runUntilSignalled(host, logger: logger)
  }
}
