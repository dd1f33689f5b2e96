import ArgumentParser

/// Size of pictures written as PNG.
struct PictureOptions: ParsableArguments {
    @Option(help: "Enlarge every image pixel to scale x scale PNG pixels.")
    var scale: Int = 2

    func validate() throws {
        guard (1...64).contains(scale) else { throw ValidationError("--scale must be in 1...64, got \(scale)") }
    }
}
