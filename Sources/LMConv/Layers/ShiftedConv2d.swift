// The shifted convolutions of PixelCNN++ (Salimans et al. 2017; the reference's layers.py): causal by padding, not by
// masks. A down-shifted convolution (kernel KH x KW, zero padding KH−1 rows above and (KW−1)/2 columns each side)
// sees only the rows above and the current row; a down-right-shifted one (padding KH−1 above, KW−1 left) only the
// pixels above and to the left. Each has its strided form (stride 2 down-sampling) and its transposed form
// (up-sampling), and every one is weight-normalised with a bias, as in the reference.
// Legend: C input channels, OC output channels, B batch, KK = KH*KW, N = B*Ho*Wo output locations.
// Activations are channel-major, (C, B, H, W).

/// Which of the two causal paddings a shifted convolution uses.
public enum ShiftKind: Sendable, Equatable {
    /// `down_shifted_conv2d` / `down_shifted_deconv2d`: the rows above and the current row, centred horizontally.
    case down
    /// `down_right_shifted_conv2d` / `down_right_shifted_deconv2d`: the pixels above and to the left.
    case downRight
}

/// `down_shifted_conv2d` or `down_right_shifted_conv2d`: a weight-normalised, biased convolution over the causally
/// zero-padded input, optionally strided, with its output optionally shifted down (`.down`) or right (`.downRight`)
/// by one pixel (`shift_output_down` / `shift_output_right`, used by the first layer so that a pixel never sees itself).
///
/// Parameters `<prefix>.conv.weight_g` (OC, 1, 1, 1), `<prefix>.conv.weight_v` (OC, C, KH, KW), `<prefix>.conv.bias` (OC).
public struct ShiftedConv2d {
    public let kind: ShiftKind
    public let inputChannels: Int
    public let outputChannels: Int
    public let kernelHeight: Int
    public let kernelWidth: Int
    public let stride: Int
    /// Shift the output one pixel down (`.down`) or right (`.downRight`), filling with zeros.
    public let shiftsOutput: Bool
    let weight: LayerWeight              // (OC, C*KK), weight-normalised
    let bias: ParameterSlot              // (OC)

    /// Registers the layer's parameters under `prefix` (e.g. `up_layers.0.u_stream.0.conv_input`).
    public init(store: ParameterStore, prefix: String, kind: ShiftKind, inputChannels: Int, outputChannels: Int,
                kernelHeight: Int, kernelWidth: Int, stride: Int = 1, shiftsOutput: Bool = false) {
        precondition(kind == .downRight || kernelWidth % 2 == 1, "a down-shifted kernel has an odd width")
        self.kind = kind
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.stride = stride
        self.shiftsOutput = shiftsOutput
        weight = LayerWeight(store: store, prefix: prefix + ".conv",
                             shape: [outputChannels, inputChannels, kernelHeight, kernelWidth], normalized: true)
        bias = store.register(prefix + ".conv.bias", shape: [outputChannels])
    }

    /// The geometry for an input of H x W: padding KH−1 above, and (KW−1)/2 each side or KW−1 on the left.
    func geometry(height H: Int, width W: Int) -> PatchGeometry {
        let top = kernelHeight - 1
        let (left, right) = kind == .down ? ((kernelWidth - 1) / 2, (kernelWidth - 1) / 2) : (kernelWidth - 1, 0)
        return PatchGeometry(kernelHeight: kernelHeight, kernelWidth: kernelWidth, stride: stride, top: top, left: left,
                             inputHeight: H, inputWidth: W,
                             outputHeight: (H + top - kernelHeight) / stride + 1,
                             outputWidth: (W + left + right - kernelWidth) / stride + 1)
    }

    /// What backward needs.
    public struct Cache {
        let input: Tensor?          // (C, B, H, W); nil when the caller recomputes it
        let geometry: PatchGeometry
        let weight: [Float]         // (OC, C*KK), effective
        let norms: [Float]          // (OC)
    }

