/// The three masks the network uses for one order: `initial` (type A, dilation 1) for the first layer,
/// `undilated` (type B, dilation 1) and `dilated` (type B, dilation `maxDilation`). Each has shape [k*k, H*W].
public struct OrderMasks: Sendable, Equatable {
    /// Type A, dilation 1 (the reference's `mask_init`).
    public var initial: Tensor
    /// Type B, dilation 1.
    public var undilated: Tensor
    /// Type B, dilation `maxDilation` (equal to `undilated` when `maxDilation` is 1).
    public var dilated: Tensor
    public let kernelSize: Int
    public let maxDilation: Int

    /// Computes the three masks of `order`; `observed` as in `kernelMask`.
    public init(order: GenerationOrder, kernelSize: Int, maxDilation: Int, observed: [Bool]? = nil) throws {
        self.kernelSize = kernelSize
        self.maxDilation = maxDilation
        initial = try kernelMask(order: order, kernelSize: kernelSize, dilation: 1, type: .a, observed: observed)
        undilated = try kernelMask(order: order, kernelSize: kernelSize, dilation: 1, type: .b, observed: observed)
        dilated = maxDilation == 1 ? undilated
            : try kernelMask(order: order, kernelSize: kernelSize, dilation: maxDilation, type: .b, observed: observed)
    }
}
