import Foundation

// Importing a checkpoint of the reference's PixelCNN++ baseline (its main.py without --ours, args 'ours' False):
// the network of baseline.py, raster order only. Called by ``TorchCheckpoint/imported(configuration:orders:overrides:useEMA:warnings:)``.
//
// | args key | here |
// | --- | --- |
// | `dataset` | image size and channels, as for the locally masked model |
// | `nr_filters`, `nr_resnet`, `nr_logistic_mix`, `n_bits`, `binarize` | filters, resnets, mixtures, nBits, binarize |
// | `dropout_prob` | ignored: baseline.py builds its gated resnets with dropout 0.5 whatever the option says |
// | everything else | ignored (no masks, no orders, weight norm and biases always) |
//
// Values the args lack fall back to the weights (channels, filters, resnets, mixtures from the tensor shapes).

extension TorchCheckpoint {
    /// The PixelCNN++ checkpoint: configuration (network `.pixelCNNPlusPlus`, weight norm, dropout 0.5), the order
    /// `raster_scan`, and the weights of `weights`, checked against the network.
    ///
    /// - Parameters:
    ///   - given: explicit values (the orders among them must be nil or raster_scan, 1 variant).
    ///   - weightsSource: names the state dict in messages.
    func importedPixelCNNPlusPlus(weights: [String: Tensor], args: TorchArgs, given: TorchImportOverrides,
                                  weightsSource: String, key: String,
                                  warnings: ((String) -> Void)?) throws -> Checkpoint {
        let baseline = "args 'ours' is False (the reference's PixelCNN++ baseline)"
        if let names = given.orderNames, names != ["raster_scan"] || (given.variants ?? 1) != 1 {
            throw LMConvError.invalidArgument(source: source, reason: "\(baseline), which generates in raster order only; cannot use the orders "
                              + names.joined(separator: ", "))
        }
        var dataset: (channels: Int, height: Int, width: Int)?
        if let name = try args.string("dataset") {
            dataset = ImportResolver.datasetShape(name, celebaSize: try args.int("celeba_size"))
        }
        // What the weights tell: u_init's weight (F, C+1, 2, 3), the down pass's middle stage (R+1 blocks), nin_out.
        let initShape = weights["u_init.conv.weight_v"]?.shape
        let prefix = "down_layers.1.u_stream."
        let blocks = Set(weights.keys.filter { $0.hasPrefix(prefix) }.compactMap {
            Int($0.dropFirst(prefix.count).prefix { $0 != "." })
        })
        let outputs = weights["nin_out.lin_a.bias"]?.shape.first

        var missing: [String] = []
        func require<T>(_ value: T?, _ name: String) -> T? {
            if value == nil { missing.append(name) }
            return value
        }
        let channels = require(given.channels ?? dataset?.channels ?? initShape.map { $0[1] - 1 }, "channels")
        let height = require(given.height ?? dataset?.height, "image height")
        let width = require(given.width ?? dataset?.width, "image width")
        let filters = require(try given.filters ?? args.int("nr_filters") ?? initShape?[0], "nr_filters")
        let resnets = require(try given.resnets ?? args.int("nr_resnet") ?? blocks.max(), "nr_resnet")
        let binarize = try given.binarize ?? args.checkedBool("binarize") ?? false
        let perComponent = channels == 1 ? 3 : 10
        let mixtures = require(try given.mixtures ?? args.int("nr_logistic_mix")
                               ?? (binarize ? 10 : outputs.map { $0 / perComponent }), "nr_logistic_mix")
        guard missing.isEmpty else {
            throw LMConvError.invalidArgument(source: source, reason: "\(baseline): neither its args nor its weights tell "
                              + missing.joined(separator: ", ") + "; give them explicitly (on the command line: "
                              + "lmconv import with --height, --width, ...)")
        }
        var configuration = ModelConfiguration(
            channels: channels!, height: height!, width: width!, binarize: binarize, filters: filters!,
            resnets: resnets!, mixtures: mixtures!, normalization: .weightNorm, nBits: try given.nBits ?? args.int("n_bits") ?? 8,
            network: .pixelCNNPlusPlus)
        configuration.dropout = given.dropout ?? 0.5
        let model: PixelCNNPlusPlus
        let unused: [String]
        do {
            model = try PixelCNNPlusPlus(configuration: configuration)
            unused = try model.loadWeights(weights, source: weightsSource, allowUnused: true)
        } catch let error as LMConvError {
            let c = configuration
            let described = "\(c.channels)x\(c.height)x\(c.width) " + (c.binarize ? "binarized" : "\(c.nBits)-bit, "
                + "nr_logistic_mix \(c.mixtures)") + ", nr_filters \(c.filters), nr_resnet \(c.resnets)"
            let reason = error.message.hasPrefix(weightsSource + ": ")
                ? String(error.message.dropFirst(weightsSource.count + 2)) : error.message
            throw LMConvError.shapeMismatch(source: source, reason: "\(baseline), but the checkpoint does not fit that network (\(described)): "
                              + reason)
        }
        if !unused.isEmpty {
            warnings?("\(weightsSource): ignoring \(unused.count) tensor(s) of \(key) that are not parameters of "
                      + "this model: " + unused.prefix(8).joined(separator: ", ") + (unused.count > 8 ? ", ..." : ""))
        }
        return Checkpoint(configuration: configuration, orders: OrderSpecification(names: ["raster_scan"], variants: 1),
                          weights: model.namedWeights())
    }
}
