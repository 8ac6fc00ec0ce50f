/// Namespace for the VehicleSimulation module; replaced as the module is written.
public enum VehicleSimulationModule {}
