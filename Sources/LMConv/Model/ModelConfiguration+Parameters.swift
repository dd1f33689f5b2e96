// Every hyper-parameter of a model configuration in one table: its names (in checkpoint metadata, in the reference's
// saved args, on the command line), what it means, its default and its valid values. ``ModelConfiguration/validate()``,
// the JSON coding of configurations, the command-line options and the import of reference checkpoints all read it.

extension ModelConfiguration {
    /// One hyper-parameter of ``ModelConfiguration``.
    public enum Parameter: String, CaseIterable, Sendable {
        case channels, height, width, binarize, filters, resnets, kernelSize, maxDilation, mixtures, normalization
        case nBits, convBias, learnWeightForMasks, dropout

        /// Its key in a configuration's JSON (checkpoint metadata): the reference's option name where it has one.
        public var key: String {
            switch self {
            case .height: return "rows"
            case .width: return "cols"
            case .filters: return "nr_filters"
            case .resnets: return "nr_resnet"
            case .kernelSize: return "kernel_size"
            case .maxDilation: return "max_dilation"
            case .mixtures: return "nr_logistic_mix"
            case .nBits: return "n_bits"
            case .convBias: return "conv_bias"
            case .learnWeightForMasks: return "learn_weight_for_masks"
            case .channels, .binarize, .normalization, .dropout: return rawValue
            }
        }

        /// Its name in the `args` the reference's training script saves (`no_bias` is the negation of ``convBias``);
        /// nil for what the script derives from its `dataset` instead.
        public var referenceArgument: String? {
            switch self {
            case .channels, .height, .width: return nil
            case .convBias: return "no_bias"
            case .dropout: return "dropout_prob"
            default: return key
            }
        }

        /// Its command-line flag, `--` and the name in kebab case (`--kernel-size`), as ArgumentParser names an
        /// option after the property.
        public var flag: String {
            "--" + rawValue.reduce(into: "") { name, c in
                if c.isUppercase { name += "-" + c.lowercased() } else { name.append(c) }
            }
        }

        /// What it is, in a few words.
        public var summary: String {
            switch self {
            case .channels: return "Image channels C: 1 (grayscale or binary) or 3 (RGB)"
            case .height: return "Image rows H"
            case .width: return "Image columns W"
            case .binarize: return "Binary pixels (±1) with a two-way softmax output, instead of a logistic mixture"
            case .filters: return "Filters F of every hidden layer"
            case .resnets: return "Gated resnets R per stage"
            case .kernelSize: return "Kernel size k of every locally masked convolution"
            case .maxDilation: return "Dilation D of the downsize/upsize convolutions"
            case .mixtures: return "Logistic mixture components M (unused when binarized)"
            case .normalization: return "Normalisation after convolutions"
            case .nBits: return "Bits per sub-pixel of the data the mixture models"
            case .convBias: return "Whether locally masked convolutions have a bias"
            case .learnWeightForMasks: return "Whether locally masked convolutions learn a weight for their masks"
            case .dropout: return "Channel dropout probability in the gated resnets while training"
            }
        }

        /// Its value in the default configuration ``ModelConfiguration/init(channels:height:width:binarize:filters:resnets:kernelSize:maxDilation:mixtures:normalization:nBits:convBias:learnWeightForMasks:dropout:)``,
        /// as text.
        public var defaultValue: String { ModelConfiguration().text(of: self) }

        /// Its valid values, as text (`>= 2`, `in 1...8`); nil when every value of its type is valid.
        public var validValues: String? {
            if self == .normalization {
                let names = Normalization.allCases.map(\.rawValue)
                return "one of " + names.dropLast().joined(separator: ", ") + " or " + names.last!
            }
            switch rule {
            case .atLeast(let minimum): return ">= \(minimum)"
            case .oneOf(let values): return values.map(String.init).joined(separator: " or ")
            case .oddPositive: return "odd and positive"
            case .range(let range): return "in \(range.lowerBound)...\(range.upperBound)"
            case .probability: return "in [0, 1)"
            case .none: return nil
            }
        }

        /// A help text: the summary, the valid values and, when `withDefault`, the default
        /// (`Filters F of every hidden layer, >= 2 (default 32).`).
        public func help(withDefault: Bool = true) -> String {
            summary + (validValues.map { ", \($0)" } ?? "") + (withDefault ? " (default \(defaultValue))." : ".")
        }

        /// Why `value` cannot be this parameter's value (`must be >= 2, got 1`); nil when it can.
        public func problem(with value: Int) -> String? {
            switch rule {
            case .atLeast(let minimum) where value < minimum: return "must be >= \(minimum), got \(value)"
            case .oneOf(let values) where !values.contains(value):
                return "must be " + values.map(String.init).joined(separator: " or ") + ", got \(value)"
            case .oddPositive where value < 1 || value % 2 == 0: return "must be odd and positive, got \(value)"
            case .range(let range) where !range.contains(value):
                return "must be in \(range.lowerBound)...\(range.upperBound), got \(value)"
            default: return nil
            }
        }

        /// Why `value` cannot be this parameter's value (`must be in [0, 1), got 1.0`); nil when it can.
        public func problem(with value: Float) -> String? {
            if case .probability = rule, !(value >= 0 && value < 1) { return "must be in [0, 1), got \(value)" }
            return nil
        }

        private enum Rule { case atLeast(Int), oneOf([Int]), oddPositive, range(ClosedRange<Int>), probability }

        private var rule: Rule? {
            switch self {
            case .channels: return .oneOf([1, 3])
            case .height, .width, .maxDilation, .mixtures: return .atLeast(1)
            case .filters: return .atLeast(2)
            case .resnets: return .atLeast(0)
            case .kernelSize: return .oddPositive
            case .nBits: return .range(1...8)
            case .dropout: return .probability
            case .binarize, .normalization, .convBias, .learnWeightForMasks: return nil
            }
        }
    }

    /// The value of `parameter`, as text.
    public func text(of parameter: Parameter) -> String {
        switch parameter {
        case .channels: return String(channels)
        case .height: return String(height)
        case .width: return String(width)
        case .binarize: return String(binarize)
        case .filters: return String(filters)
        case .resnets: return String(resnets)
        case .kernelSize: return String(kernelSize)
        case .maxDilation: return String(maxDilation)
        case .mixtures: return String(mixtures)
        case .normalization: return normalization.rawValue
        case .nBits: return String(nBits)
        case .convBias: return String(convBias)
        case .learnWeightForMasks: return String(learnWeightForMasks)
        case .dropout: return String(dropout)
        }
    }

    /// The value of an integer `parameter`; nil for the others.
    public func integer(_ parameter: Parameter) -> Int? {
        switch parameter {
        case .channels: return channels
        case .height: return height
        case .width: return width
        case .filters: return filters
        case .resnets: return resnets
        case .kernelSize: return kernelSize
        case .maxDilation: return maxDilation
        case .mixtures: return mixtures
        case .nBits: return nBits
        case .binarize, .normalization, .convBias, .learnWeightForMasks, .dropout: return nil
        }
    }
}
