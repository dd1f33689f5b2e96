import Foundation

// Detection metrics of a score that should be higher for anomalies (positives) than for normal samples
// (negatives): the ROC curve, its area, average precision and the false-positive rate at 95% true positives.
// Ties are exact: samples of equal score share one threshold, so a tie between a positive and a negative counts
// one half in the AUROC (the Mann-Whitney statistic), and the curves step once per distinct score. All counts are
// integers until the final division. The AUROC's standard error is DeLong et al.'s (1988), which assumes the samples
// independent: right for images, not for the pixels of one image.

/// One threshold of a ROC curve: the samples with score >= the threshold are called anomalous.
public struct ROCPoint: Sendable, Equatable {
    /// Negatives called anomalous / negatives.
    public var falsePositiveRate: Double
    /// Positives called anomalous / positives.
    public var truePositiveRate: Double
    /// The threshold (+infinity for the first point, where nothing is called anomalous).
    public var threshold: Double
}

/// How well a score separates positives (anomalies) from negatives.
public struct DetectionMetrics: Sendable, Equatable {
    /// Area under the ROC curve: P(score of a positive > score of a negative) + ½ P(equal).
    public var auroc: Double
    /// The AUROC's standard error (DeLong, DeLong and Clarke-Pearson 1988): √(S₁₀/P + S₀₁/N), S₁₀ the sample
    /// variance over positives of the fraction of negatives each outscores (ties ½), S₀₁ that over negatives of the
    /// fraction of positives outscoring each; a set of one sample contributes no variance. Assumes independent samples.
    public var aurocStandardError: Double
    /// Area under the precision-recall curve as average precision: Σ over distinct thresholds of
    /// (recall gained) × precision there (scikit-learn's `average_precision_score`).
    public var auprc: Double
    /// The false-positive rate at the highest threshold whose true-positive rate is at least 95%.
    public var fprAt95TPR: Double
    /// The ROC curve from (0, 0) to (1, 1), one point per distinct score.
    public var roc: [ROCPoint]
    /// Positives and negatives counted.
    public var positives: Int
    public var negatives: Int

    /// The metrics of `positives` (anomalies' scores) against `negatives` (normal samples' scores). Throws when a
    /// set is empty or a score is NaN; ±infinity are ordinary (extreme) scores.
    public init(positives: [Double], negatives: [Double]) throws {
        guard !positives.isEmpty, !negatives.isEmpty else {
            throw LMConvError.invalidArgument(reason: "detection metrics need positives and negatives, got \(positives.count) and \(negatives.count)")
        }
        if let i = positives.firstIndex(where: \.isNaN) { throw LMConvError.invalidArgument(reason: "anomaly score \(i) is NaN") }
        if let i = negatives.firstIndex(where: \.isNaN) { throw LMConvError.invalidArgument(reason: "normal sample score \(i) is NaN") }
        let P = positives.count, N = negatives.count
        // Descending by score; within a tie the order does not matter (a tie is one threshold).
        let samples = (positives.map { ($0, true) } + negatives.map { ($0, false) }).sorted { $0.0 > $1.0 }
        var roc = [ROCPoint(falsePositiveRate: 0, truePositiveRate: 0, threshold: .infinity)]
        var tp = 0, fp = 0
        var twiceArea = 0                  // Σ ΔFP · (TP_before + TP_after), = 2 · AUROC · P · N exactly
        var precisionSum = 0.0             // Σ ΔTP · precision
        var fprAt95: Double?
        // DeLong's structural components, one per tie group: (samples, value) for its positives, the fraction of
        // negatives each outscores (ties ½), and for its negatives, the fraction of positives outscoring each.
        var positiveComponents: [(count: Int, value: Double)] = []
        var negativeComponents: [(count: Int, value: Double)] = []
        var i = 0
        while i < samples.count {
            let threshold = samples[i].0
            let (tpBefore, fpBefore) = (tp, fp)
            while i < samples.count && samples[i].0 == threshold {
                if samples[i].1 { tp += 1 } else { fp += 1 }
                i += 1
            }
            twiceArea += (fp - fpBefore) * (tpBefore + tp)
            // Twice the counts, so that the tie's half stays an integer: 2(N − fp) + ΔFP negatives below a positive
            // here, 2 tpBefore + ΔTP positives above a negative.
            if tp > tpBefore {
                precisionSum += Double(tp - tpBefore) * Double(tp) / Double(tp + fp)
                positiveComponents.append((tp - tpBefore, Double(2 * (N - fp) + fp - fpBefore) / Double(2 * N)))
            }
            if fp > fpBefore {
                negativeComponents.append((fp - fpBefore, Double(2 * tpBefore + tp - tpBefore) / Double(2 * P)))
            }
            if fprAt95 == nil && 100 * tp >= 95 * P { fprAt95 = Double(fp) / Double(N) }
            roc.append(ROCPoint(falsePositiveRate: Double(fp) / Double(N), truePositiveRate: Double(tp) / Double(P),
                                threshold: threshold))
        }
        auroc = Double(twiceArea) / (2 * Double(P) * Double(N))
        aurocStandardError = Self.delongStandardError(positiveComponents, negativeComponents, auroc: auroc,
                                                      positives: P, negatives: N)
        auprc = precisionSum / Double(P)
        fprAt95TPR = fprAt95!   // the last threshold reaches TP = P
        self.roc = roc
        self.positives = P
        self.negatives = N
    }

    /// The normal-approximation 95% confidence interval of the AUROC, auroc ± 1.96 standard errors, within [0, 1].
    public var aurocConfidenceInterval95: ClosedRange<Double> {
        Swift.max(0, auroc - 1.96 * aurocStandardError)...Swift.min(1, auroc + 1.96 * aurocStandardError)
    }

    /// DeLong's standard error of the Mann-Whitney AUROC from the structural components of the sweep (each the mean
    /// `auroc` over its set): √(S₁₀/P + S₀₁/N) with the sample variances S over P positives and N negatives.
    static func delongStandardError(_ positiveComponents: [(count: Int, value: Double)],
                                    _ negativeComponents: [(count: Int, value: Double)], auroc: Double,
                                    positives P: Int, negatives N: Int) -> Double {
        func sampleVariance(_ components: [(count: Int, value: Double)], samples n: Int) -> Double {
            guard n > 1 else { return 0 }
            let squares = components.reduce(0) { $0 + Double($1.count) * ($1.value - auroc) * ($1.value - auroc) }
            return squares / Double(n - 1)
        }
        return (sampleVariance(positiveComponents, samples: P) / Double(P)
            + sampleVariance(negativeComponents, samples: N) / Double(N)).squareRoot()
    }
}
