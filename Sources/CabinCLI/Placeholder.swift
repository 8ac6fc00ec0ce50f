/// Namespace for the CabinCLI module; replaced as the module is written.
public enum CabinCLIModule {}
