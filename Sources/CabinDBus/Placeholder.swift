/// Namespace for the module; replaced as it is written.
public enum CabinDBusModule {}
