import Foundation

// Likelihood evaluation over one order or an ensemble of orders, whole images or a hidden region.

extension LocallyMaskedPixelCNN {
    /// Per-image NLL (nats) of images x (B, C, H, W) in [-1, 1] under one order.
    ///
    /// - Parameters:
    ///   - region: when given (row-major H*W flags), the NLL of those pixels only, given the rest; the order must
    ///     generate the region last (``orderGeneratingLast(_:basedOn:)``).
    ///   - context: how the rest conditions the region (``ContextProtocol``).
    public func negativeLogLikelihood(of x: Tensor, order: GenerationOrder, region: [Bool]? = nil,
                                      context: ContextProtocol = .reference) throws -> [Double] {
        negativeLogLikelihood(of: x, masks: try evaluationMasks(order, region: region, context: context), region: region)
    }

    /// Per-image NLL under an ensemble of orders: −log( (1/K) Σ_k p(x; order k) ), with the per-order NLLs.
    public func ensembleNegativeLogLikelihood(of x: Tensor, orders: [GenerationOrder], region: [Bool]? = nil,
                                              context: ContextProtocol = .reference) throws
        -> (ensemble: [Double], perOrder: [[Double]])
    {
        ensembleNegativeLogLikelihood(
            of: x, masks: try orders.map { try evaluationMasks($0, region: region, context: context) }, region: region)
    }

    /// The masks an evaluation under `order` uses: the order's own (``ContextProtocol/reference``), or with the
    /// pixels outside `region` observed (``ContextProtocol/observed``). Throws when the order does not generate the
    /// region last.
    func evaluationMasks(_ order: GenerationOrder, region: [Bool]?, context: ContextProtocol) throws -> OrderMasks {
        guard let region else { return try masks(for: order) }
        guard region.count == order.height * order.width else {
            throw LMConvError.invalidArgument(reason: "the region has \(region.count) pixels, the order \(order.height * order.width)")
        }
        guard order.generatesLast(region) else {
            throw LMConvError.invalidArgument(reason: "the order does not generate the region last (see orderGeneratingLast)")
        }
        return try masks(for: order, observed: context == .observed ? region.map { !$0 } : nil)
    }

    /// Per-image NLL under one order's precomputed masks.
    func negativeLogLikelihood(of x: Tensor, masks: OrderMasks, region: [Bool]?) -> [Double] {
        var rng = Xoshiro256(seed: 0)   // dropout is off outside training; the generator is never drawn from
        let (output, _) = forward(x, masks: masks, rng: &rng)
        return LMConv.negativeLogLikelihood(output: output, target: x, configuration: configuration, region: region)
            .perImageNLL
    }

    /// The ensemble NLL under precomputed masks, one set per order (K, B per-order NLLs).
    func ensembleNegativeLogLikelihood(of x: Tensor, masks: [OrderMasks], region: [Bool]?)
        -> (ensemble: [Double], perOrder: [[Double]])
    {
        precondition(!masks.isEmpty)
        let perOrder = masks.map { negativeLogLikelihood(of: x, masks: $0, region: region) }   // (K, B)
        return (ensembleNLL(perOrder), perOrder)
    }
}

/// −log((1/K) Σ_k exp(−nll[k][b])) for every image b, from per-order NLLs (K, B), computed stably.
public func ensembleNLL(_ perOrder: [[Double]]) -> [Double] {
    let K = perOrder.count, B = perOrder.first?.count ?? 0
    return (0..<B).map { b in
        let logProbabilities = (0..<K).map { -perOrder[$0][b] }
        let m = logProbabilities.max()!
        let logSum = m + log(logProbabilities.reduce(0) { $0 + exp($1 - m) })
        return -(logSum - log(Double(K)))
    }
}

/// Bits per dimension of a mean NLL in nats over `dimensions` sub-pixels.
public func bitsPerDimension(nats: Double, dimensions: Int) -> Double { nats / (Double(dimensions) * log(2)) }

/// An order that visits every pixel outside `region` first and the region's pixels last, each part keeping its
/// sequence in `order` (the "generate the missing pixels last" order of completion and conditional likelihood).
public func orderGeneratingLast(_ region: [Bool], basedOn order: GenerationOrder) throws -> GenerationOrder {
    precondition(region.count == order.height * order.width)
    let observed = order.pixels.filter { !region[$0.row * order.width + $0.col] }
    let hidden = order.pixels.filter { region[$0.row * order.width + $0.col] }
    return try GenerationOrder(height: order.height, width: order.width, pixels: observed + hidden)
}
