import Foundation
import LMConv
import TestSupport
import XCTest
import ZIPFoundation

/// Importing the reference's PyTorch checkpoints (Tests/Fixtures/*/checkpoint*.pth) as swift-lmconv checkpoints:
/// configuration and orders from the saved args, weights from the state dict, and the fixtures' likelihoods.
final class TorchImportTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("TorchImportTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: - Helpers

    private static let checkpoints = [
        ("binary-28", "checkpoint.pth"), ("binary-28", "checkpoint_legacy.pth"),
        ("gray-28", "checkpoint.pth"), ("rgb-32", "checkpoint.pth"),
    ]

    func url(_ fixture: String, _ file: String) -> URL {
        fixturesDirectory.appendingPathComponent(fixture).appendingPathComponent(file)
    }

    /// The fixture's checkpoint as read, its root object editable.
    func torchCheckpoint(_ fixture: String, _ file: String = "checkpoint.pth") throws -> TorchCheckpoint {
        try TorchCheckpoint.read(contentsOf: url(fixture, file))
    }

    /// `root` with `key` set to `value` (appended when absent) or removed (`nil`).
    func setting(_ root: PickleValue, _ key: String, _ value: PickleValue?) -> PickleValue {
        var entries = root.dictValue ?? []
        if let index = entries.firstIndex(where: { $0.key == .string(key) }) {
            if let value { entries[index].value = value } else { entries.remove(at: index) }
        } else if let value {
            entries.append((.string(key), value))
        }
        return .dict(entries)
    }

    /// `checkpoint` with one of its saved args changed (`nil` removes it).
    func settingArg(_ checkpoint: TorchCheckpoint, _ key: String, _ value: PickleValue?) -> TorchCheckpoint {
        var copy = checkpoint
        copy.root = setting(checkpoint.root, "args", setting(checkpoint.root["args"]!, key, value))
        return copy
    }

    /// `checkpoint`'s model state dict with `transform` applied to its entries.
    func editingStateDict(_ checkpoint: TorchCheckpoint,
                                  _ transform: ([(key: PickleValue, value: PickleValue)]) -> [(key: PickleValue, value: PickleValue)])
        -> TorchCheckpoint {
        var copy = checkpoint
        copy.root = setting(checkpoint.root, "model_state_dict",
                            .dict(transform(checkpoint.root["model_state_dict"]!.dictValue!)))
        return copy
    }

    func fixtureWeights(_ fixture: String) throws -> [String: Tensor] {
        let file = try SafetensorsFile.read(contentsOf: url(fixture, "weights.safetensors"))
        return try file.tensors.mapValues { Tensor(shape: $0.shape, scalars: try $0.floats()) }
    }

    func assertImportError<T>(_ expression: @autoclosure () throws -> T, contains fragments: [String],
                                      file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            guard let error = error as? LMConvError else {
                return XCTFail("not an LMConvError: \(error)", file: file, line: line)
            }
            for fragment in fragments {
                XCTAssertTrue(error.message.contains(fragment), "'\(error.message)' lacks '\(fragment)'",
                              file: file, line: line)
            }
            XCTAssertFalse(error.message.contains("\n"), "multi-line message: \(error.message)", file: file, line: line)
        }
    }

    // MARK: - The fixtures

    /// Each reference checkpoint loads with the fixture's configuration, orders and weights, and evaluates the
    /// fixture's images to the reference's per-image ensemble NLL.
    func testFixtureCheckpointsReproduceReferenceLikelihoods() throws {
        for (name, file) in Self.checkpoints {
            let fixture = try ReferenceFixture(name)
            var warnings: [String] = []
            let checkpoint = try Checkpoint.load(contentsOf: url(name, file)) { warnings.append($0) }
            XCTAssertEqual(warnings, [], "\(name)/\(file)")
            XCTAssertEqual(checkpoint.configuration, fixture.configuration, "\(name)/\(file)")

            let cfg = checkpoint.configuration
            let orders = try checkpoint.orders.orders(height: cfg.height, width: cfg.width)
            XCTAssertEqual(orders.count, fixture.orderCount, "\(name)/\(file)")
            for (i, order) in orders.enumerated() {
                XCTAssertEqual(order, try fixture.order(i), "\(name)/\(file): order \(i)")
            }

            let expectedWeights = try fixtureWeights(name)
            XCTAssertEqual(Set(checkpoint.weights.keys), Set(expectedWeights.keys), "\(name)/\(file)")
            for (key, tensor) in expectedWeights {
                XCTAssertEqual(checkpoint.weights[key], tensor, "\(name)/\(file): \(key)")
            }

            let images = try ImageDataset.load(
                path: url(name, cfg.channels == 1 ? "images.idx" : "images.bin").path)
            let encoding: PixelEncoding = cfg.binarize ? .threshold(128) : .bits(8)
            let evaluation = try checkpoint.makeModel().evaluate(images, orders: orders, encoding: encoding)
            let expected = (fixture.expected["nll_nats_per_image_ensemble"] as! [NSNumber]).map(\.floatValue)
            XCTAssertEqual(evaluation.perImageNLL.count, expected.count, "\(name)/\(file)")
            assertClose(evaluation.perImageNLL.map(Float.init), expected, relativeTolerance: 1e-4, absoluteTolerance: 0,
                        "\(name)/\(file): ensemble NLL per image")
            let bpd = (fixture.expected["ensemble_bpd"] as! NSNumber).floatValue
            assertClose([Float(evaluation.bitsPerDimension)], [bpd], relativeTolerance: 1e-4, "\(name)/\(file): bpd")
        }
    }

    /// An imported checkpoint written as safetensors reads back the same.
    func testImportedCheckpointRoundTripsThroughSafetensors() throws {
        let imported = try Checkpoint.importTorch(contentsOf: url("gray-28", "checkpoint.pth"))
        let out = directory.appendingPathComponent("gray.safetensors")
        try imported.write(to: out)
        let back = try Checkpoint.read(contentsOf: out)
        XCTAssertEqual(back.configuration, imported.configuration)
        XCTAssertEqual(back.orders, imported.orders)
        XCTAssertEqual(back.orders, OrderSpecification(names: ["raster_scan", "s_curve"], variants: 1))
        XCTAssertEqual(back.weights, imported.weights)
        XCTAssertNil(back.emaWeights)
        XCTAssertNil(back.training)
    }

    // MARK: - Args, prefixes, EMA, overrides

    func testOrderGivenAsStringAndOrderVariants() throws {
        let base = try torchCheckpoint("binary-28")
        // Older versions of the script took a single --order: a string.
        let single = try settingArg(base, "order", .string("raster_scan")).imported()
        XCTAssertEqual(single.orders, OrderSpecification(names: ["raster_scan"], variants: 8))
        var warnings: [String] = []
        XCTAssertNoThrow(try settingArg(base, "order_variants", .list([.int(0)])).imported { warnings.append($0) })
        XCTAssertEqual(try settingArg(base, "order_variants", .list([.int(0)])).imported().orders.variants, 1)
        XCTAssertEqual(try settingArg(base, "order_variants", .list((0..<8).map { .int($0) })).imported().orders.variants, 8)
        XCTAssertEqual(warnings, [])
    }

    /// `order_variants` selects exactly those orders of the variant list, in its sequence (repeats allowed), and the
    /// model evaluates under them as the reference does under `all_generation_idx[i] for i in order_variants`.
    func testOrderVariantsSubsetIsImportedExactly() throws {
        let base = try torchCheckpoint("binary-28")
        let fixture = try ReferenceFixture("binary-28")
        let subset = try settingArg(base, "order_variants", .list([.int(3), .int(1), .int(3)])).imported()
        XCTAssertEqual(subset.orders.selection, [3, 1, 3])
        let orders = try subset.orders.orders(height: 28, width: 28)
        XCTAssertEqual(orders, [try fixture.order(3), try fixture.order(1), try fixture.order(3)])
        XCTAssertEqual(subset.orders.orderNames, ["s_curve.reflect_all", "s_curve.reflect_rows", "s_curve.reflect_all"])

        // Per-image NLLs under the selected orders are the reference's for those orders.
        let model = try subset.makeModel()
        let x = try fixture.tensor("x")
        var rng = Xoshiro256(seed: 1)
        for (k, index) in [3, 1, 3].enumerated() {
            let (out, _) = model.forward(x, masks: try OrderMasks(order: orders[k], kernelSize: model.configuration.kernelSize,
                                                                   maxDilation: model.configuration.maxDilation),
                                         rng: &rng)
            let nll = negativeLogLikelihood(output: out, target: x, configuration: model.configuration).perImageNLL
            assertClose(nll.map(Float.init), fixture.perImagePerOrderNLL.map { Float($0[index]) },
                        relativeTolerance: 1e-4, "order_variants[\(k)] = \(index)")
        }

        // The selection survives a safetensors round trip; an index outside the list is an import error.
        let out = directory.appendingPathComponent("subset.safetensors")
        try subset.write(to: out)
        XCTAssertEqual(try Checkpoint.read(contentsOf: out).orders, subset.orders)
        assertImportError(try settingArg(base, "order_variants", .list([.int(1), .int(8)])).imported(),
                          contains: ["checkpoint.pth", "order_variants", "8"])
    }

    func testHilbertOnNonPowerOfTwoIsAnImportError() throws {
        let checkpoint = settingArg(try torchCheckpoint("binary-28"), "order", .list([.string("hilbert")]))
        // The orders are checked against the image size at import.
        assertImportError(try checkpoint.imported(), contains: ["checkpoint.pth", "hilbert"])
    }

    func testOlderArgsWithoutOptionalKeys() throws {
        // An older script had no --binarize, --no_bias, --n_bits, ... options: absent means off / the default.
        var checkpoint = try torchCheckpoint("gray-28")
        for key in ["binarize", "no_bias", "n_bits", "learn_weight_for_masks", "base_order_transpose",
                    "base_order_reflect_rows", "base_order_reflect_cols", "dropout_prob", "order_variants", "ours"] {
            checkpoint = settingArg(checkpoint, key, nil)
        }
        let imported = try checkpoint.imported()
        XCTAssertEqual(imported.configuration, try ReferenceFixture("gray-28").configuration)
    }

    func testDataParallelPrefixAndEMA() throws {
        let base = try torchCheckpoint("rgb-32")
        let prefixed = editingStateDict(base) { entries in
            entries.map { (key: .string("module." + $0.key.stringValue!), value: $0.value) }
        }
        let expected = try base.imported()
        XCTAssertEqual(try prefixed.imported().weights, expected.weights)

        // useEMA takes ema_state_dict (here a copy of the weights, scaled, with the prefix).
        var withEMA = base
        let scaled = base.root["model_state_dict"]!.dictValue!.map { entry -> (key: PickleValue, value: PickleValue) in
            let t = entry.value.tensorValue!
            let bytes = t.floats().flatMap { value -> [UInt8] in
                let bits = (value * 2).bitPattern
                return (0..<4).map { UInt8(truncatingIfNeeded: bits >> (8 * UInt32($0))) }
            }
            return (.string("module." + entry.key.stringValue!), .tensor(TorchTensor(dtype: .float32, shape: t.shape, data: bytes)))
        }
        withEMA.root = setting(base.root, "ema_state_dict", .dict(scaled))
        let ema = try withEMA.imported(useEMA: true)
        XCTAssertEqual(ema.configuration, expected.configuration)
        for (key, tensor) in expected.weights {
            XCTAssertEqual(ema.weights[key]?.scalars, tensor.scalars.map { $0 * 2 }, key)
        }
        XCTAssertEqual(try withEMA.imported().weights, expected.weights)
        assertImportError(try base.imported(useEMA: true), contains: ["no 'ema_state_dict'", "no EMA weights"])
    }

    func testExplicitValuesOverrideArgsWithAWarning() throws {
        let base = try torchCheckpoint("binary-28")
        var warnings: [String] = []
        var configuration = try ReferenceFixture("binary-28").configuration
        configuration.maxDilation = 3
        let orders = OrderSpecification(names: ["raster_scan"], variants: 1)
        let imported = try base.imported(configuration: configuration, orders: orders) { warnings.append($0) }
        XCTAssertEqual(imported.configuration, configuration)
        XCTAssertEqual(imported.orders, orders)
        XCTAssertEqual(warnings.count, 1, "\(warnings)")
        XCTAssertTrue(warnings[0].contains("max_dilation 2 → 3"), warnings[0])
        XCTAssertTrue(warnings[0].contains("variants 8 → 1"), warnings[0])

        // Single values on top of the args; values equal to the args are no news.
        warnings = []
        let single = try base.imported(overrides: TorchImportOverrides(nBits: 5, orderNames: ["s_curve"])) {
            warnings.append($0)
        }
        XCTAssertEqual(single.configuration.nBits, 5)
        XCTAssertEqual(single.configuration.filters, 8)
        XCTAssertEqual(single.orders.variants, 8)
        XCTAssertEqual(warnings, ["\(base.source): using explicitly given values that differ from the checkpoint's "
                                  + "args: n_bits 8 → 5"])
    }

    func testUnusedTensorsAreAWarning() throws {
        let base = try torchCheckpoint("binary-28")
        let extra = editingStateDict(base) { entries in
            entries + [(key: .string("extra.weight"), value: entries[0].value)]
        }
        var warnings: [String] = []
        let imported = try extra.imported { warnings.append($0) }
        XCTAssertNil(imported.weights["extra.weight"])
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings[0].contains("ignoring 1 tensor(s) of model_state_dict") && warnings[0].contains("extra.weight"),
                      warnings[0])
    }

    // MARK: - Checkpoints without args

    func testBareStateDictNeedsTheCallersValues() throws {
        let base = try torchCheckpoint("binary-28")
        var bare = base
        bare.root = base.root["model_state_dict"]!   // torch.save(model.state_dict())
        assertImportError(try bare.imported(), contains: [
            "has no 'args'", "image height, image width, max_dilation, normalization and generation order",
            "give them explicitly",
        ])
        let fixture = try ReferenceFixture("binary-28")
        // The weights tell channels, filters, resnets, kernel size, bias, binarisation; the rest is given.
        let overrides = TorchImportOverrides(height: 28, width: 28, maxDilation: 2, mixtures: 10, normalization: .pono,
                                             orderNames: ["s_curve"], variants: 8)
        let imported = try bare.imported(overrides: overrides)
        XCTAssertEqual(imported.configuration, fixture.configuration)
        XCTAssertEqual(imported.orders, OrderSpecification(names: ["s_curve"], variants: 8))
        // A complete configuration and orders serve as well.
        let complete = try Checkpoint.load(contentsOf: try writeBare(bare), configuration: fixture.configuration,
                                           orders: imported.orders)
        XCTAssertEqual(complete.weights, imported.weights)
        assertImportError(try Checkpoint.load(contentsOf: try writeBare(bare), configuration: fixture.configuration),
                          contains: ["has no 'args'", "generation order", "give it explicitly"])

        // Weight normalisation and the mixture size are read off the weights.
        var gray = try torchCheckpoint("gray-28")
        gray.root = gray.root["model_state_dict"]!
        let grayImported = try gray.imported(overrides: TorchImportOverrides(
            height: 28, width: 28, maxDilation: 2, orderNames: ["raster_scan", "s_curve"], variants: 1))
        XCTAssertEqual(grayImported.configuration, try ReferenceFixture("gray-28").configuration)
    }

    /// `bare`'s state dict written as a zip checkpoint of a bare state dict (`torch.save(model.state_dict())`).
    func writeBare(_ bare: TorchCheckpoint) throws -> URL {
        typealias P = PickleAssembler
        var body = P.global("collections", "OrderedDict") + P.emptyTuple + P.reduce + P.mark
        var storages: [(String, [UInt8])] = []
        for (i, entry) in bare.root.dictValue!.enumerated() {
            let tensor = entry.value.tensorValue!
            let strides = tensor.shape.indices.map { tensor.shape[($0 + 1)...].reduce(1, *) }
            body += P.str(entry.key.stringValue!) + P.tensor(key: "\(i)", count: tensor.count, offset: 0,
                                                               size: tensor.shape, stride: strides)
            storages.append(("\(i)", tensor.data))
        }
        body += P.setItems
        let out = directory.appendingPathComponent("bare-\(UUID().uuidString).pth")
        let archive = try Archive(url: out, accessMode: .create)
        let entries = [("bare/data.pkl", P.proto + body + P.stop)] + storages.map { ("bare/data/\($0.0)", $0.1) }
        for (path, bytes) in entries {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count)) { position, size in
                Data(bytes[Int(position)..<(Int(position) + size)])
            }
        }
        return out
    }

    func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int = 0) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in start...(haystack.count - needle.count) where haystack[i..<(i + needle.count)].elementsEqual(needle) {
            return i
        }
        return nil
    }

    // MARK: - Bad input

    func copyFixture(_ path: String, prefix: Int? = nil) throws -> URL {
        var bytes = [UInt8](try Data(contentsOf: fixturesDirectory.appendingPathComponent(path)))
        if let prefix { bytes = Array(bytes.prefix(prefix)) }
        let out = directory.appendingPathComponent("\(UUID().uuidString).pth")
        try Data(bytes).write(to: out)
        return out
    }

    /// The fixture's zip checkpoint with `transform` applied to its data.pkl.
    func patchedZip(_ fixture: String, _ transform: ([UInt8]) throws -> [UInt8]?) throws -> URL {
        let out = try copyFixture("\(fixture)/checkpoint.pth")
        let archive = try Archive(url: out, accessMode: .update)
        let entry = try XCTUnwrap(archive["checkpoint/data.pkl"])
        var pickle = Data()
        _ = try archive.extract(entry) { pickle.append($0) }
        try archive.remove(entry)
        if let body = try transform([UInt8](pickle)) {
            try archive.addEntry(with: "checkpoint/data.pkl", type: .file, uncompressedSize: Int64(body.count)) { p, size in
                Data(body[Int(p)..<(Int(p) + size)])
            }
        }
        return out
    }
}
