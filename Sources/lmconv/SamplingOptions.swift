import ArgumentParser
import Foundation
import LMConv

/// Sampling randomness, temperatures, quantisation and sampler choice.
struct SamplingOptions: ParsableArguments {
    @Option(help: "Seed of the sampling noise (and of dynamic binarisation of given images, and of a random region).")
    var seed: UInt64 = 0

    @Option(name: [.long, .customLong("logistic-temperature")],
            help: ArgumentHelp("Multiplies the logistic noise of mixture models (1: the model's distribution; the "
                               + "reference's --sample_logistic_temperature)."))
    var temperature: Float = 1

    @Option(help: ArgumentHelp("Divides each mixture component's mean, log scale and coefficients before the draw, "
                               + "as the reference's --sample_mixture_temperature (which leaves the mixture weights "
                               + "alone). 1: the model's distribution."))
    var mixtureTemperature: Float = 1

    @Flag(help: ArgumentHelp("Keep each sampled value continuous (the clamped logistic sample, as the reference "
                             + "samples by default) instead of rounding it to the data's 2^n_bits levels."))
    var noQuantize = false

    @Flag(help: "Use the reference's naive sampler (one whole network pass per pixel) even when a faster one exists.")
    var naive = false

    /// The options of each pixel's draw.
    var pixelOptions: PixelSamplingOptions {
        PixelSamplingOptions(logisticTemperature: temperature, mixtureTemperature: mixtureTemperature,
                             quantize: !noQuantize)
    }

    func validate() throws {
        guard temperature >= 0, temperature.isFinite else {
            throw ValidationError("--temperature must be a finite number >= 0, got \(temperature)")
        }
        guard mixtureTemperature > 0, mixtureTemperature.isFinite else {
            throw ValidationError("--mixture-temperature must be a finite number > 0, got \(mixtureTemperature)")
        }
    }
}