    /// Y (OC, B, Ho, Wo) from X (C, B, H, W); Ho = ⌊(H − 1)/s⌋ + 1, likewise Wo.
    ///
    /// - Parameter keepInput: keep X in the cache; pass false when the caller hands it back to backward.
    public func forward(_ input: Tensor, store: ParameterStore, keepInput: Bool = true) -> (Tensor, Cache) {
        let (C, B, H, W) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        precondition(C == inputChannels, "conv expects \(inputChannels) channels, got \(C)")
        let g = geometry(height: H, width: W)
        let OC = outputChannels, K = C * g.taps, N = B * g.outputHeight * g.outputWidth
        let (w, norms) = weight.materialize(store)
        var output = Tensor(uninitializedShape: [OC, B, g.outputHeight, g.outputWidth])
        var columns = [Float](repeating: 0, count: K * N)                // (C*KK, N)
        input.withUnsafeBufferPointer { x in
            columns.withUnsafeMutableBufferPointer { cols in
                patchIm2col(columns: cols.baseAddress!, input: x.baseAddress!, channels: C, batch: B, geometry: g)
            }
        }
        output.withUnsafeMutableBufferPointer { y in
            let y = y.baseAddress!, b = store.value(bias)
            for o in 0..<OC { (y + o * N).update(repeating: b[o], count: N) }
            columns.withUnsafeBufferPointer { cols in
                w.withUnsafeBufferPointer { w in
                    gemm(transposeA: .none, transposeB: .none, m: OC, n: N, k: K, alpha: 1, a: w.baseAddress!, lda: K,
                         b: cols.baseAddress!, ldb: N, beta: 1, c: y, ldc: N)
                }
            }
        }
        if shiftsOutput { output = kind == .down ? shiftDown(output) : shiftRight(output) }
        return (output, Cache(input: keepInput ? input : nil, geometry: g, weight: w, norms: norms))
    }

    /// dX (C, B, H, W) from dY (OC, B, Ho, Wo); accumulates dW (through the weight norm) and db.
    ///
    /// - Parameter input: the forward input, when the cache does not keep it.
    public func backward(_ dOutput: Tensor, cache: Cache, store: ParameterStore, input: Tensor? = nil) -> Tensor {
        guard let input = input ?? cache.input else { preconditionFailure("conv backward needs its forward input") }
        let dY = shiftsOutput ? (kind == .down ? shiftDownBackward(dOutput) : shiftRightBackward(dOutput)) : dOutput
        let g = cache.geometry, C = inputChannels, OC = outputChannels, B = input.shape[1]
        let K = C * g.taps, N = B * g.outputHeight * g.outputWidth
        var columns = [Float](repeating: 0, count: K * N)                // im2col(X), then d(columns)
        var dWeight = [Float](repeating: 0, count: OC * K)
        var dInput = Tensor(shape: input.shape)
        input.withUnsafeBufferPointer { x in
            columns.withUnsafeMutableBufferPointer { cols in
                patchIm2col(columns: cols.baseAddress!, input: x.baseAddress!, channels: C, batch: B, geometry: g)
            }
        }
        dY.withUnsafeBufferPointer { dy in
            let dy = dy.baseAddress!
            // dW (OC, K) = dY (OC, N) @ columnsᵀ (N, K)
            columns.withUnsafeBufferPointer { cols in
                dWeight.withUnsafeMutableBufferPointer { dw in
                    gemm(transposeA: .none, transposeB: .transposed, m: OC, n: K, k: N, alpha: 1, a: dy, lda: N,
                         b: cols.baseAddress!, ldb: N, beta: 0, c: dw.baseAddress!, ldc: K)
                }
            }
            // d(columns) (K, N) = Wᵀ (K, OC) @ dY (OC, N)
            cache.weight.withUnsafeBufferPointer { w in
                columns.withUnsafeMutableBufferPointer { cols in
                    gemm(transposeA: .transposed, transposeB: .none, m: K, n: N, k: OC, alpha: 1, a: w.baseAddress!,
                         lda: K, b: dy, ldb: N, beta: 0, c: cols.baseAddress!, ldc: N)
                }
            }
            accumulateBiasGradient(store.gradient(bias), dOutput: dy, channels: OC, locations: N)
        }
        columns.withUnsafeBufferPointer { cols in
            dInput.withUnsafeMutableBufferPointer { dx in
                patchCol2im(input: dx.baseAddress!, columns: cols.baseAddress!, channels: C, batch: B, geometry: g)
            }
        }
        weight.accumulateGradient(store, dWeight: dWeight, norms: cache.norms)
        return dInput
    }

