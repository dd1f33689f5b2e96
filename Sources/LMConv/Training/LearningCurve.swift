import Foundation

/// One quantity of a run's `metrics.jsonl` over its steps or its training time: what `lmconv plot` draws.
public struct LearningCurve: Sendable {
    /// The horizontal axis.
    public enum Axis: String, Sendable, CaseIterable {
        /// The optimizer step.
        case step
        /// Seconds of training: the record's `elapsed_s` when training logged it, else the time the logged
        /// throughput implies (each train record covers its steps' images at its `images_per_s`; evaluation time is
        /// not counted). Test records take the time of their step.
        case time
    }

    /// (x, y) in step order.
    public var points: [(x: Double, y: Double)]

    /// The curve of the numeric field `key` (e.g. `test_bpd`, `train_bpd`) of the metrics file at `url`.
    ///
    /// - Parameter batchSize: the images per step, needed for `.time` when the records carry no `elapsed_s`.
    /// - Throws: ``LMConvError`` when the file cannot be read, has no record with `key`, or the time cannot be told.
    public init(metrics url: URL, key: String, x axis: Axis, batchSize: Int? = nil) throws {
        let records = try MetricsLog.records(in: url).filter { ($0["step"] as? NSNumber) != nil }
        func number(_ record: [String: Any], _ field: String) -> Double? {
            (record[field] as? NSNumber)?.doubleValue
        }
        let withKey = records.filter { number($0, key) != nil }
        guard !withKey.isEmpty else {
            let numeric = Set(records.flatMap { r in r.keys.filter { number(r, $0) != nil && $0 != "step" } }).sorted()
            throw LMConvError.invalidArgument(source: url.path, reason: "no record has '\(key)'"
                + (numeric.isEmpty ? " (no metrics records)" : " (its numeric fields: \(numeric.joined(separator: ", ")))"))
        }
        func step(_ r: [String: Any]) -> Double { (r["step"] as! NSNumber).doubleValue }
        switch axis {
        case .step:
            points = withKey.map { (step($0), number($0, key)!) }
        case .time:
            let clock = try Self.clock(records, source: url.path, batchSize: batchSize, number: number)
            points = withKey.map { (Self.interpolate(clock, at: step($0)), number($0, key)!) }
        }
        points.sort { $0.x < $1.x }
    }

    /// (step, seconds) at each train record, from `elapsed_s` or from the throughput.
    private static func clock(_ records: [[String: Any]], source: String, batchSize: Int?,
                              number: ([String: Any], String) -> Double?) throws -> [(step: Double, time: Double)] {
        let timed = records.compactMap { r -> (Double, Double)? in
            guard let t = number(r, "elapsed_s") else { return nil }
            return ((r["step"] as! NSNumber).doubleValue, t)
        }
        if !timed.isEmpty { return [(0, 0)] + timed.sorted { $0.0 < $1.0 } }
        let train = records.compactMap { r -> (Double, Double)? in
            guard let rate = number(r, "images_per_s"), rate > 0 else { return nil }
            return ((r["step"] as! NSNumber).doubleValue, rate)
        }.sorted { $0.0 < $1.0 }
        guard !train.isEmpty else {
            throw LMConvError.invalidArgument(source: source, reason: "no record has 'elapsed_s' or 'images_per_s', "
                                              + "so the training time is unknown")
        }
        guard let batchSize, batchSize > 0 else {
            throw LMConvError.invalidArgument(source: source, reason: "its records have no 'elapsed_s'; the time "
                                              + "from 'images_per_s' needs the batch size (no checkpoint beside it tells it)")
        }
        var result: [(step: Double, time: Double)] = [(0, 0)]
        for (s, rate) in train {
            let previous = result.last!
            result.append((s, previous.time + (s - previous.step) * Double(batchSize) / rate))
        }
        return result
    }

    /// The time at `step`, linear between the clock's points (and constant beyond its last).
    private static func interpolate(_ clock: [(step: Double, time: Double)], at step: Double) -> Double {
        guard let after = clock.firstIndex(where: { $0.step >= step }) else { return clock.last!.time }
        guard after > 0 else { return clock[0].time }
        let (a, b) = (clock[after - 1], clock[after])
        return b.step == a.step ? b.time : a.time + (step - a.step) / (b.step - a.step) * (b.time - a.time)
    }
}
