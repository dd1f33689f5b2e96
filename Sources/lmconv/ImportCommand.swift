import ArgumentParser
import Foundation
import LMConv

/// `lmconv import`: a checkpoint of the reference PyTorch implementation to a swift-lmconv checkpoint.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Convert a checkpoint of the reference PyTorch implementation (.pth) to a swift-lmconv checkpoint.",
        discussion: """
            Reads the file torch.save wrote (zip or pre-1.6 legacy serialisation) without Python. The model \
            configuration and generation orders come from the checkpoint's saved 'args' (what they lack, from the \
            weights' shapes); the options below override them, or supply them for a checkpoint without 'args'. \
            The weights must fit the configuration exactly.
            """)

    @Argument(help: "The reference checkpoint (.pth).")
    var checkpoint: String

    @Option(name: [.short, .long], help: "The swift-lmconv checkpoint to write (.safetensors).")
    var output: String

    @Flag(help: "Import the exponential moving average of the weights (ema_state_dict).")
    var ema = false

    // The model values the checkpoint's args (or weights) may not tell; no defaults, since they override the args.
    private typealias P = ModelConfiguration.Parameter

    @Option(help: ArgumentHelp(P.height.help(withDefault: false) + " Needed when the checkpoint's data set does not tell it."))
    var height: Int?

    @Option(help: ArgumentHelp(P.width.help(withDefault: false)))
    var width: Int?

    @Option(help: ArgumentHelp(P.normalization.help(withDefault: false)))
    var normalization: String?

    @Option(help: ArgumentHelp(P.maxDilation.help(withDefault: false)))
    var maxDilation: Int?

    @Option(help: ArgumentHelp(P.nBits.help(withDefault: false)))
    var nBits: Int?

    @Option(parsing: .upToNextOption,
            help: "Base generation order(s): raster_scan, s_curve, hilbert, gilbert2d, s_curve_center_quarter_last.")
    var order: [String] = []

    @Option(help: "Variants of each base order: 1, or 8 (the reference's --randomize_order).")
    var variants: Int?

    @Option(name: .customLong("order-variants"), parsing: .upToNextOption,
            help: ArgumentHelp("Keep only these orders of the list, by index (the reference's --order_variants).",
                               valueName: "index"))
    var orderVariants: [Int] = []

    @OptionGroup var threadOptions: ThreadOptions
    func validate() throws {
        for case let (p, value?) in [(P.height, height), (P.width, width), (P.maxDilation, maxDilation), (P.nBits, nBits)] {
            if let problem = p.problem(with: value) { throw ValidationError("\(p.flag) \(problem)") }
        }
        if let variants, variants != 1 && variants != 8 { throw ValidationError("--variants must be 1 or 8, got \(variants)") }
    }

    func run() throws {
        threadOptions.apply()
        var overrides = TorchImportOverrides(height: height, width: width, maxDilation: maxDilation, nBits: nBits,
                                             variants: variants)
        if let normalization {
            guard let value = Normalization(rawValue: normalization) else {
                throw LMConvError.invalidOption(name: "--normalization", reason: "unknown value '\(normalization)' (valid: "
                                                + Normalization.allCases.map(\.rawValue).joined(separator: ", ") + ")")
            }
            overrides.normalization = value
        }
        if !order.isEmpty { overrides.orderNames = order }
        if !orderVariants.isEmpty { overrides.orderSelection = orderVariants }

        let input = URL(fileURLWithPath: checkpoint)
        let result = try Checkpoint.importTorch(contentsOf: input, overrides: overrides, useEMA: ema) { warning in
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
        }
        let orderCount = try result.orders.orders(height: result.configuration.height,
                                                  width: result.configuration.width).count
        try result.write(to: URL(fileURLWithPath: output))
        let parameters = result.weights.values.reduce(0) { $0 + $1.count }
        print("imported \(checkpoint) -> \(output): \(result.configuration.shortDescription); "
              + "orders \(result.orders.shortDescription) (\(orderCount) order\(orderCount == 1 ? "" : "s")); "
              + "\(parameters) parameters" + (ema ? " (EMA weights)" : ""))
    }
}
