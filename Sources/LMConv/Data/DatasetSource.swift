import Foundation

extension ImageDataset {
    /// The name that stands for Debian's Fashion-MNIST (``fashionMNIST(split:directory:)``) wherever a dataset path
    /// is expected.
    public static let fashionMNISTName = "fashion-mnist"

    /// Loads a dataset named the way the command-line tool names one: `fashion-mnist` (the given split of Debian's
    /// Fashion-MNIST) or a path that ``load(path:)`` reads.
    public static func load(source: String, split: Split) throws -> ImageDataset {
        source.lowercased() == fashionMNISTName ? try fashionMNIST(split: split) : try load(path: source)
    }

    /// A 64-bit FNV-1a hash of the images' shape and pixels, to recognise the same dataset again (e.g. on resume).
    public var fingerprint: String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for v in [count, channels, height, width] {
            for shift in stride(from: 0, to: 64, by: 8) { h = (h ^ UInt64((v >> shift) & 0xFF)) &* 0x100_0000_01b3 }
        }
        pixels.withUnsafeBufferPointer { p in
            for byte in p { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        }
        return String(h, radix: 16)
    }
}

extension ModelConfiguration {
    /// Throws, naming both files, unless images of `data` have this model's channels and size.
    public func checkFits(_ data: ImageDataset, dataSource: String, modelSource: String) throws {
        guard data.channels == channels, data.height == height, data.width == width else {
            throw LMConvError.shapeMismatch(source: dataSource,
                                            reason: "images are \(data.channels)x\(data.height)x\(data.width) (channels x rows x "
                + "cols), the model of \(modelSource) takes \(channels)x\(height)x\(width)")
        }
    }

    /// How images become network input for evaluation and completion: binarized models binarise dynamically (drawing
    /// from the caller's generator) or at `binarizeThreshold` when one is given; other models quantise to n_bits.
    public func inputEncoding(binarizeThreshold: UInt8? = nil) -> PixelEncoding {
        guard binarize else { return .bits(nBits) }
        return binarizeThreshold.map { .threshold($0) } ?? .dynamicBinarization
    }

    /// The bit depth of the model's pixel values, for turning network values into display pixels (1 when binarized).
    public var displayBits: Int { binarize ? 1 : nBits }

    /// A one-line summary, e.g. `binarized 1x28x28, F 32, R 2, k 3, D 2, pono`.
    public var summary: String {
        let kind = binarize ? "binarized" : "\(mixtures) logistics, \(nBits)-bit"
        return "\(kind) \(channels)x\(height)x\(width), F \(filters), R \(resnets), k \(kernelSize), D \(maxDilation), "
            + "\(normalization.rawValue)" + (dropout > 0 ? ", dropout \(dropout)" : "")
    }
}
