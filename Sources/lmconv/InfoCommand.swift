import ArgumentParser
import Foundation
import LMConv

/// `lmconv info`: what a checkpoint holds.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a checkpoint: model configuration, parameter count, orders, training data and step.",
        discussion: """
            Takes a swift-lmconv .safetensors file or a .pth of the reference implementation (either network). \
            The training step, epoch and learning rate come from the checkpoint itself; the training data from the \
            run.json beside a run's checkpoint, or from a .pth's args (its data set's size is the reference's).
            """)

    @Argument(help: ArgumentHelp("The checkpoint (.safetensors or .pth).", valueName: "checkpoint"))
    var checkpoint: String

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        let s = try CheckpointSummary.read(contentsOf: URL(fileURLWithPath: checkpoint)) { Terminal.note("note: \($0)") }
        if json { print(jsonObject(s).text) } else { printText(s) }
    }

    private func jsonObject(_ s: CheckpointSummary) -> JSON {
        func optional(_ v: Int?) -> JSON { v.map(JSON.int) ?? .null }
        func optional(_ v: Double?) -> JSON { v.map(JSON.number) ?? .null }
        func optional(_ v: String?) -> JSON { v.map(JSON.string) ?? .null }
        var object: [String: JSON] = [
            "checkpoint": .string(s.source), "format": .string(s.format),
            "network": .string(s.configuration.network.rawValue),
            "configuration": decodedJSON(try? JSONWriter.string(s.configuration)),
            "parameters": .int(s.parameterCount),
            "orders": decodedJSON(try? JSONWriter.string(s.orders)),
            "order_names": .array(s.orderNames.map(JSON.string)),
            "ema": .bool(s.hasEMA), "optimizer_state": .bool(s.hasOptimizerState),
            "step": optional(s.step), "epoch": optional(s.epoch), "lr": optional(s.learningRate),
            "best_test_bpd": optional(s.bestTestBPD),
            "training_options": decodedJSON(s.trainingOptionsJSON),
            "training_data": optional(s.trainingData), "training_images": optional(s.trainingImages),
        ]
        if let args = s.referenceArgsJSON { object["args"] = decodedJSON(args) }
        return .object(object)
    }

    private func printText(_ s: CheckpointSummary) {
        let c = s.configuration
        let network = c.network == .lmconv ? "locally masked PixelCNN" : "PixelCNN++ baseline (raster order)"
        func row(_ label: String, _ value: String) { print(label.padding(toLength: 14, withPad: " ", startingAt: 0) + value) }
        row("checkpoint", "\(s.source) (\(s.format))")
        row("network", network)
        row("model", c.shortDescription)
        row("parameters", "\(s.parameterCount)")
        row("orders", "\(s.orders.shortDescription): \(s.orderNames.count) order\(s.orderNames.count == 1 ? "" : "s")")
        for (i, name) in s.orderNames.enumerated() { row("", "\(i)  \(name)") }
        row("state", ["weights", s.hasEMA ? "EMA weights" : nil, s.hasOptimizerState ? "optimizer state" : nil]
            .compactMap { $0 }.joined(separator: ", "))
        row("step", s.step.map { "\($0)" + (s.epoch.map { " (epoch \($0))" } ?? "") } ?? "unknown (no training state)")
        if let lr = s.learningRate { row("lr", "\(lr)") }
        if let bpd = s.bestTestBPD { row("best test", String(format: "%.4f bpd", bpd)) }
        if let data = s.trainingData { row("data", data + (s.trainingImages.map { ", \($0) images" } ?? "")) }
        else { row("data", "unknown (no run.json beside the checkpoint)") }
        if let options = s.trainingOptionsJSON { row("training", options) }
        if !s.referenceArgs.isEmpty {
            row("args", s.referenceArgs.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        }
    }
}
