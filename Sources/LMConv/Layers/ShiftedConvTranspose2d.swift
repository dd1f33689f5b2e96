// The transposed shifted convolutions of PixelCNN++ (the reference's down_shifted_deconv2d and
// down_right_shifted_deconv2d): `ConvTranspose2d(stride s, output_padding 1)` followed by a crop that keeps the
// output causal: the last KH−1 rows go, and (KW−1)/2 columns on each side (down) or the last KW−1 columns
// (down-right). Weight-normalised (over the weight's first axis, the input channels, as `weight_norm` does for a
// transposed convolution) with a bias.
// Legend: Cin input channels, Cout output channels, B batch, (h, w) the input grid, (Ho, Wo) the output grid,
// KK = KH*KW, n = B*h*w.
//
// As the adjoint of a strided convolution: output (y, x) collects input (i, j) through tap (r, c) when
// y = i*s + r and x = j*s + c − left, so it is one GEMM, Wᵀ X, then col2im onto the output grid (PatchGeometry with
// the roles of its grids swapped).

/// `down_shifted_deconv2d` (`.down`, kernel 2x3) or `down_right_shifted_deconv2d` (`.downRight`, kernel 2x2).
///
/// The reference's crop gives (s*h, s*w) outputs; ``forward(_:outputHeight:outputWidth:store:)`` takes the output
/// size so that images whose size is not divisible by 4 (which the reference cannot run) crop further on the bottom
/// and right, keeping the same top-left alignment; for sizes divisible by 4 it is exactly the reference's layer.
///
/// Parameters `<prefix>.deconv.weight_g` (Cin, 1, 1, 1), `<prefix>.deconv.weight_v` (Cin, Cout, KH, KW),
/// `<prefix>.deconv.bias` (Cout).
public struct ShiftedConvTranspose2d {
    public let kind: ShiftKind
    public let inputChannels: Int
    public let outputChannels: Int
    public let kernelHeight: Int
    public let kernelWidth: Int
    public let stride: Int
    let weight: LayerWeight              // (Cin, Cout*KK), weight-normalised per input channel
    let bias: ParameterSlot              // (Cout)

    public init(store: ParameterStore, prefix: String, kind: ShiftKind, inputChannels: Int, outputChannels: Int,
                kernelHeight: Int, kernelWidth: Int, stride: Int) {
        precondition(kind == .downRight || kernelWidth % 2 == 1, "a down-shifted kernel has an odd width")
        self.kind = kind
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.stride = stride
        weight = LayerWeight(store: store, prefix: prefix + ".deconv",
                             shape: [inputChannels, outputChannels, kernelHeight, kernelWidth], normalized: true)
        bias = store.register(prefix + ".deconv.bias", shape: [outputChannels])
    }

    /// The geometry of the convolution this layer is the adjoint of: its input is our (Ho, Wo) output grid.
    func geometry(inputHeight h: Int, inputWidth w: Int, outputHeight: Int, outputWidth: Int) -> PatchGeometry {
        PatchGeometry(kernelHeight: kernelHeight, kernelWidth: kernelWidth, stride: stride, top: 0,
                      left: kind == .down ? (kernelWidth - 1) / 2 : 0, inputHeight: outputHeight,
                      inputWidth: outputWidth, outputHeight: h, outputWidth: w)
    }

    public struct Cache {
        let input: Tensor           // (Cin, B, h, w)
        let geometry: PatchGeometry
        let weight: [Float]         // (Cin, Cout*KK), effective
        let norms: [Float]          // (Cin)
    }

