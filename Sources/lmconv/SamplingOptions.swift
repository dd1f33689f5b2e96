import ArgumentParser
import Foundation
import LMConv

/// Sampling randomness, temperature and sampler choice.
struct SamplingOptions: ParsableArguments {
    @Option(help: "Seed of the sampling noise (and of dynamic binarisation of given images).")
    var seed: UInt64 = 0

    @Option(help: "Multiplies the logistic noise of mixture models (1: the model's distribution).")
    var temperature: Float = 1

    @Flag(help: "Use the reference's naive sampler (one whole network pass per pixel) even when a faster one exists.")
    var naive = false

    func validate() throws {
        guard temperature >= 0, temperature.isFinite else {
            throw ValidationError("--temperature must be a finite number >= 0, got \(temperature)")
        }
    }
}
