/// One named parameter tensor: its slice of the store's flat buffers.
public struct ParameterSlot: Sendable, Equatable {
    /// The reference implementation's name, e.g. `up_layers.0.u_stream.1.conv_out.weight_v`.
    public let name: String
    /// The shape as in the reference's checkpoints, e.g. (Cout, Cin, k, k).
    public let shape: [Int]
    /// Where the parameter starts in ``ParameterStore/values`` and ``ParameterStore/gradients``.
    public let offset: Int
    /// The number of elements.
    public var count: Int { shape.reduce(1, *) }
}

/// All parameters of a model in one flat buffer, their gradients in a second one of the same layout.
///
/// Layers keep ``ParameterSlot``s and read their weights through `value(_:)` / accumulate into `gradient(_:)`
/// (raw pointers, inside the module only). One layout for everything makes Adam a single loop and a checkpoint a table
/// of names and offsets. This class is the only owner of the raw parameter memory; outside the module it is reached
/// through copies and checked element accessors, so no pointer can outlive the store.
public final class ParameterStore: @unchecked Sendable {
    /// Every parameter in creation order.
    public private(set) var slots: [ParameterSlot] = []
    private var slotIndex: [String: Int] = [:]
    /// The parameter values, (totalCount).
    private(set) var values = UnsafeMutableBufferPointer<Float>(start: nil, count: 0)
    /// The gradients, (totalCount), accumulated by backward passes (`+=`) until ``zeroGradients()``.
    private(set) var gradients = UnsafeMutableBufferPointer<Float>(start: nil, count: 0)
    private var sealed = false

    public init() {}

    deinit {
        values.deallocate()
        gradients.deallocate()
    }

    /// The total number of scalars.
    public var totalCount: Int { slots.last.map { $0.offset + $0.count } ?? 0 }

    /// Registers a parameter (before ``seal()``).
    public func register(_ name: String, shape: [Int]) -> ParameterSlot {
        precondition(!sealed, "parameters are registered before the store is sealed")
        precondition(slotIndex[name] == nil, "duplicate parameter \(name)")
        let slot = ParameterSlot(name: name, shape: shape, offset: totalCount)
        slotIndex[name] = slots.count
        slots.append(slot)
        return slot
    }

    /// Allocates the buffers (zeroed) once every parameter is registered.
    public func seal() {
        precondition(!sealed)
        sealed = true
        values = .allocate(capacity: totalCount)
        values.initialize(repeating: 0)
        gradients = .allocate(capacity: totalCount)
        gradients.initialize(repeating: 0)
    }

    /// The slot of a parameter by its reference name.
    public func slot(named name: String) -> ParameterSlot? { slotIndex[name].map { slots[$0] } }

    /// The first value of a parameter.
    @inline(__always) func value(_ slot: ParameterSlot) -> UnsafeMutablePointer<Float> {
        values.baseAddress! + slot.offset
    }

    /// The first gradient element of a parameter.
    @inline(__always) func gradient(_ slot: ParameterSlot) -> UnsafeMutablePointer<Float> {
        gradients.baseAddress! + slot.offset
    }

    /// A copy of every value, in slot order (totalCount); setting it overwrites every value.
    public var allValues: [Float] {
        get { Array(values) }
        set {
            precondition(newValue.count == totalCount, "\(newValue.count) values for \(totalCount) parameters")
            for i in 0..<totalCount { values[i] = newValue[i] }
        }
    }

    /// A copy of every gradient, in slot order (totalCount); setting it overwrites every gradient.
    public var allGradients: [Float] {
        get { Array(gradients) }
        set {
            precondition(newValue.count == totalCount, "\(newValue.count) gradients for \(totalCount) parameters")
            for i in 0..<totalCount { gradients[i] = newValue[i] }
        }
    }

    /// The value at a flat index (0..<totalCount).
    public func value(at index: Int) -> Float {
        precondition(index >= 0 && index < totalCount, "parameter index \(index) out of range")
        return values[index]
    }

    /// Sets the value at a flat index (0..<totalCount).
    public func setValue(_ value: Float, at index: Int) {
        precondition(index >= 0 && index < totalCount, "parameter index \(index) out of range")
        values[index] = value
    }

    /// A copy of one parameter as a tensor.
    public func tensor(_ slot: ParameterSlot) -> Tensor {
        Tensor(shape: slot.shape, scalars: Array(values[slot.offset..<(slot.offset + slot.count)]))
    }

    /// A copy of one parameter's gradient as a tensor.
    public func gradientTensor(_ slot: ParameterSlot) -> Tensor {
        Tensor(shape: slot.shape, scalars: Array(gradients[slot.offset..<(slot.offset + slot.count)]))
    }

    /// Overwrites one parameter.
    public func setValue(_ slot: ParameterSlot, _ scalars: [Float]) {
        precondition(scalars.count == slot.count)
        for i in 0..<slot.count { values[slot.offset + i] = scalars[i] }
    }

    /// Sets every gradient to zero.
    public func zeroGradients() {
        if totalCount > 0 { gradients.update(repeating: 0) }
    }

    /// Copies all values from another store of the same layout.
    public func copyValues(from other: ParameterStore) {
        precondition(other.slots == slots, "parameter layouts differ")
        for i in 0..<totalCount { values[i] = other.values[i] }
    }
}
