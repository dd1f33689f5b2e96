// Which kernel taps each location's mask lets through, as lists: what a one-location step of a locally masked
// convolution reads (SPEC sections 2-3). Part of the incremental machinery.
// Legend: K kernel, KK = K*K, HW = H*W, q a row-major location.

/// For every location q, the kernel taps its mask lets through: entries start[q]..<start[q+1], in kernel order.
public struct TapTable: Sendable {
    public var start: [Int]            // (HW + 1)
    public var tap: [Int]              // kernel position j
    public var source: [Int]           // the neighbour's row-major index
    public var value: [Float]          // M[j, q]
    public var inverseCount: [Float]   // 1 / Σ_j M[j, q], order_rescale's factor (HW)

    /// The taps of `mask` (KK, HW) for a K x K kernel at dilation d on an H x W image; taps outside the image are
    /// left out (they read zero padding).
    public init(mask: Tensor, kernelSize K: Int, dilation d: Int, height H: Int, width W: Int) {
        let KK = K * K, HW = H * W
        precondition(mask.shape == [KK, HW], "mask \(mask.shape) does not fit \(KK) x \(HW)")
        start = [0]
        tap = []
        source = []
        value = []
        inverseCount = []
        start.reserveCapacity(HW + 1)
        inverseCount.reserveCapacity(HW)
        for q in 0..<HW {
            let r = q / W, c = q % W
            var sum: Float = 0
            for j in 0..<KK {
                let m = mask.scalars[j * HW + q]
                sum += m
                let sr = r + (j / K - K / 2) * d, sc = c + (j % K - K / 2) * d
                guard m != 0, sr >= 0, sr < H, sc >= 0, sc < W else { continue }
                tap.append(j)
                source.append(sr * W + sc)
                value.append(m)
            }
            start.append(tap.count)
            inverseCount.append(1 / sum)
        }
    }
}
