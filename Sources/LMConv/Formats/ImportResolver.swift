import Foundation

/// Explicit values, then args, then the weights; what none of them gives is listed in one error.
struct ImportResolver {
    let args: TorchArgs?
    let shapes: WeightShapes
    let source: String

    /// The image shape of a data set named in `args['dataset']`, as the reference's script sets it.
    static func datasetShape(_ name: String, celebaSize: Int?) -> (channels: Int, height: Int, width: Int)? {
        let name = name.lowercased()
        if name.contains("mnist") { return (1, 28, 28) }
        if name.contains("cifar") { return (3, 32, 32) }
        if name.contains("celeba") { let s = celebaSize ?? 256; return (3, s, s) }
        return nil
    }

    func resolve(_ given: TorchImportOverrides, warnings: ((String) -> Void)?) throws
        -> (ModelConfiguration, OrderSpecification)
    {
        typealias P = ModelConfiguration.Parameter
        let d = ModelConfiguration()
        func int(_ p: P) throws -> Int? { try args?.int(p.referenceArgument!) }
        func bool(_ p: P) throws -> Bool? { try args?.checkedBool(p.referenceArgument!) }
        var missing: [String] = []
        var notes: [String] = []
        func require<T>(_ value: T?, _ name: String) -> T? {
            if value == nil { missing.append(name) }
            return value
        }

        var dataset: (channels: Int, height: Int, width: Int)?
        if let args, let name = try args.string("dataset") {
            dataset = Self.datasetShape(name, celebaSize: try args.int("celeba_size"))
            if dataset == nil, given.height == nil || given.width == nil {
                notes.append("args 'dataset' '\(name)' has no known image size")
            }
        }

        let normalization: Normalization?
        if let value = given.normalization {
            normalization = value
        } else if let name = try args?.string(P.normalization.referenceArgument!) {
            normalization = try Self.normalization(named: name, source: source)
        } else {
            // The weights tell weight normalisation apart, but not PONO, order_rescale and none from each other.
            normalization = shapes.weightNorm == true ? .weightNorm : nil
        }

        let channels = given.channels ?? dataset?.channels ?? shapes.channels
        let height = require(given.height ?? dataset?.height, "image height")
        let width = require(given.width ?? dataset?.width, "image width")
        let filters = require(try given.filters ?? int(.filters) ?? shapes.filters, P.filters.key)
        let resnets = require(try given.resnets ?? int(.resnets) ?? shapes.resnets, P.resnets.key)
        let kernelSize = require(try given.kernelSize ?? int(.kernelSize) ?? shapes.kernelSize, P.kernelSize.key)
        let maxDilation = require(try given.maxDilation ?? int(.maxDilation), P.maxDilation.key)
        _ = require(normalization, P.normalization.key)
        _ = require(channels, P.channels.key)

        // A flag an older script did not have is off (not the library's default of a binarized model); without args
        // the weights decide. Values an older script did not have are the library's defaults, which are the
        // reference's.
        let binarize = try given.binarize ?? bool(.binarize) ?? shapes.binarize ?? false
        let mixtures = try given.mixtures ?? int(.mixtures) ?? shapes.mixtures ?? (binarize ? d.mixtures : nil)
        _ = require(mixtures, P.mixtures.key)
        let nBits = try given.nBits ?? int(.nBits) ?? d.nBits
        let convBias = try given.convBias ?? bool(.convBias).map { !$0 } ?? shapes.convBias ?? d.convBias
        let learnWeightForMasks = try given.learnWeightForMasks ?? bool(.learnWeightForMasks)
            ?? shapes.learnWeightForMasks ?? d.learnWeightForMasks
        let dropout = try given.dropout ?? args?.double(P.dropout.referenceArgument!).map(Float.init) ?? d.dropout

        let names = require(try given.orderNames ?? args?.strings("order"), "generation order")
        let randomized = try args?.checkedBool("randomize_order")
        let variants = given.variants ?? randomized.map { $0 ? 8 : 1 } ?? 1
        let baseTranspose = try given.baseTranspose ?? args?.checkedBool("base_order_transpose") ?? false
        let baseReflectRows = try given.baseReflectRows ?? args?.checkedBool("base_order_reflect_rows") ?? false
        let baseReflectCols = try given.baseReflectCols ?? args?.checkedBool("base_order_reflect_cols") ?? false

        guard missing.isEmpty else {
            let list = missing.count == 1 ? missing[0]
                : missing.dropLast().joined(separator: ", ") + " and " + missing.last!
            let reason = args == nil ? "the checkpoint has no 'args' and its weights do not tell "
                : "neither the checkpoint's args nor its weights tell "
            throw LMConvError.invalidConfiguration(source: source,
                                                   reason: "\(reason)\(list)" + (notes.isEmpty ? "" : " (\(notes.joined(separator: "; ")))")
                              + "; give \(missing.count == 1 ? "it" : "them") explicitly (on the command line: "
                              + "lmconv import with --height, --width, --max-dilation, --normalization, --order)")
        }

        var configuration = ModelConfiguration()
        configuration.channels = channels!
        configuration.height = height!
        configuration.width = width!
        configuration.binarize = binarize
        configuration.filters = filters!
        configuration.resnets = resnets!
        configuration.kernelSize = kernelSize!
        configuration.maxDilation = maxDilation!
        configuration.mixtures = mixtures!
        configuration.normalization = normalization!
        configuration.nBits = nBits
        configuration.convBias = convBias
        configuration.learnWeightForMasks = learnWeightForMasks
        configuration.dropout = dropout

        var orders = OrderSpecification(names: names!, variants: variants, baseTranspose: baseTranspose,
                                        baseReflectRows: baseReflectRows, baseReflectCols: baseReflectCols)
        if let selected = given.orderSelection {
            orders.selection = selected
            do { try orders.checkSelection() } catch let error as LMConvError {
                throw LMConvError.invalidArgument(source: source, reason: "the given order_variants \(selected): " + error.message)
            }
        } else if given.orderNames == nil && given.variants == nil, let selected = try args?.ints("order_variants"),
           !selected.isEmpty {
            let count = orders.names.count * orders.variants
            if selected == Array(0..<count) {
                // Every variant: the plain list.
            } else if orders.variants == 8, selected == orders.names.indices.map({ $0 * 8 }) {
                orders.variants = 1   // each base order's variant 0 is the base order itself
            } else {
                orders.selection = selected   // the reference's `all_generation_idx[i] for i in order_variants`
                do { try orders.checkSelection() } catch let error as LMConvError {
                    throw LMConvError.corruptFile(source: source, reason: "args 'order_variants' \(selected): " + error.message)
                }
            }
        }
        return (configuration, orders)
    }

    static func normalization(named name: String, source: String) throws -> Normalization {
        if let value = Normalization(rawValue: name) { return value }
        if name.hasPrefix("instance_norm") {
            throw LMConvError.unsupported(source: source,
                                          reason: "args normalization '\(name)' is not supported (the reference has no "
                              + "causal instance norm for locally masked models)")
        }
        throw LMConvError.unsupported(source: source, reason: "unknown args normalization '\(name)' (valid: "
                          + Normalization.allCases.map(\.rawValue).joined(separator: ", ") + ")")
    }
}
