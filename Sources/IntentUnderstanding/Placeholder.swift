/// Namespace for the IntentUnderstanding module; replaced as the module is written.
public enum IntentUnderstandingModule {}
