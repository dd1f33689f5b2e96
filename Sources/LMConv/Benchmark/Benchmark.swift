import Foundation

/// What `lmconv bench` measures and prints (all times in seconds, release build).
public struct BenchmarkReport: Codable, Sendable {
    public var configuration: ModelConfiguration
    public var batchSize: Int
    public var parameterCount: Int
    public var threads: Int
    public var trainStepSeconds: Double
    public var forwardSeconds: Double
    public var trainImagesPerSecond: Double
    /// GEMM work of a training step at the taps the masks open (what the layers multiply).
    public var gflopPerTrainStep: Double
    /// The same with every tap, as a convolution without the open-tap kernels would multiply.
    public var gflopPerTrainStepAllTaps: Double
    public var gflopPerForward: Double
    public var trainGflops: Double
    public var sgemmGflops: Double
    public var efficiency: Double
    public var peakRSSMegabytes: Double
    public var sampleBatchSeconds: Double?
    public var naiveSampleBatchSeconds: Double?
    /// The codec (portable arithmetic) encoding and decoding the batch: one image's pixels per sub-pixel, as
    /// sampling, so the difference to ``sampleBatchSeconds`` is the portable arithmetic's cost.
    public var codecEncodeBatchSeconds: Double?
    public var codecDecodeBatchSeconds: Double?

    enum CodingKeys: String, CodingKey {
        case configuration, batchSize = "batch_size", parameterCount = "parameters", threads
        case trainStepSeconds = "train_step_s", forwardSeconds = "forward_s"
        case trainImagesPerSecond = "train_images_per_s", gflopPerTrainStep = "gflop_per_train_step"
        case gflopPerTrainStepAllTaps = "gflop_per_train_step_all_taps"
        case gflopPerForward = "gflop_per_forward", trainGflops = "train_gflops", sgemmGflops = "sgemm_gflops"
        case efficiency, peakRSSMegabytes = "peak_rss_mb", sampleBatchSeconds = "sample_batch_s"
        case naiveSampleBatchSeconds = "naive_sample_batch_s"
        case codecEncodeBatchSeconds = "codec_encode_batch_s", codecDecodeBatchSeconds = "codec_decode_batch_s"
    }
}

/// Floating-point work of the model's GEMMs, counted from its shapes as 2·M·N·K per GEMM.
public struct GEMMWork: Sendable {
    public var forwardFlop: Double
    public var backwardFlop: Double
    public var trainStepFlop: Double { forwardFlop + backwardFlop }

    /// The GEMM work of one forward and one backward pass over `batch` images: with `masks`, the work the layers do
    /// (a locally masked convolution multiplies only the taps its mask opens in each image row,
    /// ``OpenTapRowGroups/openFraction``); without, every tap's.
    public init(configuration cfg: ModelConfiguration, batch: Int, masks: OrderMasks? = nil) {
        let N = Double(batch * cfg.height * cfg.width), HW = Double(cfg.height * cfg.width)
        let F = Double(cfg.filters), KK = Double(cfg.kernelSize * cfg.kernelSize)
        var forward = 0.0, backward = 0.0
        func openFraction(_ kind: MaskKind) -> Double {
            guard let masks else { return 1 }
            return kind.mask(in: masks).withUnsafeBufferPointer {
                OpenTapRowGroups(mask: $0.baseAddress!, taps: cfg.kernelSize * cfg.kernelSize, height: cfg.height,
                                 width: cfg.width).openFraction
            }
        }
        func conv(_ cin: Double, _ cout: Double, _ kind: MaskKind) {
            let flop = 2 * cout * cin * KK * N * openFraction(kind)
            forward += flop
            backward += 2 * flop                                         // dW and dU
            if cfg.learnWeightForMasks { forward += 2 * cout * KK * HW; backward += 2 * cout * KK * HW }
        }
        func nin(_ cin: Double, _ cout: Double) { let flop = 2 * cout * cin * N; forward += flop; backward += 2 * flop }
        // Every layer of the network's plan: the same wiring the passes run.
        for layer in NetworkPlan(configuration: cfg).layers {
            switch layer {
            case .convolution(_, let inputChannels, let mask, _, _):
                conv(Double(inputChannels), F, mask)                      // u_init, downsize, upsize
            case .gatedResnet(_, let skip):
                conv(2 * F, F, .undilated)                                // conv_input
                conv(2 * F, 2 * F, .undilated)                            // conv_out
                if skip != nil { nin(2 * F, F) }                          // nin_skip
            }
        }
        nin(F, Double(cfg.outputChannels))                                // nin_out
        forwardFlop = forward
        backwardFlop = backward
    }
}

