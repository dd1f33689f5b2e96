import Foundation
import LMConv
import TestSupport
import XCTest

/// Adam's state in a reference checkpoint (`optimizer_state_dict`, keyed by parameter position) comes in by name, so
/// that `train --init-from M.pth` continues the reference's optimizer.
final class TorchOptimizerStateTests: XCTestCase {
    static func floatTensor(_ values: [Float], shape: [Int]) -> PickleValue {
        .tensor(TorchTensor(dtype: .float32, shape: shape, data: values.withUnsafeBytes { Array($0) }))
    }

    /// The binary-28 fixture's checkpoint (whose optimizer state is empty: no update taken) with an Adam state of
    /// `step` updates: parameter i's moments are i + 1 and (i + 1)^2 everywhere.
    static func checkpointWithAdamState(step: Int, dropLast: Bool = false) throws -> (TorchCheckpoint, [String]) {
        let file = try TorchCheckpoint.read(contentsOf: fixturesDirectory.appendingPathComponent("binary-28/checkpoint.pth"))
        let entries = try XCTUnwrap(file.root["model_state_dict"]?.dictValue)
        let names = entries.map { $0.key.stringValue! }
        var state: [(key: PickleValue, value: PickleValue)] = []
        for (i, entry) in entries.enumerated() where !(dropLast && i == entries.count - 1) {
            let shape = entry.value.tensorValue!.shape, count = shape.reduce(1, *)
            state.append((.int(i), .dict([
                (.string("step"), floatTensor([Float(step)], shape: [])),
                (.string("exp_avg"), floatTensor(Array(repeating: Float(i + 1), count: count), shape: shape)),
                (.string("exp_avg_sq"), floatTensor(Array(repeating: Float((i + 1) * (i + 1)), count: count), shape: shape)),
            ])))
        }
        let groups = PickleValue.list([.dict([(.string("lr"), .float(1e-3)),
                                              (.string("params"), .list(entries.indices.map { .int($0) }))])])
        var root = try XCTUnwrap(file.root.dictValue).filter { $0.key.stringValue != "optimizer_state_dict" }
        root.append((.string("optimizer_state_dict"), .dict([(.string("state"), .dict(state)),
                                                             (.string("param_groups"), groups)])))
        return (TorchCheckpoint(root: .dict(root), format: file.format, source: file.source), names)
    }

    func testMomentsArriveByNameAndFineTuningContinuesTheirCount() throws {
        let (file, names) = try Self.checkpointWithAdamState(step: 7)
        let adam = try XCTUnwrap(try file.adamState())
        XCTAssertEqual(adam.step, 7)
        for (i, name) in names.enumerated() {
            XCTAssertEqual(Set(try XCTUnwrap(adam.firstMoment[name]).scalars), [Float(i + 1)], name)
            XCTAssertEqual(Set(try XCTUnwrap(adam.secondMoment[name]).scalars), [Float((i + 1) * (i + 1))], name)
        }
        let checkpoint = try file.imported()
        XCTAssertEqual(checkpoint.optimizerStep, 7)
        XCTAssertEqual(checkpoint.optimizerMoments?.first.count, names.count)

        // Fine-tuning from it starts Adam at its moments and count; the written checkpoint round-trips them.
        var cfg = checkpoint.configuration
        (cfg.height, cfg.width) = (8, 8)
        var options = TrainingOptions()
        options.batchSize = 6
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("torchadam-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try TrainingRun.start(directory: directory, configuration: cfg, orders: checkpoint.orders,
                                        options: options, data: TrainingOptionsTests.data(), dataSource: "tiny",
                                        schedule: TrainingSchedule(totalSteps: 1),
                                        initFrom: FineTuning(checkpoint: checkpoint, source: file.source))
        XCTAssertEqual(run.trainer.optimizerStep, 7)
        XCTAssertEqual(run.trainer.checkpoint().optimizerMoments?.first, checkpoint.optimizerMoments?.first)
        let imported = directory.appendingPathComponent("imported.safetensors")
        try checkpoint.write(to: imported)
        XCTAssertEqual(try Checkpoint.read(contentsOf: imported).optimizerStep, 7)
    }

    func testAStateThatDoesNotCoverEveryParameterIsRefused() throws {
        let (file, _) = try Self.checkpointWithAdamState(step: 2, dropLast: true)
        XCTAssertThrowsError(try file.adamState()) {
            XCTAssertTrue("\($0)".contains("optimizer_state_dict") && "\($0)".contains("no Adam moments"), "\($0)")
        }
        // The fixture as it is (no update taken) has none.
        let plain = try TorchCheckpoint.read(contentsOf: fixturesDirectory.appendingPathComponent("binary-28/checkpoint.pth"))
        XCTAssertNil(try plain.adamState())
    }
}
