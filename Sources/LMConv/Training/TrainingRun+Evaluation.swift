import Foundation
import LMConvDistributed

// What a run does besides training steps: test evaluations (at every training size) and pictures of samples.

/// Where a new run takes its initial weights from (`lmconv train --init-from`): another checkpoint of the same
/// network, ours or the reference's, and (unless reset) its optimizer state when it has one.
public struct FineTuning {
    public var checkpoint: Checkpoint
    /// The checkpoint's path, for messages and run.json.
    public var source: String
    /// Start Adam afresh instead of from the checkpoint's moments.
    public var resetOptimizer: Bool

    public init(checkpoint: Checkpoint, source: String, resetOptimizer: Bool = false) {
        self.checkpoint = checkpoint
        self.source = source
        self.resetOptimizer = resetOptimizer
    }
}

extension TrainingRun {
    /// The orders a test evaluation uses at `size`: the first ``TrainingSchedule/evalOrders`` of the training
    /// orders (of ``TrainingOptions/orderIndices`` when given), made for that size.
    func evaluationOrders(at size: ImageSize) throws -> [GenerationOrder] {
        guard trainer.model.learnsOrders else {
            return [try GenerationOrder(named: "raster_scan", height: size.height, width: size.width)]
        }
        let all = try trainer.orderSpecification.orders(height: size.height, width: size.width)
        return trainer.activeOrderIndices.prefix(schedule.evalOrders).map { all[$0] }
    }

    /// Evaluates the current (EMA, when kept) weights on the test data at every training size, logs `test_bpd`
    /// (at the data's own size, or the first resize size when that is not one of them) and `test_bpd_HxW` per size
    /// when there are several, and writes `best.safetensors` when `test_bpd` is the best so far. Returns it.
    @discardableResult
    public func evaluate(onEvent: (TrainingEvent) -> Void = { _ in }) throws -> Double {
        guard testData != nil else { throw LMConvError.invalidArgument(reason: "no test data to evaluate on") }
        let encoding = trainer.model.configuration.inputEncoding()
        let model = try trainer.evaluationModel()
        let main = testSets.firstIndex { $0.size == trainer.dataSize } ?? 0
        var bpds: [Double] = [], result: DatasetEvaluation?, subsetCount = 0, orderCount = 0
        for (i, set) in testSets.enumerated() {
            let subset = schedule.evalLimit.map { set.data.prefix($0) } ?? set.data
            let orders = try evaluationOrders(at: set.size)
            // A fixed seed: every evaluation of the run sees the same binarised test images, so results compare.
            let evaluation = try withoutActuallyEscaping(onEvent) { onEvent in
                try model.evaluateEnsemble(subset, orders: orders, encoding: encoding, batchSize: schedule.evalBatchSize,
                                           seed: trainer.options.seed &+ 0x7E57, communicator: communicator) {
                    onEvent(.evaluating(done: $0, total: subset.count))
                }
            }
            bpds.append(evaluation.bitsPerDimension)
            if i == main { result = evaluation; subsetCount = subset.count; orderCount = orders.count }
        }
        let bpd = bpds[main]
        let isBest = bpd.isFinite && bpd < (trainer.bestTestBPD ?? .infinity)
        if isBest {
            trainer.bestTestBPD = bpd
            try writeCheckpoint(to: bestCheckpointURL)
        }
        var fields: [(String, MetricsValue)] = [
            ("test_bpd", .double(bpd)), ("test_nll", .double(result!.meanNLL)), ("test_images", .int(subsetCount)),
            ("test_orders", .int(orderCount)), ("best", .bool(isBest)),
        ]
        if testSets.count > 1 || testSets[0].size != trainer.dataSize {
            fields += zip(testSets, bpds).map { ("test_bpd_\($0.size)", .double($1)) }
        }
        let record = MetricsRecord(step: trainer.step, fields)
        try communicator.onRoot { try metrics?.append(record) }
        onEvent(.logged(record))
        onEvent(.evaluated(step: trainer.step, bitsPerDimension: bpd, isBest: isBest))
        return bpd
    }

    /// Samples ``TrainingSchedule/sampleCount`` images from the evaluated weights in the first training order, at
    /// the data's size, with noise from the seed and the step (so a resumed run draws the same picture), and writes
    /// them as a PNG grid (``samplesURL(step:)``) on rank 0.
    @discardableResult
    public func writeSamples() throws -> URL {
        let url = samplesURL(step: trainer.step)
        try communicator.onRoot {
            let cfg = trainer.model.configuration, size = trainer.dataSize, count = schedule.sampleCount ?? 16
            let order = try evaluationOrders(at: size)[0]
            var rng = Xoshiro256(seed: trainer.options.seed, purpose: .trainingSamples, step: trainer.step, image: 0)
            let images = try trainer.evaluationModel().sampleImages(count: count, order: order, rng: &rng)
            let picture = ImageGrid.compose(pixels: Preprocessing.toDisplay(images.scalars, nBits: cfg.displayBits),
                                            count: count, channels: cfg.channels, height: size.height,
                                            width: size.width, separator: 2)
            try PNG.write(picture, to: url.path)
        }
        return url
    }
}
