import Foundation
import LMConv

/// One model folder of the reference fixtures (`Tests/Fixtures/<name>`), copied from the project's shared fixtures,
/// which the published PyTorch implementation of LMConv produced.
public struct ReferenceFixture {
    public let name: String
    public let directory: URL
    /// `expected.json`, parsed.
    public let expected: [String: Any]
    public let expectedTensors: SafetensorsFile
    public let weights: SafetensorsFile

    public init(_ name: String) throws {
        self.name = name
        directory = fixturesDirectory.appendingPathComponent(name)
        let json = try Data(contentsOf: directory.appendingPathComponent("expected.json"))
        expected = try JSONSerialization.jsonObject(with: json) as! [String: Any]
        expectedTensors = try SafetensorsFile.read(contentsOf: directory.appendingPathComponent("expected.safetensors"))
        weights = try SafetensorsFile.read(contentsOf: directory.appendingPathComponent("weights.safetensors"))
    }

    /// The model configuration of `expected.json`'s `config`.
    public var configuration: ModelConfiguration {
        let c = expected["config"] as! [String: Any]
        var cfg = ModelConfiguration()
        cfg.channels = c["channels"] as! Int
        cfg.height = c["rows"] as! Int
        cfg.width = c["cols"] as! Int
        cfg.binarize = c["binarize"] as! Bool
        cfg.filters = c["nr_filters"] as! Int
        cfg.resnets = c["nr_resnet"] as! Int
        cfg.mixtures = c["nr_logistic_mix"] as! Int
        cfg.kernelSize = c["kernel_size"] as! Int
        cfg.maxDilation = c["max_dilation"] as! Int
        cfg.normalization = Normalization(rawValue: c["normalization"] as! String)!
        cfg.nBits = c["n_bits"] as! Int
        cfg.convBias = c["conv_bias"] as! Bool
        cfg.learnWeightForMasks = c["learn_weight_for_masks"] as! Bool
        return cfg
    }

    /// A float tensor of `expected.safetensors`.
    public func tensor(_ key: String) throws -> Tensor {
        let t = expectedTensors.tensors[key]!
        return Tensor(shape: t.shape, scalars: try t.floats())
    }

    /// The i-th order used by the fixture.
    public func order(_ i: Int) throws -> GenerationOrder {
        let cfg = configuration
        return try GenerationOrder(height: cfg.height, width: cfg.width,
                                   rowColPairs: try expectedTensors.tensors["order\(i)"]!.int64s())
    }

    public var orderCount: Int { (expected["orders"] as! [Any]).count }

    /// The kernel masks of the i-th order for the fixture's kernel size and dilation.
    public func masks(_ i: Int) throws -> OrderMasks {
        let cfg = configuration
        return try OrderMasks(order: order(i), kernelSize: cfg.kernelSize, maxDilation: cfg.maxDilation)
    }

    /// The model with the fixture's weights.
    public func model() throws -> LocallyMaskedPixelCNN {
        let model = try LocallyMaskedPixelCNN(configuration: configuration)
        try model.loadWeights(from: weights, source: "\(name)/weights.safetensors")
        return model
    }

    /// `nll_nats_per_image_per_order[b][o]`.
    public var perImagePerOrderNLL: [[Double]] {
        (expected["nll_nats_per_image_per_order"] as! [[Any]]).map { $0.map { ($0 as! NSNumber).doubleValue } }
    }
}
