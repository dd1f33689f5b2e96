import Crypto
import Foundation

/// The SHA-256 that identifies the model a .lmc file was compressed with: decoding with any other model (other
/// weights, configuration or codec settings) would produce garbage, so the reader refuses it up front.
public struct ModelFingerprint: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The 32 bytes of the digest.
    public let bytes: [UInt8]

    /// A fingerprint from its 32 bytes (as read from a file).
    public init(bytes: [UInt8]) {
        precondition(bytes.count == 32, "a model fingerprint has 32 bytes, not \(bytes.count)")
        self.bytes = bytes
    }

    /// SHA-256 of a canonical serialisation of `configuration`, `weights` and `context`:
    /// "lmconv-model-fingerprint-1\n", the configuration as JSON with sorted keys, "\n", then for each tensor in
    /// name order its UTF-8 name, rank and dimensions and float bit patterns (integers little-endian, UInt64 for
    /// lengths and dimensions), then `context` (what else encoder and decoder must share, e.g. the codec's order
    /// list), length first.
    public init(configuration: ModelConfiguration, weights: [String: Tensor], context: String = "") throws {
        var hasher = SHA256()
        hasher.update(data: Array("lmconv-model-fingerprint-1\n".utf8))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        hasher.update(data: try encoder.encode(configuration))
        hasher.update(data: [0x0A])
        func update(_ value: UInt64) {
            withUnsafeBytes(of: value.littleEndian) { hasher.update(bufferPointer: $0) }
        }
        func update(_ text: String) {
            let utf8 = Array(text.utf8)
            update(UInt64(utf8.count))
            hasher.update(data: utf8)
        }
        update(UInt64(weights.count))
        for name in weights.keys.sorted() {
            let tensor = weights[name]!
            update(name)
            update(UInt64(tensor.shape.count))
            for dimension in tensor.shape { update(UInt64(dimension)) }
            var raw = [UInt8]()
            raw.reserveCapacity(4 * tensor.count)
            for value in tensor.scalars {
                let bits = value.bitPattern
                raw.append(UInt8(truncatingIfNeeded: bits)); raw.append(UInt8(truncatingIfNeeded: bits >> 8))
                raw.append(UInt8(truncatingIfNeeded: bits >> 16)); raw.append(UInt8(truncatingIfNeeded: bits >> 24))
            }
            hasher.update(data: raw)
        }
        update(context)
        self.bytes = Array(hasher.finalize())
    }

    /// The fingerprint of `model`'s configuration and current weights.
    public init(model: LocallyMaskedPixelCNN, context: String = "") throws {
        try self.init(configuration: model.configuration, weights: model.namedWeights(), context: context)
    }

    /// 64 lowercase hex digits.
    public var description: String { bytes.map { DataFile.hex($0) }.joined() }
}
