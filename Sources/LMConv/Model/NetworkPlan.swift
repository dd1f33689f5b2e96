// The wiring of the Locally Masked PixelCNN, written once (SPEC section 5). Parameter registration, the forward
// and backward passes, the one-location step of the incremental machinery, the FLOP count and the checkpoint import
// all read this plan instead of working the network out again.
//
// The network is a chain of layers over the "u" stream (F channels per location): layer i reads the value of layer
// i - 1 (layer 0 reads x1 = [image, ones]) and produces value i. The down pass's gated resnets also read, as a skip
// input, a value of the up pass (the reference's `u_list`, consumed from its end). nin_out reads elu of the last
// value and produces the output distribution's parameters.

/// Which of an order's three kernel masks (``OrderMasks``) a convolution uses.
public enum MaskKind: Int, Sendable, CaseIterable {
    /// Type A, dilation 1: the first layer, which must not see the pixel itself.
    case initial
    /// Type B, dilation 1.
    case undilated
    /// Type B, dilation `maxDilation`: the downsize and upsize convolutions.
    case dilated

    /// This kind's mask among an order's three.
    public func mask(in masks: OrderMasks) -> Tensor {
        switch self {
        case .initial: return masks.initial
        case .undilated: return masks.undilated
        case .dilated: return masks.dilated
        }
    }
}

/// The layers of a Locally Masked PixelCNN in the sequence the forward pass runs them, with their inputs, skip
/// connections, masks and parameter names.
public struct NetworkPlan: Sendable, Equatable {
    /// One layer of the u stream.
    public enum Layer: Sendable, Equatable {
        /// A locally masked convolution then the normalisation: `u_init` (C+1 -> F), `downsize_u_stream.i` and
        /// `upsize_u_stream.i` (F -> F, dilated). `normalizationMask` is the mask order_rescale counts taps of.
        case convolution(name: String, inputChannels: Int, mask: MaskKind, dilation: Int, normalizationMask: MaskKind)
        /// A gated resnet (``GatedResnet``) under the undilated mask; `skip` is the index of the value it reads
        /// through `nin_skip` (down pass only).
        case gatedResnet(name: String, skip: Int?)

        /// The layer's parameter prefix under the reference's names.
        public var name: String {
            switch self {
            case .convolution(let name, _, _, _, _), .gatedResnet(let name, _): return name
            }
        }
    }

    /// The layers in forward order; layer i produces value i.
    public let layers: [Layer]
    /// The parameter prefix of the final 1x1 map from elu(last value) to the output parameters.
    public let outputName = "nin_out"
    /// How many layers (a prefix of ``layers``) form the up pass, u_init included.
    public let upPassCount: Int

    /// The plan of the network a configuration describes.
    public init(configuration cfg: ModelConfiguration) {
        let R = cfg.resnets
        var layers: [Layer] = [.convolution(name: "u_init", inputChannels: cfg.channels + 1, mask: .initial,
                                            dilation: 1, normalizationMask: .undilated)]
        for i in 0..<3 {
            for j in 0..<R { layers.append(.gatedResnet(name: "up_layers.\(i).u_stream.\(j)", skip: nil)) }
            if i < 2 {
                layers.append(.convolution(name: "downsize_u_stream.\(i)", inputChannels: cfg.filters, mask: .dilated,
                                           dilation: cfg.maxDilation, normalizationMask: .dilated))
            }
        }
        upPassCount = layers.count
        // u_list: every up-pass value; its last one starts the down pass, the others are its skips, last first.
        var skips = Array(0..<(upPassCount - 1))
        for i in 0..<3 {
            for j in 0..<(i == 0 ? R : R + 1) {
                layers.append(.gatedResnet(name: "down_layers.\(i).u_stream.\(j)", skip: skips.removeLast()))
            }
            if i < 2 {
                layers.append(.convolution(name: "upsize_u_stream.\(i)", inputChannels: cfg.filters, mask: .dilated,
                                           dilation: cfg.maxDilation, normalizationMask: .dilated))
            }
        }
        precondition(skips.isEmpty, "the down pass reads every up-pass value")
        self.layers = layers
    }

    /// Layer indices in the sequence parameters are registered and initialised: the down pass's resnets, the up
    /// pass's, the downsize and upsize convolutions, u_init (then nin_out). This fixes the flat parameter layout and
    /// which random numbers initialise which weight, as they always were.
    public var registrationOrder: [Int] {
        func rank(_ layer: Layer) -> Int {
            let name = layer.name
            if name.hasPrefix("down_layers") { return 0 }
            if name.hasPrefix("up_layers") { return 1 }
            if name.hasPrefix("downsize") { return 2 }
            if name.hasPrefix("upsize") { return 3 }
            return 4
        }
        return layers.indices.sorted { (rank(layers[$0]), $0) < (rank(layers[$1]), $1) }
    }

    /// Whether value i is read at neighbouring locations by a gated resnet (which reads concat_elu of it) rather
    /// than by a convolution or nin_out (which read it as it is). The incremental machinery keeps it in that form.
    public func valueFeedsGatedResnet(_ i: Int) -> Bool {
        guard i + 1 < layers.count, case .gatedResnet = layers[i + 1] else { return false }
        return true
    }

    /// The number of gated resnets per stage R that `names` (a checkpoint's parameter names) were made with: the
    /// plan whose down pass's resnet names are exactly those present, or nil.
    public static func inferResnets(fromParameterNames names: Set<String>) -> Int? {
        let resnetNames = Set(names.filter { $0.hasPrefix("down_layers.") || $0.hasPrefix("up_layers.") }
            .map { String($0.split(separator: ".").prefix(4).joined(separator: ".")) })
        for R in 0...64 {
            var cfg = ModelConfiguration()
            cfg.resnets = R
            let expected = Set(NetworkPlan(configuration: cfg).layers.compactMap { layer -> String? in
                if case .gatedResnet(let name, _) = layer { return name }
                return nil
            })
            if expected == resnetNames { return R }
        }
        return nil
    }
}