/// The process's peak resident set size in megabytes (VmHWM on Linux; 0 where unknown).
public func peakResidentMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kb / 1024
    }
    return 0
}

/// Seconds of wall-clock time `body` takes.
public func measureSeconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// GFLOP/s of a square float32 GEMM of side `size` on all cores (the best of `repeats`), through the same
/// ``gemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)`` the model uses.
public func measureSGEMM(size: Int = 2048, repeats: Int = 3) -> Double {
    var rng = Xoshiro256(seed: 7)
    let a = (0..<(size * size)).map { _ in rng.nextUniform() - 0.5 }
    let b = (0..<(size * size)).map { _ in rng.nextUniform() - 0.5 }
    var c = [Float](repeating: 0, count: size * size)
    var best = Double.infinity
    for _ in 0..<repeats {
        let t = measureSeconds {
            c.withUnsafeMutableBufferPointer { c in
                gemm(transposeA: .none, transposeB: .none, m: size, n: size, k: size, alpha: 1, a: a, lda: size,
                     b: b, ldb: size, beta: 0, c: c.baseAddress!, ldc: size)
            }
        }
        best = min(best, t)
    }
    return 2 * pow(Double(size), 3) / best / 1e9
}

/// Times training steps (forward, backward, Adam) and forward passes of a random model on random binary/8-bit
/// images, after warm-up, and reports GEMM efficiency against a 2048³ SGEMM measured in the same run.
///
/// - Parameters:
///   - sampling: also time sampling a whole batch with the incremental sampler, and the naive (full forward per
///     pixel) sampler over `naiveSteps` pixels, extrapolated to the whole image (every naive step costs the same).
public func runBenchmark(configuration cfg: ModelConfiguration, batchSize: Int, warmup: Int = 1, steps: Int = 3,
                         sampling: Bool = true, naiveSteps: Int = 24,
                         log: ((String) -> Void)? = nil) throws -> BenchmarkReport {
    let model = try LocallyMaskedPixelCNN(configuration: cfg, seed: 1)
    let order = try GenerationOrder.sCurve(height: cfg.height, width: cfg.width)
    let masks = try OrderMasks(order: order, kernelSize: cfg.kernelSize, maxDilation: cfg.maxDilation)
    var rng = Xoshiro256(seed: 3)
    // One batch of random images, trained on by the library's own Trainer: the step timed is the step users run.
    let imageSize = cfg.channels * cfg.height * cfg.width
    let data = ImageDataset(count: batchSize, channels: cfg.channels, height: cfg.height, width: cfg.width,
                            pixels: (0..<(batchSize * imageSize)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
    var options = TrainingOptions()
    options.batchSize = batchSize
    options.learningRate = 1e-4
    let trainer = try Trainer(model: model, orders: OrderSpecification(names: ["s_curve"], variants: 1), data: data,
                              options: options)
    let x = Tensor(shape: [batchSize, cfg.channels, cfg.height, cfg.width],
                   scalars: data.networkInput(Array(0..<batchSize), encoding: cfg.inputEncoding(), rng: &rng))
    func trainStep() throws { try trainer.trainStep() }
    for _ in 0..<warmup { try trainStep() }
    var trainTimes: [Double] = []
    for i in 0..<steps {
        trainTimes.append(try measureSeconds(trainStep))
        log?("train step \(i + 1)/\(steps): \(String(format: "%.3f", trainTimes.last!)) s")
    }
    var forwardTimes: [Double] = []
    for i in 0..<steps {
        forwardTimes.append(measureSeconds { _ = model.forward(x, masks: masks, rng: &rng) })
        log?("forward \(i + 1)/\(steps): \(String(format: "%.3f", forwardTimes.last!)) s")
    }
    let median = { (v: [Double]) in v.sorted()[v.count / 2] }
    let trainStep = median(trainTimes), forward = median(forwardTimes)
    let work = GEMMWork(configuration: cfg, batch: batchSize, masks: masks)   // the taps the S-curve's masks open
    let sgemm = measureSGEMM()
    let trainGflops = work.trainStepFlop / trainStep / 1e9
    var sampleSeconds: Double? = nil, naiveSampleSeconds: Double? = nil
    var encodeSeconds: Double? = nil, decodeSeconds: Double? = nil
    if sampling {
        let task = SamplingTask(order: order, count: batchSize, configuration: cfg)
        sampleSeconds = try measureSeconds { _ = try model.sample(task, rng: &rng) }
        log?("incremental sampling of \(batchSize) images: \(String(format: "%.3f", sampleSeconds!)) s")
        // The naive sampler on the last `naiveSteps` pixels of the order (a completion of the rest), extrapolated.
        let pixels = cfg.height * cfg.width, k = min(naiveSteps, pixels)
        var hidden = [Bool](repeating: false, count: pixels)
        for q in order.rowMajorIndices.suffix(k) { hidden[q] = true }
        let naiveTask = SamplingTask(order: order, initial: x, hidden: hidden)
        let partial = try measureSeconds { _ = try model.sample(naiveTask, rng: &rng, naive: true) }
        naiveSampleSeconds = partial * Double(pixels) / Double(k)
        log?("naive sampling: \(String(format: "%.3f", partial)) s for \(k) pixels -> "
            + "\(String(format: "%.1f", naiveSampleSeconds!)) s for the batch (extrapolated)")
        // The codec on the same batch in one network batch, its portable arithmetic against the sampler's.
        var codec = try ModelCodec(model: model, orders: OrderSpecification(names: ["s_curve"], variants: 1))
        codec.batchSize = batchSize
        // The data as pixel values the model codes exactly: 0/255, or the n-bit levels' values.
        let top = Double((1 << cfg.nBits) - 1)
        let codecPixels = data.pixels.map { v -> UInt8 in
            cfg.binarize ? (v >= 128 ? 255 : 0) : UInt8((Double(Int(v) >> (8 - cfg.nBits)) * 255 / top).rounded())
        }
        let images = CodecImages(channels: cfg.channels, height: cfg.height, width: cfg.width, pixels: codecPixels)
        var file: LMCFile?
        encodeSeconds = try measureSeconds { file = try codec.compress(images).0 }
        decodeSeconds = try measureSeconds { _ = try codec.decompress(file!, source: "bench") }
        log?("codec (portable arithmetic) on \(batchSize) images: encode \(String(format: "%.3f", encodeSeconds!)) s, "
            + "decode \(String(format: "%.3f", decodeSeconds!)) s")
    }
    return BenchmarkReport(
        configuration: cfg, batchSize: batchSize, parameterCount: model.parameters.totalCount,
        threads: Parallelism.threadCount, trainStepSeconds: trainStep, forwardSeconds: forward,
        trainImagesPerSecond: Double(batchSize) / trainStep, gflopPerTrainStep: work.trainStepFlop / 1e9,
        gflopPerTrainStepAllTaps: GEMMWork(configuration: cfg, batch: batchSize).trainStepFlop / 1e9,
        gflopPerForward: work.forwardFlop / 1e9, trainGflops: trainGflops, sgemmGflops: sgemm,
        efficiency: trainGflops / sgemm, peakRSSMegabytes: peakResidentMegabytes(),
        sampleBatchSeconds: sampleSeconds, naiveSampleBatchSeconds: naiveSampleSeconds,
        codecEncodeBatchSeconds: encodeSeconds, codecDecodeBatchSeconds: decodeSeconds)
}
