/// Namespace for the CabinTestKit module; replaced as the module is written.
public enum CabinTestKitModule {}
