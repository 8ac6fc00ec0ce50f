/// Namespace for the CabinService module; replaced as the module is written.
public enum CabinServiceModule {}
