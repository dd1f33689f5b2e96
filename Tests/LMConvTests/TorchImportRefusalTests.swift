import Foundation
import LMConv
import TestSupport
import XCTest
import ZIPFoundation

/// Damaged or unsupported checkpoints: one-line errors that name the file and what is wrong.
extension TorchImportTests {
    func testTruncatedCheckpoint() throws {
        let size = try Data(contentsOf: url("binary-28", "checkpoint.pth")).count
        for prefix in [100, size / 2] {
            let truncated = try copyFixture("binary-28/checkpoint.pth", prefix: prefix)
            assertImportError(try Checkpoint.load(contentsOf: truncated), contains: [truncated.lastPathComponent, "truncated"])
        }
        let legacy = try copyFixture("binary-28/checkpoint_legacy.pth", prefix: 15000)
        assertImportError(try Checkpoint.load(contentsOf: legacy), contains: [legacy.lastPathComponent, "truncated"])
    }

    func testZipWithoutDataPickle() throws {
        let zip = try patchedZip("binary-28") { _ in nil }
        assertImportError(try Checkpoint.load(contentsOf: zip), contains: [zip.lastPathComponent, "without a data.pkl"])
    }

    func testPickleWithUnknownGlobal() throws {
        let zip = try patchedZip("binary-28") { pickle in
            // Replace the first OrderedDict global (the state dict) with a function that must never be called.
            let global = Array("ccollections\nOrderedDict\n".utf8)
            let at = try XCTUnwrap(find(global, in: pickle))
            return Array(pickle[..<at]) + Array("cos\nsystem\n".utf8) + Array(pickle[(at + global.count)...])
        }
        assertImportError(try Checkpoint.load(contentsOf: zip),
                          contains: [zip.lastPathComponent, "unknown global 'os.system'"])
    }

    func testArgsThatDoNotFitTheWeightsGiveAShapeError() throws {
        // nr_filters 8 -> 16 in the saved args: every tensor is the wrong shape for the configured model.
        let zip = try patchedZip("binary-28") { pickle in
            let key = Array("nr_filters".utf8)
            let at = try XCTUnwrap(find(key, in: pickle)) + key.count
            let value = try XCTUnwrap(find([0x4b, 0x08], in: Array(pickle[at..<(at + 4)]))) + at   // BININT1 8
            var patched = pickle
            patched[value + 1] = 16
            return patched
        }
        assertImportError(try Checkpoint.load(contentsOf: zip), contains: [
            zip.lastPathComponent, "has shape [8, 16, 3, 3], the model needs [16, 32, 3, 3]", "nr_filters 16",
        ])
    }

    func testMissingOrMisshapedTensor() throws {
        let base = try torchCheckpoint("binary-28")
        let missing = editingStateDict(base) { $0.filter { $0.key.stringValue != "nin_out.lin_a.bias" } }
        assertImportError(try missing.imported(), contains: ["missing tensor 'nin_out.lin_a.bias'"])
        let reshaped = editingStateDict(base) { entries in
            entries.map { entry in
                guard entry.key.stringValue == "u_init.weight", var t = entry.value.tensorValue else { return entry }
                t.shape = [t.shape[0], t.shape[1] * t.shape[2], t.shape[3]]   // same elements, wrong shape
                return (entry.key, .tensor(t))
            }
        }
        assertImportError(try reshaped.imported(), contains: [
            "tensor 'u_init.weight' has shape [8, 6, 3], the model needs [8, 2, 3, 3]",
        ])
    }

    func testUnsupportedArgs() throws {
        let base = try torchCheckpoint("binary-28")
        assertImportError(try settingArg(base, "normalization", .string("instance_norm")).imported(),
                          contains: ["normalization 'instance_norm' is not supported"])
        assertImportError(try settingArg(base, "normalization", .string("batch")).imported(),
                          contains: ["unknown args normalization 'batch'", "pono"])
        assertImportError(try settingArg(base, "ours", .bool(false)).imported(), contains: ["PixelCNN++ baseline"])
        assertImportError(try settingArg(base, "nr_filters", .string("eight")).imported(),
                          contains: ["args 'nr_filters' is 'eight', expected an integer"])
        assertImportError(try settingArg(base, "order", PickleValue.none).imported(),
                          contains: ["neither the checkpoint's args nor its weights tell generation order"])
        assertImportError(try settingArg(base, "dataset", .string("imagenet")).imported(),
                          contains: ["image height and image width", "'dataset' 'imagenet' has no known image size"])
        // An unknown data set is fine when the size is given.
        let sized = try settingArg(base, "dataset", .string("imagenet"))
            .imported(overrides: TorchImportOverrides(height: 28, width: 28))
        XCTAssertEqual(sized.configuration, try ReferenceFixture("binary-28").configuration)
        // CelebA-HQ: 3 x celeba_size² (the network itself does not depend on the image size).
        let rgb = try torchCheckpoint("rgb-32")
        let celeba = try settingArg(settingArg(rgb, "dataset", .string("celebahq")), "celeba_size", .int(64)).imported()
        var expected = try ReferenceFixture("rgb-32").configuration
        (expected.height, expected.width) = (64, 64)
        XCTAssertEqual(celeba.configuration, expected)
        XCTAssertEqual(try celeba.orders.orders(height: 64, width: 64).count, 8)
        // A binarized model of three channels is not a valid configuration.
        assertImportError(try settingArg(base, "dataset", .string("cifar")).imported(),
                          contains: ["checkpoint.pth: invalid model configuration: binarize needs 1 channel"])
    }
}
