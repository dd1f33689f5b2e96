/// Copies `count` floats, where `count` is a few dozen at most (one image chunk's values of one channel, in the
/// one-location steps of the incremental network): an inlined loop the compiler vectorises, where a call to memmove
/// costs more than the copy itself.
@inlinable @inline(__always)
public func copyShortRun(to destination: UnsafeMutablePointer<Float>, from source: UnsafePointer<Float>, count: Int) {
    for i in 0..<count { destination[i] = source[i] }
}
