import Foundation

/// Grow-only scratch memory for the large temporary buffers of the kernels (the im2col columns above all), reused
/// across layers and steps instead of being allocated, page-faulted and freed for every convolution.
///
/// Each thread has its own workspace (``current``), so models used from different threads never share scratch
/// memory. A buffer handed out by ``scratch(_:count:)`` is valid until the next request for the same slot on the
/// same thread: callers use it within one kernel call and keep no pointer to it.
public final class Workspace {
    /// The scratch slots a kernel may ask for; distinct slots can be in use at the same time.
    public enum Slot: Int, CaseIterable, Sendable { case columns, gradient, auxiliary }

    private var buffers: [UnsafeMutableBufferPointer<Float>]

    init() {
        buffers = Slot.allCases.map { _ in UnsafeMutableBufferPointer(start: nil, count: 0) }
    }

    deinit { for b in buffers { b.deallocate() } }

    /// At least `count` floats of uninitialised scratch memory for `slot`.
    public func scratch(_ slot: Slot, count: Int) -> UnsafeMutablePointer<Float> {
        if buffers[slot.rawValue].count < count {
            buffers[slot.rawValue].deallocate()
            buffers[slot.rawValue] = .allocate(capacity: count)
        }
        return buffers[slot.rawValue].baseAddress!
    }

    /// Frees every buffer of this thread's workspace.
    public func release() {
        for i in buffers.indices { buffers[i].deallocate(); buffers[i] = UnsafeMutableBufferPointer(start: nil, count: 0) }
    }

    /// The calling thread's workspace.
    public static var current: Workspace {
        let key = "swift-lmconv.workspace"
        if let w = Thread.current.threadDictionary[key] as? Workspace { return w }
        let w = Workspace()
        Thread.current.threadDictionary[key] = w
        return w
    }
}

extension Tensor {
    /// A tensor whose elements are not initialised (for outputs a kernel overwrites completely).
    public init(uninitializedShape shape: [Int]) {
        let count = shape.reduce(1, *)
        self.init(shape: shape, scalars: [Float](unsafeUninitializedCapacity: count) { _, n in n = count })
    }
}

#if os(Linux)
// glibc's mallopt(3) from <malloc.h>, which the Glibc module does not export; the option numbers are glibc's ABI.
@_silgen_name("mallopt") private func glibcMallopt(_ option: Int32, _ value: Int32) -> Int32
private let M_TRIM_THRESHOLD: Int32 = -1
private let M_TOP_PAD: Int32 = -2
private let M_MMAP_MAX: Int32 = -4
#endif

/// Asks the C allocator to keep freed memory for reuse instead of returning large blocks to the system at once.
///
/// glibc serves large blocks with fresh `mmap`s and gives them back on `free`, so every large activation would be
/// page-faulted in again on each pass (evaluation spent more time in the kernel than computing: this halved its run
/// time). Tools call this once at start-up; a library user may or may not want it (it only changes when memory is
/// returned to the system, never what is computed). Skipped when the environment sets any `MALLOC_` variable, so
/// glibc's own tunables still apply.
public func keepFreedMemoryForReuse() {
    #if os(Linux)
    guard !ProcessInfo.processInfo.environment.keys.contains(where: { $0.hasPrefix("MALLOC_") }) else { return }
    _ = glibcMallopt(M_MMAP_MAX, 0)             // large blocks from the heap, not from fresh mappings
    _ = glibcMallopt(M_TRIM_THRESHOLD, Int32.max)  // never give the heap's top back
    _ = glibcMallopt(M_TOP_PAD, 64 << 20)       // grow the heap in 64 MiB steps
    #endif
}
