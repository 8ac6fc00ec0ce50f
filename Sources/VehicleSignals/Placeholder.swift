/// Namespace for the VehicleSignals module; replaced as the module is written.
public enum VehicleSignalsModule {}
