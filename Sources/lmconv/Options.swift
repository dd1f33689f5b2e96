import ArgumentParser
import Foundation
import LMConv

extension Normalization: ExpressibleByArgument {}

/// `--checkpoint PATH` and which weights to use.
struct CheckpointOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A checkpoint: a swift-lmconv .safetensors file (e.g. a run's last.safetensors) or "
                               + "a PyTorch .pth file of the reference implementation.", valueName: "path"))
    var checkpoint: String

    @Flag(help: "Use the checkpoint's moving average of the weights (trained with --ema).")
    var useEMA = false

    /// The checkpoint and a model holding its weights; every error names the file.
    func load() throws -> (Checkpoint, LocallyMaskedPixelCNN) {
        let url = URL(fileURLWithPath: checkpoint)
        let loaded = try Checkpoint.load(contentsOf: url, warnings: { Terminal.note("note: \($0)") })
        return (loaded, try loaded.makeModel(useEMA: useEMA, source: checkpoint))
    }
}

/// `--data PATH|fashion-mnist`.
struct DataOptions: ParsableArguments {
    @Option(help: ArgumentHelp("""
        Images: an IDX file (optionally .gz), a .npy array, a CIFAR-10 .bin batch or folder, a folder of PNGs, or \
        'fashion-mnist' (Debian's dataset-fashion-mnist; the test split here).
        """, valueName: "path|fashion-mnist"))
    var data: String

    /// The dataset (Fashion-MNIST's `split`, or the file).
    func load(split: ImageDataset.Split = .test) throws -> ImageDataset {
        try ImageDataset.load(source: data, split: split)
    }

    /// How the data is named in messages.
    var name: String { data.lowercased() == ImageDataset.fashionMNISTName ? "fashion-mnist (test split)" : data }
}

/// Sampling randomness, temperature and sampler choice.
struct SamplingOptions: ParsableArguments {
    @Option(help: "Seed of the sampling noise (and of dynamic binarisation of given images).")
    var seed: UInt64 = 0

    @Option(help: "Multiplies the logistic noise of mixture models (1: the model's distribution).")
    var temperature: Float = 1

    @Flag(help: "Use the reference's naive sampler (one whole network pass per pixel) even when a faster one exists.")
    var naive = false

    func validate() throws {
        guard temperature >= 0, temperature.isFinite else {
            throw ValidationError("--temperature must be a finite number >= 0, got \(temperature)")
        }
    }
}

/// Size of pictures written as PNG.
struct PictureOptions: ParsableArguments {
    @Option(help: "Enlarge every image pixel to scale x scale PNG pixels.")
    var scale: Int = 2

    func validate() throws {
        guard (1...64).contains(scale) else { throw ValidationError("--scale must be in 1...64, got \(scale)") }
    }
}

/// The option naming an output file: checked before any long computation, written atomically at the end.
func checkOutputFile(_ path: String, option: String = "--output") throws {
    let url = URL(fileURLWithPath: path)
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
        throw LMConvError.invalidOption(name: option, value: path, reason: "is a directory, expected a file name")
    }
    let parent = url.deletingLastPathComponent().path
    guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw LMConvError.invalidOption(name: option, value: path, reason: "the directory \(parent) does not exist")
    }
    guard FileManager.default.isWritableFile(atPath: parent) else {
        throw LMConvError.invalidOption(name: option, value: path, reason: "the directory \(parent) is not writable")
    }
}

/// Validates a list of order names for `option`.
func validateOrderNames(_ names: [String], option: String = "--order") throws {
    for name in names where !GenerationOrder.names.contains(name) {
        throw ValidationError("\(option): unknown generation order \"\(name)\" (valid: "
            + GenerationOrder.names.joined(separator: ", ") + ")")
    }
}

/// Runs `body`, putting an ``LMConvError`` in the context of the option it concerns ("--data: ...").
func forOption<T>(_ option: String, _ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as LMConvError { throw LMConvError.context(option, underlying: error) }
}

