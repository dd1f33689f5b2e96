import ArgumentParser
import Foundation
import LMConv

/// `lmconv plot`: learning curves of training runs as a PNG.
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Draw learning curves from training runs' metrics.jsonl files as a PNG, one curve per run.",
        discussion: """
            Each METRICS argument is a run's metrics.jsonl or its run directory. --y names any numeric field of the \
            records (test_bpd, train_bpd, train_nll, lr, ...). --x time is the training time: each record's \
            elapsed_s when it has one, else the time its images_per_s implies (evaluations not counted; the batch \
            size comes from the run's last.safetensors, or --batch-size).
            """)

    @Argument(help: ArgumentHelp("Runs' metrics.jsonl files or run directories.", valueName: "metrics"))
    var metrics: [String]

    @Option(help: ArgumentHelp("The horizontal axis: step or time.", valueName: "step|time"))
    var x: String = "step"

    @Option(help: ArgumentHelp("The quantity to plot (a numeric field of the records).", valueName: "field"))
    var y: String = "test_bpd"

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Legend names, one per run (default: each run directory's "
                                                         + "name).", valueName: "name"))
    var label: [String] = []

    @Option(help: "Images per step, for --x time when a run has neither elapsed_s nor a checkpoint that tells it.")
    var batchSize: Int?

    @Option(help: "The plot's title (default: the quantity over the axis).")
    var title: String?

    @Option(help: ArgumentHelp("The PNG file to write.", valueName: "file.png"))
    var output: String

    func validate() throws {
        guard LearningCurve.Axis(rawValue: x) != nil else { throw ValidationError("--x must be step or time, got \(x)") }
        guard label.isEmpty || label.count == metrics.count else {
            throw ValidationError("--label takes one name per run: \(metrics.count) runs, \(label.count) names")
        }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be >= 1, got \(batchSize)") }
    }

    func run() throws {
        try checkOutputFile(output)
        let axis = LearningCurve.Axis(rawValue: x)!
        let files = metrics.map(metricsFile)
        var series: [CurvePicture.Series] = []
        for (i, file) in files.enumerated() {
            let batch = axis == .time ? (batchSize ?? checkpointBatchSize(besides: file)) : nil
            let curve = try LearningCurve(metrics: file, key: y, x: axis, batchSize: batch)
            series.append(CurvePicture.Series(name: label.isEmpty ? runName(file, among: files) : label[i],
                                              points: curve.points))
        }
        let xLabel = axis == .step ? "step" : "training time (s)"
        let picture = CurvePicture.compose(series: series, title: title ?? "\(y) by \(axis == .step ? "step" : "time")",
                                           xLabel: xLabel, yLabel: y)
        try PNG.write(picture, to: output)
        let points = series.map(\.points.count)
        print("wrote \(output) (\(picture.width)x\(picture.height)): \(series.count) curve\(series.count == 1 ? "" : "s"), "
              + points.map(String.init).joined(separator: ", ") + " points")
    }

    /// A run directory's metrics.jsonl, or the file itself.
    private func metricsFile(_ path: String) -> URL {
        var isDirectory: ObjCBool = false
        let url = URL(fileURLWithPath: path)
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return url.appendingPathComponent("metrics.jsonl")
        }
        return url
    }

    /// The run directory's name; the file name too when two runs share a directory name.
    private func runName(_ file: URL, among files: [URL]) -> String {
        let directory = file.deletingLastPathComponent().lastPathComponent
        let clash = files.filter { $0.deletingLastPathComponent().lastPathComponent == directory }.count > 1
        return clash ? directory + "/" + file.lastPathComponent : directory
    }

    /// The batch size of the run's last.safetensors, when there is one.
    private func checkpointBatchSize(besides file: URL) -> Int? {
        let checkpoint = file.deletingLastPathComponent().appendingPathComponent("last.safetensors")
        guard FileManager.default.fileExists(atPath: checkpoint.path) else { return nil }
        return (try? Checkpoint.read(contentsOf: checkpoint))?.training?.options.batchSize
    }
}
