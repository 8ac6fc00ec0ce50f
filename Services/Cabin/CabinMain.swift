import CabinCLI

/// The `cabin` executable: everything lives in `CabinCLI`.
@main
enum CabinMain {
  static func main() async {
    await CabinCommand.main()
  }
}
