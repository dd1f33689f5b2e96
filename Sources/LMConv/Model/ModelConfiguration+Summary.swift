// One-line renderings of a model configuration, for the tool's output and for messages.

extension ModelConfiguration {
    /// A one-line summary, e.g. `binarized 1x28x28, F 32, R 2, k 3, D 2, pono`.
    public var summary: String {
        let kind = binarize ? "binarized" : "\(mixtures) logistics, \(nBits)-bit"
        return "\(kind) \(channels)x\(height)x\(width), F \(filters), R \(resnets), k \(kernelSize), D \(maxDilation), "
            + "\(normalization.rawValue)" + (dropout > 0 ? ", dropout \(dropout)" : "")
    }

    /// A compact one-line rendering, e.g. `1x28x28 binarized, nr_filters 8, nr_resnet 1, kernel_size 3,
    /// max_dilation 2, pono`.
    public var shortDescription: String {
        var parts = ["\(channels)x\(height)x\(width) " + (binarize ? "binarized" : "\(nBits)-bit, nr_logistic_mix \(mixtures)")]
        parts += ["nr_filters \(filters)", "nr_resnet \(resnets)", "kernel_size \(kernelSize)",
                  "max_dilation \(maxDilation)", normalization.rawValue]
        if !convBias { parts.append("no_bias") }
        if learnWeightForMasks { parts.append("learn_weight_for_masks") }
        if dropout != 0 { parts.append("dropout \(dropout)") }
        return parts.joined(separator: ", ")
    }
}
