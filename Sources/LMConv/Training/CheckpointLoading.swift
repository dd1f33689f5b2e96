import Foundation

extension Checkpoint {
    /// Loads a checkpoint from a swift-lmconv safetensors file or a PyTorch `.pth` file of the reference
    /// implementation (zip or legacy serialisation), recognised by its first bytes.
    ///
    /// - Parameters:
    ///   - configuration: for files that carry none (bare weights, `.pth` without `args`).
    ///   - orders: likewise.
    ///   - useEMA: for `.pth` files, take `ema_state_dict` instead of `model_state_dict`.
    ///   - warnings: receives non-fatal notes (e.g. unused tensors of a `.pth` state dict).
    public static func load(contentsOf url: URL, configuration: ModelConfiguration? = nil,
                            orders: OrderSpecification? = nil, useEMA: Bool = false,
                            warnings: ((String) -> Void)? = nil) throws -> Checkpoint {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw LMConvError("\(url.path): no such file or not readable")
        }
        let head = [UInt8](handle.readData(ofLength: 9))
        try? handle.close()
        // safetensors: an 8-byte little-endian header length, then the JSON header's "{". Tested first: the length's
        // low bytes can be anything, "PK" or 0x80 included.
        let isSafetensors = head.count == 9 && head[8] == 0x7B
        let isZip = head.starts(with: [0x50, 0x4B])                   // "PK"
        let isLegacyPickle = head.count >= 2 && head[0] == 0x80 && (2...5).contains(head[1])   // PROTO 2...5
        if !isSafetensors && (isZip || isLegacyPickle) {
            return try importTorchCheckpoint(contentsOf: url, configuration: configuration, orders: orders,
                                             useEMA: useEMA, warnings: warnings)
        }
        return try read(contentsOf: url, configuration: configuration, orders: orders)
    }
}
