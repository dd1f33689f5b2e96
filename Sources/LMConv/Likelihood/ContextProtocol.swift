// How the pixels outside a region condition it, for the likelihood of a region given the rest and for completion.

/// The two estimators of a region given its context.
public enum ContextProtocol: String, Sendable, CaseIterable, Codable {
    /// The reference implementation's protocol (`main.py --test_region custom --test_masks ...`): every order keeps
    /// its own masks and generates the region last, so the context of a region pixel is every pixel before it in
    /// the order; the output is read at the region's pixels and the per-image region likelihoods are ensembled over
    /// the orders. Its numbers can be set beside the paper's.
    case reference
    /// Every context pixel is marked observed in the masks (SPEC section 2), so every context pixel sees all the
    /// others: a different estimator, swift-lmconv's earlier default.
    case observed
}

extension GenerationOrder {
    /// Whether the order visits every pixel of `region` (row-major H*W flags) after every pixel outside it.
    public func generatesLast(_ region: [Bool]) -> Bool {
        precondition(region.count == height * width)
        var seenRegion = false
        for q in rowMajorIndices {
            if region[q] { seenRegion = true } else if seenRegion { return false }
        }
        return true
    }
}
