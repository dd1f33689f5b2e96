import Foundation

// The raw storages of a PyTorch checkpoint, and rebuilding a saved (strided) view of one as a contiguous tensor.

/// The product of `values`, or `nil` on overflow.
func checkedProduct(_ values: [Int]) -> Int? {
    var product = 1
    for value in values {
        let (result, overflow) = product.multipliedReportingOverflow(by: value)
        if overflow { return nil }
        product = result
    }
    return product
}

private func checkedSum(_ a: Int, _ b: Int?) -> Int? {
    guard let b else { return nil }
    let (result, overflow) = a.addingReportingOverflow(b)
    return overflow ? nil : result
}

/// The raw bytes of one storage, as found in the checkpoint.
struct TorchStorageBytes {
    var dtype: TorchDType
    var bytes: [UInt8]
    /// The element where this storage starts within `bytes` (legacy views of a shared root storage).
    var elementOffset: Int = 0
    /// The number of elements available from `elementOffset`.
    var elementCount: Int

    init(dtype: TorchDType, bytes: [UInt8], elementOffset: Int = 0, elementCount: Int? = nil) {
        self.dtype = dtype
        self.bytes = bytes
        self.elementOffset = elementOffset
        self.elementCount = elementCount ?? (bytes.count / dtype.byteCount - elementOffset)
    }
}

/// Copies the strided view `(offset, size, stride)` of `storage` into a contiguous tensor, checking that every
/// element the view addresses lies inside the storage. `describe` names the storage in the error.
func gatherView(
    storage: TorchStorageBytes, offset: Int, size: [Int], stride: [Int], requiresGrad: Bool,
    describe: () -> String
) throws -> TorchTensor {
    let width = storage.dtype.byteCount
    guard size.count == stride.count, size.allSatisfy({ $0 >= 0 }), stride.allSatisfy({ $0 >= 0 }), offset >= 0 else {
        throw LMConvError.corruptFile(source: describe(),
                                      reason: "invalid tensor view (offset \(offset), size \(size), stride \(stride))")
    }
    // Sizes come from the file: overflow must be an error, not a trap.
    guard let count = checkedProduct(size), checkedProduct([count, width]) != nil,
          let reach = zip(size, stride).reduce(Optional(offset), { sum, axis in
              sum.flatMap { checkedSum($0, checkedProduct([max(axis.0 - 1, 0), axis.1])) }
          }) else {
        throw LMConvError.corruptFile(source: describe(),
                                      reason: "tensor view too large (offset \(offset), size \(size), stride \(stride))")
    }
    if count > 0 {
        guard reach < storage.elementCount else {
            throw LMConvError.corruptFile(source: describe(),
                                          reason: "view (offset \(offset), size \(size), stride \(stride)) "
                              + "exceeds its storage of \(storage.elementCount) elements")
        }
    }
    var out = [UInt8](repeating: 0, count: count * width)
    guard count > 0 else {
        return TorchTensor(dtype: storage.dtype, shape: size, data: out, requiresGrad: requiresGrad)
    }
    let base = storage.elementOffset + offset
    // Contiguous views (the usual case) are one copy; others walk the index space with an odometer.
    var contiguousStride = 1
    var isContiguous = true
    for axis in stride.indices.reversed() where size[axis] != 1 {
        if stride[axis] != contiguousStride { isContiguous = false; break }
        contiguousStride *= size[axis]
    }
    storage.bytes.withUnsafeBytes { src in
        out.withUnsafeMutableBytes { dst in
            if isContiguous {
                dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[(base * width)..<((base + count) * width)]))
                return
            }
            var index = [Int](repeating: 0, count: size.count)
            var source = base
            for element in 0..<count {
                let from = source * width
                for b in 0..<width { dst[element * width + b] = src[from + b] }
                // Advance the odometer, innermost axis first.
                var axis = size.count - 1
                while axis >= 0 {
                    index[axis] += 1
                    source += stride[axis]
                    if index[axis] < size[axis] { break }
                    source -= stride[axis] * size[axis]
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
    }
    return TorchTensor(dtype: storage.dtype, shape: size, data: out, requiresGrad: requiresGrad)
}
