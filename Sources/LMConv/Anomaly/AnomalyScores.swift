import Foundation

// The anomaly scores of an image, all in bits per dimension (sub-pixel) and all "higher = more anomalous".

/// The scores ``AnomalyDetector`` computes.
public enum AnomalyScore: String, CaseIterable, Sendable {
    /// The ensemble's NLL: −log2 p(x) / D, p the mean of the orders' likelihoods.
    case nll
    /// Input complexity (Serrà et al. 2020): the NLL minus the generic compressor's code length, both per dimension.
    case complexity
    /// Likelihood ratio (Ren et al. 2019): the NLL under the model minus the NLL under a background model trained on
    /// perturbed images.
    case likelihoodRatio = "likelihood_ratio"
    /// General-domain likelihood ratio (Schirrmeister et al. 2020): the NLL under the model minus the NLL under a
    /// model of generic images (not the training data), which accounts for the low-level statistics any image shares.
    case genericRatio = "generic_ratio"
    /// How much the orders disagree: the standard deviation of the per-order NLLs.
    case orderSpread = "order_spread"

    /// The name reports and JSON use.
    public var name: String { rawValue }
}

/// The anomaly scores of one image, and its per-pixel map.
public struct ImageAnomalyScores: Sendable {
    /// The image's index in the data scored.
    public var index: Int
    /// The image as the models saw it: sub-pixel levels (C, H, W) at the encoding's bit depth (0/1 when binary).
    /// Empty unless maps were asked for.
    public var levels: [UInt8]
    /// The ensemble NLL, bits per dimension.
    public var nll: Double
    /// The NLL under each order, bits per dimension.
    public var perOrderNLL: [Double]
    /// The compressor's code length of the image as the model sees it, bits (``ComplexityCompressor``).
    public var codeLengthBits: Double
    /// `nll` − codeLengthBits / D.
    public var complexity: Double
    /// The background model's ensemble NLL, bits per dimension (nil without a background model).
    public var backgroundNLL: Double?
    /// `nll` − `backgroundNLL`.
    public var likelihoodRatio: Double?
    /// The generic model's ensemble NLL, bits per dimension (nil without a generic model).
    public var genericNLL: Double?
    /// `nll` − `genericNLL`.
    public var genericRatio: Double?
    /// The population standard deviation of `perOrderNLL` (0 for one order).
    public var orderSpread: Double
    /// −log2 p(x_i | context) of every pixel (summed over its sub-pixels), averaged over the orders; (H*W) row-major.
    /// Sums to the mean of the per-order NLLs in bits. Empty unless maps were asked for.
    public var pixelMap: [Double]
    /// The same under the background model (nil without one, empty unless asked for).
    public var backgroundPixelMap: [Double]?
    /// The same under the generic model (nil without one, empty unless asked for).
    public var genericPixelMap: [Double]?

    /// The generic ratio pixel by pixel, `pixelMap` − `genericPixelMap` in bits: what the image's own model finds
    /// surprising beyond what any image's pixel there costs (nil without a generic model).
    public var genericRatioPixelMap: [Double]? {
        genericPixelMap.map { generic in zip(pixelMap, generic).map { $0 - $1 } }
    }

    /// The value of `score`, nil when it needs a background model and there is none.
    public func value(_ score: AnomalyScore) -> Double? {
        switch score {
        case .nll: return nll
        case .complexity: return complexity
        case .likelihoodRatio: return likelihoodRatio
        case .genericRatio: return genericRatio
        case .orderSpread: return orderSpread
        }
    }
}

/// The scores of a set of images.
public struct AnomalyReport: Sendable {
    /// One entry per image, in the data's order.
    public var images: [ImageAnomalyScores]
    /// The names of the orders the model was evaluated with.
    public var orderNames: [String]
    /// The background model's orders (empty without one).
    public var backgroundOrderNames: [String]
    /// The generic model's orders (empty without one).
    public var genericOrderNames: [String] = []
    /// Sub-pixels per image D = C * H * W.
    public var dimensions: Int
    /// Image rows and columns (of the pixel maps).
    public var height: Int
    public var width: Int

    /// The scores this report has (the likelihood ratio only with a background model, the generic ratio only with a
    /// generic model).
    public var availableScores: [AnomalyScore] {
        AnomalyScore.allCases.filter { s in
            images.first.map { $0.value(s) != nil } ?? (s != .likelihoodRatio && s != .genericRatio)
        }
    }

    /// Every image's value of `score` (nil entries dropped: none when the score is available).
    public func values(_ score: AnomalyScore) -> [Double] { images.compactMap { $0.value(score) } }

    /// The mean of `score` over the images (nil when unavailable).
    public func mean(_ score: AnomalyScore) -> Double? {
        let v = values(score)
        return v.isEmpty ? nil : v.reduce(0, +) / Double(v.count)
    }
}
