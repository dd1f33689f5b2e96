import Foundation

// Weight normalisation (Salimans & Kingma 2016; PyTorch's `weight_norm` with dim 0):
// W[o, :] = g[o] * v[o, :] / ||v[o, :]||, one norm per output row over every other axis.
// Legend: O rows (output channels), I = elements per row.

/// Fills `weight` (O, I) with g * v / ||v|| and returns the row norms (O).
func weightNormForward(weight: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>, v: UnsafePointer<Float>,
                       rows O: Int, columns I: Int) -> [Float] {
    var norms = [Float](repeating: 0, count: O)
    for o in 0..<O {
        var sum: Double = 0
        for i in 0..<I { sum += Double(v[o * I + i]) * Double(v[o * I + i]) }
        let norm = Float(sum.squareRoot())
        norms[o] = norm
        let scale = g[o] / norm
        for i in 0..<I { weight[o * I + i] = v[o * I + i] * scale }
    }
    return norms
}

/// Accumulates dg (O) and dv (O, I) from dW (O, I): dg = <dW, v>/n, dv = (g/n) (dW - v dg/n).
func weightNormBackward(dG: UnsafeMutablePointer<Float>, dV: UnsafeMutablePointer<Float>,
                        dWeight: UnsafePointer<Float>, g: UnsafePointer<Float>, v: UnsafePointer<Float>,
                        norms: [Float], rows O: Int, columns I: Int) {
    for o in 0..<O {
        var dot: Double = 0
        for i in 0..<I { dot += Double(dWeight[o * I + i]) * Double(v[o * I + i]) }
        let n = norms[o]
        let dg = Float(dot) / n
        dG[o] += dg
        let scale = g[o] / n
        for i in 0..<I { dV[o * I + i] += scale * (dWeight[o * I + i] - v[o * I + i] * dg / n) }
    }
}

/// The weight of a layer: either stored directly or weight-normalised from (g, v).
struct LayerWeight {
    enum Storage { case plain(ParameterSlot), normalized(g: ParameterSlot, v: ParameterSlot) }
    let storage: Storage
    let rows: Int      // O
    let columns: Int   // I

    /// Registers `<prefix>.weight` or `<prefix>.weight_g` and `<prefix>.weight_v` with the reference's shapes.
    init(store: ParameterStore, prefix: String, shape: [Int], normalized: Bool) {
        rows = shape[0]
        columns = shape.dropFirst().reduce(1, *)
        if normalized {
            let gShape = [shape[0]] + Array(repeating: 1, count: shape.count - 1)
            storage = .normalized(g: store.register(prefix + ".weight_g", shape: gShape),
                                  v: store.register(prefix + ".weight_v", shape: shape))
        } else {
            storage = .plain(store.register(prefix + ".weight", shape: shape))
        }
    }

    /// The effective weight (O, I) and, under weight norm, the row norms backward needs.
    func materialize(_ store: ParameterStore) -> (weight: [Float], norms: [Float]) {
        switch storage {
        case .plain(let slot):
            return (Array(UnsafeBufferPointer(start: store.value(slot), count: slot.count)), [])
        case .normalized(let g, let v):
            var weight = [Float](repeating: 0, count: rows * columns)
            let norms = weight.withUnsafeMutableBufferPointer {
                weightNormForward(weight: $0.baseAddress!, g: store.value(g), v: store.value(v), rows: rows, columns: columns)
            }
            return (weight, norms)
        }
    }

    /// Accumulates the gradient of the stored parameters from dW (O, I).
    func accumulateGradient(_ store: ParameterStore, dWeight: [Float], norms: [Float]) {
        switch storage {
        case .plain(let slot):
            let grad = store.gradient(slot)
            for i in 0..<slot.count { grad[i] += dWeight[i] }
        case .normalized(let g, let v):
            dWeight.withUnsafeBufferPointer {
                weightNormBackward(dG: store.gradient(g), dV: store.gradient(v), dWeight: $0.baseAddress!,
                                   g: store.value(g), v: store.value(v), norms: norms, rows: rows, columns: columns)
            }
        }
    }

    /// PyTorch's default initialisation (kaiming-uniform with a = sqrt(5): U(-1/sqrt(I), 1/sqrt(I))); under weight
    /// norm g starts at ||v|| so that the initial weight equals v, as `weight_norm` does when it wraps a layer.
    func initialize(_ store: ParameterStore, using rng: inout Xoshiro256) {
        let bound = 1 / Float(columns).squareRoot()
        switch storage {
        case .plain(let slot):
            let p = store.value(slot)
            for i in 0..<slot.count { p[i] = (rng.nextUniform() * 2 - 1) * bound }
        case .normalized(let g, let v):
            let pv = store.value(v), pg = store.value(g)
            for i in 0..<(rows * columns) { pv[i] = (rng.nextUniform() * 2 - 1) * bound }
            for o in 0..<rows {
                var sum: Float = 0
                for i in 0..<columns { sum += pv[o * columns + i] * pv[o * columns + i] }
                pg[o] = sum.squareRoot()
            }
        }
    }
}
