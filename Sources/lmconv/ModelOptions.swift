import ArgumentParser
import Foundation
import LMConv

/// The model's hyper-parameters (SPEC section 5), shared by `train` and `bench`.
struct ModelOptions: ParsableArguments {
    private typealias P = ModelConfiguration.Parameter

    @Flag(help: "Binarized model (two-way softmax per pixel); images are binarised dynamically while training.")
    var binarize = false

    @Option(help: ArgumentHelp(P.nBits.help())) var nBits: Int?
    @Option(help: ArgumentHelp(P.filters.help())) var filters: Int?
    @Option(help: ArgumentHelp(P.resnets.help())) var resnets: Int?
    @Option(help: ArgumentHelp(P.kernelSize.help())) var kernelSize: Int?
    @Option(help: ArgumentHelp(P.maxDilation.help())) var maxDilation: Int?
    @Option(help: ArgumentHelp(P.mixtures.help())) var mixtures: Int?
    // ArgumentParser lists the valid names itself.
    @Option(help: ArgumentHelp("\(P.normalization.summary) (default \(P.normalization.defaultValue)).", valueName: "name"))
    var normalization: Normalization?
    @Option(help: ArgumentHelp(P.dropout.help())) var dropout: Float?
    @Flag(help: "Locally masked convolutions without a bias (the reference's --no_bias).")
    var noBias = false
    @Flag(help: ArgumentHelp("Locally masked convolutions also learn a weight for their masks (the reference's "
                             + "--learn_weight_for_masks)."))
    var learnMaskWeights = false

    /// The integer options by the parameter they set.
    private var integers: [(P, Int?)] {
        [(.nBits, nBits), (.filters, filters), (.resnets, resnets), (.kernelSize, kernelSize),
         (.maxDilation, maxDilation), (.mixtures, mixtures)]
    }

    func validate() throws {
        for case let (p, value?) in integers {
            if let problem = p.problem(with: value) { throw ValidationError("\(p.flag) \(problem)") }
        }
        if let dropout, let problem = P.dropout.problem(with: dropout) { throw ValidationError("\(P.dropout.flag) \(problem)") }
    }

    /// The configuration for images of the given shape: the default configuration's values for what is not given.
    func configuration(channels: Int, height: Int, width: Int) -> ModelConfiguration {
        var cfg = ModelConfiguration(channels: channels, height: height, width: width, binarize: binarize)
        if let filters { cfg.filters = filters }
        if let resnets { cfg.resnets = resnets }
        if let kernelSize { cfg.kernelSize = kernelSize }
        if let maxDilation { cfg.maxDilation = maxDilation }
        if let mixtures { cfg.mixtures = mixtures }
        if let normalization { cfg.normalization = normalization }
        if let nBits { cfg.nBits = nBits }
        if let dropout { cfg.dropout = dropout }
        if noBias { cfg.convBias = false }
        if learnMaskWeights { cfg.learnWeightForMasks = true }
        return cfg
    }

    /// The flags given explicitly (a resumed run ignores them).
    var given: [String] {
        (binarize ? [P.binarize.flag] : []) + integers.filter { $0.1 != nil }.map { $0.0.flag }
            + (normalization != nil ? [P.normalization.flag] : []) + (dropout != nil ? [P.dropout.flag] : [])
            + (noBias ? ["--no-bias"] : []) + (learnMaskWeights ? ["--learn-mask-weights"] : [])
    }

    /// The flags given that only the locally masked network has (PixelCNN++ refuses them).
    var lmconvOnlyGiven: [String] {
        [(kernelSize != nil, P.kernelSize.flag), (maxDilation != nil, P.maxDilation.flag),
         (normalization != nil, P.normalization.flag), (noBias, "--no-bias"),
         (learnMaskWeights, "--learn-mask-weights")].filter { $0.0 }.map { $0.1 }
    }
}
