/// The model's distribution over one sub-pixel's levels, in whichever form the model produces it; the codec turns
/// each into a ``FrequencyTable`` deterministically.
public enum CodecDistribution: Equatable, Sendable {
    /// A binary pixel: the network's two logits of {-1, +1}; level 0 is -1, level 1 is +1.
    case binary(logitMinus: Double, logitPlus: Double)
    /// A mixture of discretized logistics over 2^n_bits levels.
    case logisticMixture(DiscretizedLogisticMixture)
    /// Explicit non-negative weights, one per level (need not sum to 1).
    case probabilities([Double])
    /// Frequencies already quantized (summing to 2^24).
    case frequencies(FrequencyTable)

    /// The quantized frequencies the coder uses (every level non-zero except in `.frequencies`, taken as given).
    public func frequencyTable() -> FrequencyTable {
        switch self {
        case let .binary(logitMinus, logitPlus):
            return FrequencyTable(unchecked: binaryFrequencies(logitMinus: logitMinus, logitPlus: logitPlus))
        case let .logisticMixture(mixture):
            return FrequencyTable(unchecked: mixture.frequencies())
        case let .probabilities(weights):
            return FrequencyTable(unchecked: quantizeFrequencies(probabilities: weights))
        case let .frequencies(table):
            return table
        }
    }
}

extension RANSEncoder {
    /// Buffers `level` under `distribution`; throws when the level is outside the distribution or has frequency 0.
    public mutating func encode(level: Int, under distribution: CodecDistribution, source: String) throws {
        let table = distribution.frequencyTable()
        guard table.frequencies.indices.contains(level), table.frequencies[level] > 0 else {
            throw LMConvError.invalidArgument(source: source, reason: "level \(level) cannot be coded under a distribution over \(table.count) levels"
                + (table.frequencies.indices.contains(level) ? " that gives it probability 0" : ""))
        }
        encode(level, in: table)
    }
}

extension RANSDecoder {
    /// The next level, decoded under `distribution`.
    public mutating func decodeLevel(under distribution: CodecDistribution) throws -> Int {
        try decode(in: distribution.frequencyTable())
    }
}
