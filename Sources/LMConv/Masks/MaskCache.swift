import Foundation

// Kernel masks made per order and image size, and kept: a model evaluated, sampled or scored at several sizes, or
// with the same orders batch after batch, builds each set of masks once.

/// A bounded cache of ``OrderMasks`` by order (its pixel sequence and size) and observed pixels.
final class MaskCache: @unchecked Sendable {   // every access goes through `lock`
    private struct Key: Hashable {
        let height: Int
        let width: Int
        let sequence: [Int]          // row-major indices in generation order
        let observed: [Bool]?
    }

    private let lock = NSLock()
    private var entries: [Key: OrderMasks] = [:]
    private var recent: [Key] = []   // least recently used first
    private let capacity: Int

    init(capacity: Int = 32) { self.capacity = capacity }

    /// The masks of `order` (with `observed` pixels known from the start), made on first use.
    func masks(order: GenerationOrder, kernelSize: Int, maxDilation: Int, observed: [Bool]?) throws -> OrderMasks {
        let key = Key(height: order.height, width: order.width, sequence: order.rowMajorIndices, observed: observed)
        lock.lock()
        if let hit = entries[key] {
            recent.removeAll { $0 == key }
            recent.append(key)
            lock.unlock()
            return hit
        }
        lock.unlock()
        let made = try OrderMasks(order: order, kernelSize: kernelSize, maxDilation: maxDilation, observed: observed)
        lock.lock()
        defer { lock.unlock() }
        if entries[key] == nil {
            entries[key] = made
            recent.append(key)
            if recent.count > capacity { entries[recent.removeFirst()] = nil }
        }
        return made
    }
}

extension LocallyMaskedPixelCNN {
    /// The three kernel masks of `order` at its size for this model's kernel and dilation, cached per model.
    ///
    /// - Parameter observed: row-major flags of pixels known before generation starts (completion, conditional
    ///   likelihood), or nil.
    public func masks(for order: GenerationOrder, observed: [Bool]? = nil) throws -> OrderMasks {
        try maskCache.masks(order: order, kernelSize: configuration.kernelSize, maxDilation: configuration.maxDilation,
                            observed: observed)
    }
}
