import Foundation

// Checkpoint averaging, as the reference's average_checkpoints.py: the parameter-wise mean of the weights of several
// checkpoints of one model. The reference copies everything else (optimizer state, EMA weights, epoch, args) from the
// first input unchanged; here the EMA weights are averaged too when every input has them (the first input's moving
// average would not belong to the averaged weights), and neither optimizer state nor training state is kept: the
// average lies on no run's trajectory, so it is not a point to resume from (fine-tune from it instead).

extension Checkpoint {
    /// The parameter-wise mean of `checkpoints`' weights (and of their EMA weights, when all have them).
    ///
    /// - Parameter sources: names the inputs in messages, one per checkpoint.
    /// - Throws: ``LMConvError/invalidArgument(source:reason:)`` for fewer than one input, and
    ///   ``LMConvError/shapeMismatch(source:reason:)`` when an input's configuration, orders or parameter names and
    ///   shapes differ from the first's (naming what differs).
    public static func average(_ checkpoints: [Checkpoint], sources: [String]) throws -> Checkpoint {
        precondition(sources.count == checkpoints.count, "one source per checkpoint")
        guard let first = checkpoints.first else {
            throw LMConvError.invalidArgument(reason: "no checkpoint to average")
        }
        for (checkpoint, source) in zip(checkpoints, sources).dropFirst() {
            if let difference = configurationDifference(first.configuration, checkpoint.configuration) {
                throw LMConvError.shapeMismatch(source: source, reason: "a different model configuration from "
                                                + "\(sources[0]) (\(difference)); only checkpoints of one configuration average")
            }
            if checkpoint.orders != first.orders {
                throw LMConvError.shapeMismatch(source: source, reason: "different orders (\(checkpoint.orders.shortDescription)) "
                                                + "from \(sources[0]) (\(first.orders.shortDescription))")
            }
            try checkSameTensors(first.weights, checkpoint.weights, source: source, firstSource: sources[0])
        }
        // Summed in Double in input order and rounded to Float once (for two inputs: the correctly rounded mean).
        func mean(_ sets: [[String: Tensor]]) -> [String: Tensor] {
            var result: [String: Tensor] = [:]
            for (name, t) in sets[0] {
                var sum = [Double](repeating: 0, count: t.scalars.count)
                for set in sets { for (i, v) in set[name]!.scalars.enumerated() { sum[i] += Double(v) } }
                result[name] = Tensor(shape: t.shape, scalars: sum.map { Float($0 / Double(sets.count)) })
            }
            return result
        }
        var averaged = Checkpoint(configuration: first.configuration, orders: first.orders,
                                  weights: mean(checkpoints.map(\.weights)))
        let emas = checkpoints.compactMap(\.emaWeights)
        if emas.count == checkpoints.count {
            for (ema, source) in zip(emas, sources) {
                try checkSameTensors(first.weights, ema, source: source + " (EMA weights)", firstSource: sources[0])
            }
            averaged.emaWeights = mean(emas)
        }
        return averaged
    }

    private static func checkSameTensors(_ a: [String: Tensor], _ b: [String: Tensor], source: String,
                                         firstSource: String) throws {
        if let missing = a.keys.sorted().first(where: { b[$0] == nil }) ?? b.keys.sorted().first(where: { a[$0] == nil }) {
            throw LMConvError.shapeMismatch(source: source, reason: "parameter '\(missing)' is in only one of it and "
                                            + "\(firstSource); only checkpoints of one configuration average")
        }
        for name in a.keys.sorted() where a[name]!.shape != b[name]!.shape {
            throw LMConvError.shapeMismatch(source: source, reason: "parameter '\(name)' has shape \(b[name]!.shape), "
                                            + "\(a[name]!.shape) in \(firstSource)")
        }
    }

    /// `name a → b` for the first configuration value that differs, or nil.
    private static func configurationDifference(_ a: ModelConfiguration, _ b: ModelConfiguration) -> String? {
        guard a != b else { return nil }
        func fields(_ c: ModelConfiguration) -> [String: String] {
            guard let bytes = try? JSONWriter.bytes(c),
                  let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { return [:] }
            return object.mapValues { JSONWriter.string(jsonObject: $0) ?? "\($0)" }
        }
        let fa = fields(a), fb = fields(b)
        let differing = fa.keys.sorted().filter { fa[$0] != fb[$0] }
        guard !differing.isEmpty else { return "configurations differ" }
        return differing.map { "\($0) \(fa[$0] ?? "-") vs \(fb[$0] ?? "-")" }.joined(separator: ", ")
    }
}