    /// PyTorch's default initialisation (U(±1/sqrt(fan_in)) for weight and bias); g = ||v|| as `weight_norm` sets it.
    func initialize(_ store: ParameterStore, using rng: inout Xoshiro256) {
        weight.initialize(store, using: &rng)
        initializeBias(bias, store: store, fanIn: weight.columns, using: &rng)
    }
}

/// db[o] += Σ_n dY[o, n] for dY (OC, N), summed in Double (the sums run over every location of the batch).
func accumulateBiasGradient(_ db: UnsafeMutablePointer<Float>, dOutput dy: UnsafePointer<Float>, channels OC: Int,
                            locations N: Int) {
    for o in 0..<OC {
        var s: Double = 0
        for n in 0..<N { s += Double(dy[o * N + n]) }
        db[o] += Float(s)
    }
}

/// A bias drawn U(±1/sqrt(fan_in)), PyTorch's default for convolutions and linear layers.
func initializeBias(_ bias: ParameterSlot, store: ParameterStore, fanIn: Int, using rng: inout Xoshiro256) {
    let bound = 1 / Float(fanIn).squareRoot(), p = store.value(bias)
    for o in 0..<bias.count { p[o] = (rng.nextUniform() * 2 - 1) * bound }
}

// MARK: - Shifting by one pixel (the reference's down_shift and right_shift)

/// y[:, :, 0, :] = 0, y[:, :, r, :] = x[:, :, r − 1, :] for x (C, B, H, W): the last row drops out.
func shiftDown(_ x: Tensor) -> Tensor {
    let W = x.shape[3], plane = x.shape[2] * W
    var y = Tensor(shape: x.shape)
    for p in 0..<(x.count / plane) {
        for i in 0..<(plane - W) { y.scalars[p * plane + W + i] = x.scalars[p * plane + i] }
    }
    return y
}

/// The adjoint of ``shiftDown(_:)``: dx[:, :, r, :] = dy[:, :, r + 1, :], the last row 0.
func shiftDownBackward(_ dy: Tensor) -> Tensor {
    let W = dy.shape[3], plane = dy.shape[2] * W
    var dx = Tensor(shape: dy.shape)
    for p in 0..<(dy.count / plane) {
        for i in 0..<(plane - W) { dx.scalars[p * plane + i] = dy.scalars[p * plane + W + i] }
    }
    return dx
}

/// y[..., 0] = 0, y[..., c] = x[..., c − 1] for x (C, B, H, W): the last column drops out.
func shiftRight(_ x: Tensor) -> Tensor {
    let W = x.shape[3]
    var y = Tensor(shape: x.shape)
    for row in 0..<(x.count / W) {
        for c in 1..<Swift.max(1, W) { y.scalars[row * W + c] = x.scalars[row * W + c - 1] }
    }
    return y
}

/// The adjoint of ``shiftRight(_:)``: dx[..., c] = dy[..., c + 1], the last column 0.
func shiftRightBackward(_ dy: Tensor) -> Tensor {
    let W = dy.shape[3]
    var dx = Tensor(shape: dy.shape)
    for row in 0..<(dy.count / W) {
        for c in 1..<Swift.max(1, W) { dx.scalars[row * W + c - 1] = dy.scalars[row * W + c] }
    }
    return dx
}
