import Foundation
import LMConv
import TestSupport
import XCTest

/// The README's "use it from Swift" example, kept compiling and running here (on fewer images and steps).
final class LibraryUsageTests: XCTestCase {
    func testReadmeExample() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("readme-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        // --- README example begins (with .prefix(64), 3 steps and 20 test images to stay fast) ---
        // Train a small binarized model on Fashion-MNIST with the 8 variants of the S-curve order.
        let train = try ImageDataset.fashionMNIST(split: .train).prefix(64)
        let model = try LocallyMaskedPixelCNN(configuration: ModelConfiguration(binarize: true, filters: 16, resnets: 1))
        var options = TrainingOptions()
        options.batchSize = 16
        options.learningRate = 2e-3
        let trainer = try Trainer(model: model, orders: OrderSpecification(names: ["s_curve"], variants: 8),
                                  data: train, options: options)
        for _ in 0..<3 { try trainer.trainStep() }

        // Test bits per dimension under one order and under the ensemble of all eight.
        let test = try ImageDataset.fashionMNIST(split: .test).prefix(20)
        let one = try model.evaluate(test, orders: [trainer.orders[0]], encoding: .dynamicBinarization)
        let all = try model.evaluate(test, orders: trainer.orders, encoding: .dynamicBinarization)
        print("bpd: 1 order \(one.bitsPerDimension), 8 orders \(all.bitsPerDimension)")

        // Sample 4 images along a generalized Hilbert curve, then complete the bottom half of 2 test images.
        var rng = Xoshiro256(seed: 1)
        let order = try GenerationOrder(named: "gilbert2d", height: 28, width: 28)
        let samples = try model.sample(SamplingTask(order: order, count: 4, configuration: model.configuration), rng: &rng)
        let images = Tensor(shape: [2, 1, 28, 28],
                            scalars: test.networkInput([0, 1], encoding: .threshold(128), rng: &rng))
        let completions = try model.complete(images, hidden: try parseRegion("bottom", height: 28, width: 28),
                                             samples: 3, order: order, rng: &rng)

        // Save, and load again (a .pth of the reference implementation loads the same way).
        let file = directory.appendingPathComponent("model.safetensors")
        try trainer.checkpoint().write(to: file)
        let restored = try Checkpoint.load(contentsOf: file).makeModel()
        // --- README example ends ---

        XCTAssertEqual(samples.shape, [4, 1, 28, 28])
        XCTAssertTrue(samples.scalars.allSatisfy { $0 == 1 || $0 == -1 })
        XCTAssertEqual(completions.shape, [6, 1, 28, 28])
        XCTAssertEqual(one.perImageNLL.count, 20)
        XCTAssertLessThan(all.bitsPerDimension, one.bitsPerDimension + 0.05)
        XCTAssertEqual(restored.namedWeights(), model.namedWeights())
    }
}
