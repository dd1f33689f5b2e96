import ArgumentParser
import Foundation
import LMConv

/// `lmconv bench`: training-step, forward and GEMM-efficiency figures for a model configuration.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Time training steps and forward passes of a random model (release build).")

    @Option(help: "Image size HxW.") var size: String = "28x28"
    @Option(help: "Image channels (1 or 3).") var channels: Int = 1
    @OptionGroup(title: "Model (defaults: the issue's benchmark configuration, binarized F 32, R 2, k 3, D 2, PONO)")
    var model: ModelOptions
    @Option(name: .customLong("batch-size"), help: "Images per batch.") var batchSize: Int = 16
    @Option(help: "Timed repetitions (the median is reported).") var steps: Int = 3
    @Option(help: "Untimed warm-up steps.") var warmup: Int = 1
    @Flag(name: .customLong("no-sampling"), help: "Skip the sampling timings.") var noSampling = false
    @Option(name: .customLong("naive-steps"), help: "Pixels the naive sampler is timed on (then extrapolated).")
    var naiveSteps: Int = 24
    @Flag(help: "Print one JSON object on stdout.") var json = false

    @OptionGroup var threadOptions: ThreadOptions

    func run() throws {
        threadOptions.apply()
        guard let (height, width) = parseImageSize(size) else { throw ValidationError(imageSizeError(size)) }
        var model = self.model
        if channels == 1 && model.nBits == nil { model.binarize = true }   // one channel: the binarized benchmark
        let cfg = model.configuration(channels: channels, height: height, width: width)
        try cfg.validate()
        let report = try runBenchmark(configuration: cfg, batchSize: batchSize, warmup: warmup, steps: steps,
                                      sampling: !noSampling, naiveSteps: naiveSteps,
                                      log: json ? nil : { print($0) })
        if json {
            print(try JSONWriter.string(report))
        } else {
            print(String(format: """
                config: %dx%dx%d, F %d, R %d, k %d, D %d, %@, batch %d, %d parameters
                train step: %.3f s (%.1f images/s), forward: %.3f s
                GEMM work: %.1f GFLOP per train step at the taps the masks open (%.1f at every tap) -> %.1f GFLOP/s; \
                sgemm 2048^3: %.1f GFLOP/s; efficiency %.2f
                peak RSS: %.0f MB
                """, cfg.channels, cfg.height, cfg.width, cfg.filters, cfg.resnets, cfg.kernelSize, cfg.maxDilation,
                cfg.normalization.rawValue, batchSize, report.parameterCount, report.trainStepSeconds,
                report.trainImagesPerSecond, report.forwardSeconds, report.gflopPerTrainStep,
                report.gflopPerTrainStepAllTaps, report.trainGflops,
                report.sgemmGflops, report.efficiency, report.peakRSSMegabytes))
            if let fast = report.sampleBatchSeconds, let naive = report.naiveSampleBatchSeconds {
                print(String(format: "sampling a batch: incremental %.2f s, naive %.1f s (extrapolated), %.0fx",
                             fast, naive, naive / fast))
            }
            if let encode = report.codecEncodeBatchSeconds, let decode = report.codecDecodeBatchSeconds {
                print(String(format: "codec (portable arithmetic), the same batch: encode %.2f s, decode %.2f s (%.1f images/s)",
                             encode, decode, Double(batchSize) / decode))
            }
        }
    }
}
