import ArgumentParser
import Foundation
import LMConv

extension NetworkKind: ExpressibleByArgument {}
extension ResizeMethod: ExpressibleByArgument {}

/// `lmconv train`'s options of the reference's main.py beyond the basic ones: which orders to train on, weight
/// decay, accumulation, the bpd loss, multi-resolution batches, checkpoint history, pictures, fine-tuning.
struct TrainingFlags: ParsableArguments {
    @Option(help: ArgumentHelp("Train on these orders only: indices into the order list (the reference's "
                               + "--train_masks), e.g. 1,3; test evaluations during training use them too.",
                               valueName: "i,j,..."))
    var orderIndices: String?

    @Option(help: ArgumentHelp("L2 weight decay as PyTorch's Adam applies it: grad += W * param before the "
                               + "moments (default 0).", valueName: "W"))
    var weightDecay: Float?

    @Option(help: ArgumentHelp("Batches per optimizer step (gradient accumulation): like one batch N times larger "
                               + "(each batch draws its own order). --steps counts optimizer steps.", valueName: "N"))
    var accumulate: Int?

    @Flag(help: ArgumentHelp("Minimise bits per dimension: each batch's loss divided by batch size x C x H x W x "
                             + "ln 2, as the reference's --minimize_bpd (the same optimum; it rescales the gradient "
                             + "against Adam's epsilon, clipping and weight decay)."))
    var minimizeBpd = false

    @Option(parsing: .upToNextOption,
            help: ArgumentHelp("Multi-resolution training: each batch resized to one of these sizes (N or HxW), "
                               + "e.g. 28 14; test evaluations run at every size (test_bpd_HxW).", valueName: "size"))
    var resizeSizes: [String] = []

    @Option(parsing: .upToNextOption,
            help: ArgumentHelp("The probability of each --resize-sizes size (default: uniform), e.g. 0.5 0.5.",
                               valueName: "p"))
    var resizeProbs: [Double] = []

    @Option(help: ArgumentHelp("How batches and test images are resized (default: area when shrinking, bilinear "
                               + "when enlarging).", valueName: "area|bilinear"))
    var resizeMethod: ResizeMethod?

    @Option(help: ArgumentHelp("Also keep every N steps' checkpoint as DIR/step-N.safetensors.", valueName: "N"))
    var keepEvery: Int?

    @Option(help: ArgumentHelp("Write DIR/samples-step-N.png (samples of the evaluated weights, first training "
                               + "order) every N steps (PixelCNN++: H*W whole forward passes each).", valueName: "N"))
    var sampleEvery: Int?

    @Option(help: ArgumentHelp("Images in each --sample-every picture (default 16).", valueName: "K"))
    var sampleCount: Int?

    @Option(help: ArgumentHelp("Start from this checkpoint's weights (a .safetensors of lmconv or the reference's "
                               + ".pth) and, when it has one, its optimizer state; the model comes from it.",
                               valueName: "checkpoint"))
    var initFrom: String?

    @Flag(help: "With --init-from: start Adam afresh instead of from the checkpoint's optimizer state.")
    var resetOptimizer = false

    func validate() throws {
        for (value, flag) in [(accumulate, "--accumulate"), (keepEvery, "--keep-every"), (sampleEvery, "--sample-every"),
                              (sampleCount, "--sample-count")] {
            if let value, value < 1 { throw ValidationError("\(flag) must be >= 1, got \(value)") }
        }
        if let w = weightDecay, !(w >= 0 && w.isFinite) { throw ValidationError("--weight-decay must be >= 0, got \(w)") }
        if resetOptimizer && initFrom == nil { throw ValidationError("--reset-optimizer needs --init-from") }
        if !resizeProbs.isEmpty && resizeSizes.isEmpty { throw ValidationError("--resize-probs needs --resize-sizes") }
        if resizeMethod != nil && resizeSizes.isEmpty { throw ValidationError("--resize-method needs --resize-sizes") }
        _ = try sizes()
        _ = try indices()
    }

    /// `--resize-sizes` parsed (nil when not given).
    func sizes() throws -> [ImageSize]? {
        guard !resizeSizes.isEmpty else { return nil }
        return try resizeSizes.map {
            guard let size = ImageSize(parsing: $0) else {
                throw ValidationError("--resize-sizes: \"\($0)\" is not an image size (N or HxW, e.g. 14 or 28x28)")
            }
            return size
        }
    }

    /// `--order-indices` parsed (nil when not given).
    func indices() throws -> [Int]? {
        guard let orderIndices else { return nil }
        return try orderIndices.split(separator: ",", omittingEmptySubsequences: false).map {
            guard let i = Int($0.trimmingCharacters(in: .whitespaces)), i >= 0 else {
                throw ValidationError("--order-indices: \"\($0)\" is not an order index (expected e.g. 1,3)")
            }
            return i
        }
    }

    /// Sets the options these flags give.
    func apply(to options: inout TrainingOptions) throws {
        options.orderIndices = try indices()
        options.weightDecay = weightDecay ?? 0
        options.accumulate = accumulate ?? 1
        options.minimizeBPD = minimizeBpd
        options.resizeSizes = try sizes()
        options.resizeProbabilities = resizeProbs.isEmpty ? nil : resizeProbs
        options.resizeMethod = resizeMethod
    }

    /// Sets the schedule's values these flags give.
    func apply(to schedule: inout TrainingSchedule) {
        if let keepEvery { schedule.keepEvery = keepEvery }
        if let sampleEvery { schedule.sampleEvery = sampleEvery }
        if let sampleCount { schedule.sampleCount = sampleCount }
    }

    /// The training options given explicitly (a resumed run ignores them).
    var given: [String] {
        let optional: [(Any?, String)] = [
            (orderIndices, "--order-indices"), (weightDecay, "--weight-decay"), (accumulate, "--accumulate"),
            (resizeMethod, "--resize-method"), (initFrom, "--init-from"),
        ]
        return optional.filter { $0.0 != nil }.map { $0.1 } + (minimizeBpd ? ["--minimize-bpd"] : [])
            + (resizeSizes.isEmpty ? [] : ["--resize-sizes"]) + (resizeProbs.isEmpty ? [] : ["--resize-probs"])
            + (resetOptimizer ? ["--reset-optimizer"] : [])
    }
}
