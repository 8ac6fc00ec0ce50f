/// Namespace for the CabinInference module; replaced as the module is written.
public enum CabinInferenceModule {}
