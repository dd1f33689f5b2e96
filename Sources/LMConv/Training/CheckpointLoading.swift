import Foundation

extension Checkpoint {
    /// Loads a checkpoint from a swift-lmconv safetensors file or a PyTorch `.pth` file of the reference
    /// implementation (zip or legacy serialisation), recognised by its first bytes (``FileKind``).
    ///
    /// - Parameters:
    ///   - configuration: for files that carry none (bare weights, `.pth` without `args`).
    ///   - orders: likewise.
    ///   - useEMA: for `.pth` files, take `ema_state_dict` instead of `model_state_dict`.
    ///   - warnings: receives non-fatal notes (e.g. unused tensors of a `.pth` state dict).
    public static func load(contentsOf url: URL, configuration: ModelConfiguration? = nil,
                            orders: OrderSpecification? = nil, useEMA: Bool = false,
                            warnings: ((String) -> Void)? = nil) throws -> Checkpoint {
        let kind: FileKind
        do { kind = try FileKind.at(path: url.path) } catch {
            throw LMConvError.fileNotFound(path: url.path, reason: "no such file or not readable")
        }
        switch kind {
        case .zipArchive, .pickleStream:
            return try importTorchCheckpoint(contentsOf: url, configuration: configuration, orders: orders,
                                             useEMA: useEMA, warnings: warnings)
        case .folder, .gzip, .idx, .npy, .png, .jpeg:
            throw LMConvError.unsupported(source: url.path,
                                          reason: "\(kind.description), not a checkpoint (expected a swift-lmconv "
                              + ".safetensors file or a .pth file of the reference implementation)")
        case .safetensors, .cifarBatch, .unknown:
            // Not recognisably anything else: the safetensors reader says what is wrong (truncated, bad header).
            return try read(contentsOf: url, configuration: configuration, orders: orders)
        }
    }
}
