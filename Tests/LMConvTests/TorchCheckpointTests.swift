import Foundation
import LMConv
import TestSupport
import XCTest

/// Reads the reference's PyTorch checkpoints (zip and legacy) and checks them against `weights.safetensors`.
final class TorchCheckpointTests: XCTestCase {
    private static let models = ["binary-28", "gray-28", "rgb-32"]

    /// Every tensor of `model_state_dict` equals the same-named tensor of `weights.safetensors` exactly, and the
    /// key sets agree.
    private func assertMatchesSafetensors(_ checkpoint: TorchCheckpoint, model: String,
                                          file: StaticString = #filePath, line: UInt = #line) throws {
        let state = try checkpoint.stateDict()
        let weights = try SafetensorsFile.read(
            contentsOf: fixturesDirectory.appendingPathComponent("\(model)/weights.safetensors"))
        XCTAssertEqual(Set(state.keys), Set(weights.tensors.keys), "\(model): key sets", file: file, line: line)
        XCTAssertFalse(state.isEmpty, file: file, line: line)
        for (name, expected) in weights.tensors {
            guard let tensor = state[name] else { continue }
            XCTAssertEqual(tensor.shape, expected.shape, "\(model): \(name) shape", file: file, line: line)
            XCTAssertEqual(tensor.scalars, try expected.floats(), "\(model): \(name) values", file: file, line: line)
        }
    }

    func testZipCheckpointsMatchSafetensors() throws {
        for model in Self.models {
            let checkpoint = try TorchCheckpoint.read(
                contentsOf: fixturesDirectory.appendingPathComponent("\(model)/checkpoint.pth"))
            XCTAssertEqual(checkpoint.format, .zip)
            try assertMatchesSafetensors(checkpoint, model: model)
        }
    }

    func testLegacyCheckpointMatchesSafetensorsAndZip() throws {
        let legacy = try TorchCheckpoint.read(
            contentsOf: fixturesDirectory.appendingPathComponent("binary-28/checkpoint_legacy.pth"))
        XCTAssertEqual(legacy.format, .legacy)
        try assertMatchesSafetensors(legacy, model: "binary-28")
        // The two serialisations of one checkpoint decode to the same object (args, optimizer state, tensors).
        let zip = try TorchCheckpoint.read(
            contentsOf: fixturesDirectory.appendingPathComponent("binary-28/checkpoint.pth"))
        XCTAssertEqual(legacy.root, zip.root)
    }

    func testArgsMatchExpectedConfig() throws {
        for model in Self.models {
            let checkpoint = try TorchCheckpoint.read(
                contentsOf: fixturesDirectory.appendingPathComponent("\(model)/checkpoint.pth"))
            let args = try XCTUnwrap(checkpoint.args, model)
            let json = try Data(contentsOf: fixturesDirectory.appendingPathComponent("\(model)/expected.json"))
            let config = try XCTUnwrap((try JSONSerialization.jsonObject(with: json) as? [String: Any])?["config"]
                                       as? [String: Any])
            for name in ["nr_filters", "nr_resnet", "nr_logistic_mix", "kernel_size", "max_dilation", "n_bits"] {
                XCTAssertEqual(args[name]?.intValue, config[name] as? Int, "\(model): \(name)")
            }
            for name in ["binarize", "randomize_order", "learn_weight_for_masks", "base_order_transpose",
                         "base_order_reflect_rows"] {
                XCTAssertEqual(args[name]?.boolValue, config[name] as? Bool, "\(model): \(name)")
            }
            XCTAssertEqual(args["normalization"]?.stringValue, config["normalization"] as? String, model)
            XCTAssertEqual(args["order"]?.listValue?.compactMap(\.stringValue), config["order"] as? [String], model)
            XCTAssertEqual(args["no_bias"]?.boolValue, (config["conv_bias"] as? Bool).map { !$0 }, model)
            XCTAssertEqual(checkpoint.root["epoch"]?.intValue, 0)
            XCTAssertEqual(checkpoint.root["global_step"]?.intValue, 1)
        }
        let binary = try TorchCheckpoint.read(
            contentsOf: fixturesDirectory.appendingPathComponent("binary-28/checkpoint_legacy.pth"))
        XCTAssertEqual(binary.args?["nr_filters"]?.intValue, 8)
        XCTAssertEqual(binary.args?["lr"]?.doubleValue, 0.0002)
        XCTAssertEqual(binary.args?["load_params"]?.isNone, true)
        XCTAssertEqual(binary.args?["max_celeba_train_batches"]?.intValue, -1)
    }

    func testOptimizerStateAndParamGroups() throws {
        let checkpoint = try TorchCheckpoint.read(
            contentsOf: fixturesDirectory.appendingPathComponent("binary-28/checkpoint.pth"))
        let optimizer = try XCTUnwrap(checkpoint.root["optimizer_state_dict"])
        let group = try XCTUnwrap(optimizer["param_groups"]?[0])
        XCTAssertEqual(group["lr"]?.doubleValue, 0.001)
        XCTAssertEqual(group["betas"], .tuple([.float(0.9), .float(0.999)]))
        XCTAssertEqual(group["params"]?.listValue?.count, try checkpoint.stateDict().count)
        // A state dict that is not in the file is a one-line error naming the file.
        XCTAssertThrowsError(try checkpoint.stateDict("ema_state_dict")) { error in
            let message = (error as? LMConvError)?.message ?? ""
            XCTAssertTrue(message.contains("checkpoint.pth") && message.contains("ema_state_dict"), message)
        }
    }
}
