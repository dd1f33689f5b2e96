import ArgumentParser
import Foundation
import LMConv

/// The model's hyper-parameters (SPEC section 5), shared by `train` and `bench`.
struct ModelOptions: ParsableArguments {
    @Flag(help: "Binarized model (two-way softmax per pixel); images are binarised dynamically while training.")
    var binarize = false

    @Option(help: "Bits per sub-pixel for mixture models, 1...8 (default 8).")
    var nBits: Int?

    @Option(help: "Filters per layer F (default 32).")
    var filters: Int?

    @Option(help: "Gated resnets per stage R (default 2).")
    var resnets: Int?

    @Option(help: "Kernel size k, odd (default 3).")
    var kernelSize: Int?

    @Option(help: "Dilation of the downsize/upsize convolutions D (default 2).")
    var maxDilation: Int?

    @Option(help: "Logistic mixture components M (default 10; unused when binarized).")
    var mixtures: Int?

    @Option(help: ArgumentHelp("Normalisation after convolutions: pono, weight_norm, order_rescale or none "
                               + "(default pono).", valueName: "name"))
    var normalization: Normalization?

    @Option(help: "Channel dropout probability in the gated resnets (default 0).")
    var dropout: Float?

    func validate() throws {
        func atLeast(_ value: Int?, _ name: String, _ minimum: Int) throws {
            if let value, value < minimum { throw ValidationError("\(name) must be >= \(minimum), got \(value)") }
        }
        try atLeast(filters, "--filters", 2)
        try atLeast(resnets, "--resnets", 0)
        try atLeast(maxDilation, "--max-dilation", 1)
        try atLeast(mixtures, "--mixtures", 1)
        if let k = kernelSize, k < 1 || k % 2 == 0 { throw ValidationError("--kernel-size must be odd and positive, got \(k)") }
        if let n = nBits, !(1...8).contains(n) { throw ValidationError("--n-bits must be in 1...8, got \(n)") }
        if let p = dropout, !(p >= 0 && p < 1) { throw ValidationError("--dropout must be in [0, 1), got \(p)") }
    }

    /// The configuration for images of the given shape, with this tool's defaults for what is not given.
    func configuration(channels: Int, height: Int, width: Int) -> ModelConfiguration {
        let defaults = ModelConfiguration()
        return ModelConfiguration(
            channels: channels, height: height, width: width, binarize: binarize, filters: filters ?? 32,
            resnets: resnets ?? 2, kernelSize: kernelSize ?? 3, maxDilation: maxDilation ?? 2,
            mixtures: mixtures ?? 10, normalization: normalization ?? .pono, nBits: nBits ?? 8,
            convBias: defaults.convBias, learnWeightForMasks: defaults.learnWeightForMasks, dropout: dropout ?? 0)
    }

    /// The flags given explicitly (a resumed run ignores them).
    var given: [String] {
        let given: [String] = binarize ? ["--binarize"] : []
        let optional: [(Any?, String)] = [
            (nBits, "--n-bits"), (filters, "--filters"), (resnets, "--resnets"), (kernelSize, "--kernel-size"),
            (maxDilation, "--max-dilation"), (mixtures, "--mixtures"), (normalization, "--normalization"),
            (dropout, "--dropout"),
        ]
        return given + optional.filter { $0.0 != nil }.map { $0.1 }
    }
}
