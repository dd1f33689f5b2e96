import ArgumentParser
import Foundation
import LMConv

/// `lmconv bench`: training-step, forward and GEMM-efficiency figures for a model configuration.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Time training steps and forward passes of a random model (release build).")

    @Option(help: "Image size HxW.") var size: String = "28x28"
    @Option(help: "Image channels (1 or 3).") var channels: Int = 1
    @Flag(help: "Binarized model (default unless --no-binarize).") var binarize = false
    @Flag(name: .customLong("no-binarize"), help: "A logistic-mixture model.") var noBinarize = false
    @Option(help: "Filters F.") var filters: Int = 32
    @Option(help: "Gated resnets R per stage.") var resnets: Int = 2
    @Option(name: .customLong("kernel-size"), help: "Kernel size.") var kernelSize: Int = 3
    @Option(name: .customLong("max-dilation"), help: "Dilation of the downsize/upsize convolutions.") var maxDilation: Int = 2
    @Option(help: "Logistic mixture components.") var mixtures: Int = 10
    @Option(help: "pono, weight_norm, order_rescale or none.") var normalization: String = "pono"
    @Option(name: .customLong("batch-size"), help: "Images per batch.") var batchSize: Int = 16
    @Option(help: "Timed repetitions (the median is reported).") var steps: Int = 3
    @Option(help: "Untimed warm-up steps.") var warmup: Int = 1
    @Flag(name: .customLong("no-sampling"), help: "Skip the sampling timings.") var noSampling = false
    @Option(name: .customLong("naive-steps"), help: "Pixels the naive sampler is timed on (then extrapolated).")
    var naiveSteps: Int = 24
    @Flag(help: "Print one JSON object on stdout.") var json = false

    func run() throws {
        let parts = size.lowercased().split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, parts.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--size must look like 28x28, got '\(size)'")
        }
        guard let norm = Normalization(rawValue: normalization) else {
            throw ValidationError("--normalization must be one of pono, weight_norm, order_rescale, none")
        }
        let cfg = ModelConfiguration(channels: channels, height: parts[0], width: parts[1],
                                     binarize: !noBinarize && (binarize || channels == 1), filters: filters,
                                     resnets: resnets, kernelSize: kernelSize, maxDilation: maxDilation,
                                     mixtures: mixtures, normalization: norm)
        let report = try runBenchmark(configuration: cfg, batchSize: batchSize, warmup: warmup, steps: steps,
                                      sampling: !noSampling, naiveSteps: naiveSteps,
                                      log: json ? nil : { print($0) })
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(String(format: """
                config: %dx%dx%d, F %d, R %d, k %d, D %d, %@, batch %d, %d parameters
                train step: %.3f s (%.1f images/s), forward: %.3f s
                GEMM work: %.1f GFLOP per train step -> %.1f GFLOP/s; sgemm 2048^3: %.1f GFLOP/s; efficiency %.2f
                peak RSS: %.0f MB
                """, cfg.channels, cfg.height, cfg.width, cfg.filters, cfg.resnets, cfg.kernelSize, cfg.maxDilation,
                cfg.normalization.rawValue, batchSize, report.parameterCount, report.trainStepSeconds,
                report.trainImagesPerSecond, report.forwardSeconds, report.gflopPerTrainStep, report.trainGflops,
                report.sgemmGflops, report.efficiency, report.peakRSSMegabytes))
            if let fast = report.sampleBatchSeconds, let naive = report.naiveSampleBatchSeconds {
                print(String(format: "sampling a batch: incremental %.2f s, naive %.1f s (extrapolated), %.0fx",
                             fast, naive, naive / fast))
            }
        }
    }
}
