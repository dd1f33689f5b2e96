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
