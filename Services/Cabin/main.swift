import CabinCLI