    /// Y (Cout, B, Ho, Wo) from X (Cin, B, h, w); the reference's size is Ho = s*h, Wo = s*w.
    public func forward(_ input: Tensor, outputHeight: Int, outputWidth: Int,
                        store: ParameterStore) -> (Tensor, Cache) {
        let (Cin, B, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        precondition(Cin == inputChannels, "deconv expects \(inputChannels) channels, got \(Cin)")
        let g = geometry(inputHeight: h, inputWidth: w, outputHeight: outputHeight, outputWidth: outputWidth)
        let Cout = outputChannels, K = Cout * g.taps, n = B * h * w, No = B * outputHeight * outputWidth
        let (wt, norms) = weight.materialize(store)
        var columns = [Float](repeating: 0, count: K * n)               // (Cout*KK, n)
        // columns (K, n) = Wᵀ (K, Cin) @ X (Cin, n)
        input.withUnsafeBufferPointer { x in
            wt.withUnsafeBufferPointer { wt in
                columns.withUnsafeMutableBufferPointer { cols in
                    gemm(transposeA: .transposed, transposeB: .none, m: K, n: n, k: Cin, alpha: 1, a: wt.baseAddress!,
                         lda: K, b: x.baseAddress!, ldb: n, beta: 0, c: cols.baseAddress!, ldc: n)
                }
            }
        }
        var output = Tensor(uninitializedShape: [Cout, B, outputHeight, outputWidth])
        output.withUnsafeMutableBufferPointer { y in
            let y = y.baseAddress!, b = store.value(bias)
            for o in 0..<Cout { (y + o * No).update(repeating: b[o], count: No) }
            columns.withUnsafeBufferPointer { cols in
                patchCol2im(input: y, columns: cols.baseAddress!, channels: Cout, batch: B, geometry: g)
            }
        }
        return (output, Cache(input: input, geometry: g, weight: wt, norms: norms))
    }

    /// dX (Cin, B, h, w) from dY (Cout, B, Ho, Wo); accumulates dW (through the weight norm) and db.
    public func backward(_ dOutput: Tensor, cache: Cache, store: ParameterStore) -> Tensor {
        let g = cache.geometry, Cin = inputChannels, Cout = outputChannels, B = dOutput.shape[1]
        let K = Cout * g.taps, n = B * g.outputHeight * g.outputWidth, No = dOutput.count / Cout
        var columns = [Float](repeating: 0, count: K * n)               // im2col(dY), (Cout*KK, n)
        var dWeight = [Float](repeating: 0, count: Cin * K)
        var dInput = Tensor(uninitializedShape: cache.input.shape)
        dOutput.withUnsafeBufferPointer { dy in
            columns.withUnsafeMutableBufferPointer { cols in
                patchIm2col(columns: cols.baseAddress!, input: dy.baseAddress!, channels: Cout, batch: B, geometry: g)
            }
            accumulateBiasGradient(store.gradient(bias), dOutput: dy.baseAddress!, channels: Cout, locations: No)
        }
        columns.withUnsafeBufferPointer { cols in
            let cols = cols.baseAddress!
            // dX (Cin, n) = W (Cin, K) @ im2col(dY) (K, n)
            cache.weight.withUnsafeBufferPointer { wt in
                dInput.withUnsafeMutableBufferPointer { dx in
                    gemm(transposeA: .none, transposeB: .none, m: Cin, n: n, k: K, alpha: 1, a: wt.baseAddress!,
                         lda: K, b: cols, ldb: n, beta: 0, c: dx.baseAddress!, ldc: n)
                }
            }
            // dW (Cin, K) = X (Cin, n) @ im2col(dY)ᵀ (n, K)
            cache.input.withUnsafeBufferPointer { x in
                dWeight.withUnsafeMutableBufferPointer { dw in
                    gemm(transposeA: .none, transposeB: .transposed, m: Cin, n: K, k: n, alpha: 1, a: x.baseAddress!,
                         lda: n, b: cols, ldb: n, beta: 0, c: dw.baseAddress!, ldc: K)
                }
            }
        }
        weight.accumulateGradient(store, dWeight: dWeight, norms: cache.norms)
        return dInput
    }

    /// PyTorch's default initialisation of a transposed convolution: fan_in = Cout*KK (its weight's second axis
    /// times the kernel), for weight and bias; g = ||v||.
    func initialize(_ store: ParameterStore, using rng: inout Xoshiro256) {
        weight.initialize(store, using: &rng)
        initializeBias(bias, store: store, fanIn: weight.columns, using: &rng)
    }
}