/// A JSON value of the tool's `--json` output, written by ``JSONWriter`` (non-finite numbers as `null`).
indirect enum JSON: Encodable {
    case number(Double)
    case int(Int)
    case string(String)
    case bool(Bool)
    case null
    case array([JSON])
    case object([String: JSON])

    /// The value as JSON text.
    var text: String {
        // Cannot fail: every case encodes, non-finite numbers as null.
        try! JSONWriter.string(self)
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let v): if v.isFinite { try container.encode(v) } else { try container.encodeNil() }
        case .int(let v): try container.encode(v)
        case .string(let s): try container.encode(s)
        case .bool(let b): try container.encode(b)
        case .null: try container.encodeNil()
        case .array(let a): try container.encode(a)
        case .object(let o): try container.encode(o)
        }
    }
}

/// Display pixels (N, C, H, W) of network values.
func displayPixels(_ values: Tensor, configuration cfg: ModelConfiguration) -> [UInt8] {
    Preprocessing.toDisplay(values.scalars, nBits: cfg.displayBits)
}

/// `--indices 0,5,7` as integers.
func parseIndices(_ text: String) throws -> [Int] {
    try text.split(separator: ",").map {
        guard let i = Int($0.trimmingCharacters(in: .whitespaces)), i >= 0 else {
            throw ValidationError("--indices: \"\($0)\" is not an image index (expected e.g. 0,5,7)")
        }
        return i
    }
}

/// The model's hyper-parameters (SPEC section 5), shared by `train` and `bench`.
struct ModelOptions: ParsableArguments {
    @Flag(help: "Binarized model (two-way softmax per pixel); images are binarised dynamically while training.")
    var binarize = false

    @Option(help: "Bits per sub-pixel for mixture models, 1...8 (default 8).")
    var nBits: Int?

    @Option(help: "Filters per layer F (default 32).")
    var filters: Int?

    @Option(help: "Gated resnets per stage R (default 2).")
    var resnets: Int?

    @Option(help: "Kernel size k, odd (default 3).")
    var kernelSize: Int?

    @Option(help: "Dilation of the downsize/upsize convolutions D (default 2).")
    var maxDilation: Int?

    @Option(help: "Logistic mixture components M (default 10; unused when binarized).")
    var mixtures: Int?

    @Option(help: ArgumentHelp("Normalisation after convolutions: pono, weight_norm, order_rescale or none "
                               + "(default pono).", valueName: "name"))
    var normalization: Normalization?

    @Option(help: "Channel dropout probability in the gated resnets (default 0).")
    var dropout: Float?

    func validate() throws {
        func atLeast(_ value: Int?, _ name: String, _ minimum: Int) throws {
            if let value, value < minimum { throw ValidationError("\(name) must be >= \(minimum), got \(value)") }
        }
        try atLeast(filters, "--filters", 2)
        try atLeast(resnets, "--resnets", 0)
        try atLeast(maxDilation, "--max-dilation", 1)
        try atLeast(mixtures, "--mixtures", 1)
        if let k = kernelSize, k < 1 || k % 2 == 0 { throw ValidationError("--kernel-size must be odd and positive, got \(k)") }
        if let n = nBits, !(1...8).contains(n) { throw ValidationError("--n-bits must be in 1...8, got \(n)") }
        if let p = dropout, !(p >= 0 && p < 1) { throw ValidationError("--dropout must be in [0, 1), got \(p)") }
    }

    /// The configuration for images of the given shape, with this tool's defaults for what is not given.
    func configuration(channels: Int, height: Int, width: Int) -> ModelConfiguration {
        let defaults = ModelConfiguration()
        return ModelConfiguration(
            channels: channels, height: height, width: width, binarize: binarize, filters: filters ?? 32,
            resnets: resnets ?? 2, kernelSize: kernelSize ?? 3, maxDilation: maxDilation ?? 2,
            mixtures: mixtures ?? 10, normalization: normalization ?? .pono, nBits: nBits ?? 8,
            convBias: defaults.convBias, learnWeightForMasks: defaults.learnWeightForMasks, dropout: dropout ?? 0)
    }

    /// The flags given explicitly (a resumed run ignores them).
    var given: [String] {
        let given: [String] = binarize ? ["--binarize"] : []
        let optional: [(Any?, String)] = [
            (nBits, "--n-bits"), (filters, "--filters"), (resnets, "--resnets"), (kernelSize, "--kernel-size"),
            (maxDilation, "--max-dilation"), (mixtures, "--mixtures"), (normalization, "--normalization"),
            (dropout, "--dropout"),
        ]
        return given + optional.filter { $0.0 != nil }.map { $0.1 }
    }
}
