import ArgumentParser
import Foundation
import LMConv

// Which network a new run trains, with which orders, and from which weights (`--model`, `--init-from`).

extension TrainCommand {
    /// The checkpoint of `--init-from`, loaded (ours or the reference's `.pth`).
    func fineTuning() throws -> FineTuning? {
        guard let path = training.initFrom else { return nil }
        let checkpoint = try forOption("--init-from") {
            try Checkpoint.load(contentsOf: URL(fileURLWithPath: path), warnings: { Terminal.note("note: \($0)") })
        }
        return FineTuning(checkpoint: checkpoint, source: path, resetOptimizer: training.resetOptimizer)
    }

    /// The new run's model for `data`: `--init-from`'s (at the data's size) or the one the flags describe. Options
    /// that do not apply are refused, naming the option.
    func configuration(for data: ImageDataset, from checkpoint: Checkpoint?) throws -> ModelConfiguration {
        if let checkpoint {
            if let flag = model.given.first {
                throw LMConvError.invalidOption(name: flag, reason: "the model comes from --init-from \(training.initFrom!)")
            }
            if let network, network != checkpoint.configuration.network {
                throw LMConvError.invalidOption(name: "--model", value: network.rawValue, reason: "--init-from "
                                                + "\(training.initFrom!) holds a \(checkpoint.configuration.network.rawValue) network")
            }
            var cfg = checkpoint.configuration
            cfg.height = data.height
            cfg.width = data.width
            if cfg.network == .pixelCNNPlusPlus { try refuseLMConvOnlyOptions() }
            return cfg
        }
        var cfg = model.configuration(channels: data.channels, height: data.height, width: data.width)
        cfg.network = network ?? .lmconv
        if cfg.network == .pixelCNNPlusPlus { try refuseLMConvOnlyOptions() }
        return cfg
    }

    /// The PixelCNN++ baseline generates in raster order with plain (shifted, weight-normalised) convolutions.
    private func refuseLMConvOnlyOptions() throws {
        var given = model.lmconvOnlyGiven
        if !order.isEmpty && order != ["raster_scan"] { given.append("--order") }
        if let variants, variants != 1 { given.append("--variants") }
        if baseOrderTranspose || baseOrderReflectRows || baseOrderReflectCols { given.append("--base-order-*") }
        if training.orderIndices != nil { given.append("--order-indices") }
        if let flag = given.first {
            throw LMConvError.invalidOption(name: flag, reason: "only the locally masked network has it; --model "
                                            + "pixelcnn++ trains in raster order")
        }
    }

    /// The run's orders: raster for PixelCNN++; else the flags', or `--init-from`'s when no order flag is given.
    func orderSpecification(for cfg: ModelConfiguration, from checkpoint: Checkpoint?) throws -> OrderSpecification {
        if cfg.network == .pixelCNNPlusPlus { return OrderSpecification(names: ["raster_scan"], variants: 1) }
        let orderFlags = !order.isEmpty || variants != nil || baseOrderTranspose || baseOrderReflectRows
            || baseOrderReflectCols
        if let checkpoint, !orderFlags { return checkpoint.orders }
        return OrderSpecification(names: order.isEmpty ? ["s_curve"] : order, variants: variants ?? 8,
                                  baseTranspose: baseOrderTranspose, baseReflectRows: baseOrderReflectRows,
                                  baseReflectCols: baseOrderReflectCols)
    }
}
