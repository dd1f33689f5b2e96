// Coding one image through an autoregressive model session, without knowing what the model is. To code several
// images in lockstep (one network batch), keep one RANSEncoder or RANSDecoder per image and call
// encode(level:under:source:) / decodeLevel(under:) directly, as these loops do.

/// What the codec needs from an autoregressive model for one image: the sub-pixels in the model's order, each with
/// its distribution given everything accepted so far.
///
/// The session must behave identically when encoding and decoding: the same positions in the same order and the
/// same distributions (bit for bit) given the same accepted levels.
public protocol PixelModelSession {
    /// The next sub-pixel to code and the model's distribution over its levels, or nil once every sub-pixel has
    /// been coded. `position` indexes the image's sub-pixels in (C, H, W) layout: c * H * W + row * W + column.
    mutating func nextPixel() throws -> CodecStep?
    /// The level of the sub-pixel last returned by ``nextPixel()``; what follows is conditioned on it.
    mutating func accept(level: Int) throws
}

/// One step of a ``PixelModelSession``: where the next sub-pixel is and its distribution.
public struct CodecStep: Equatable, Sendable {
    /// The sub-pixel's index in (C, H, W) layout.
    public var position: Int
    public var distribution: CodecDistribution

    public init(position: Int, distribution: CodecDistribution) {
        self.position = position
        self.distribution = distribution
    }
}

/// Lossless coding of an image's levels with the distributions a ``PixelModelSession`` gives.
public enum ImageCodec {
    /// The rANS stream of `levels` (the image's sub-pixel levels in (C, H, W) layout) under `session`.
    /// Throws when the session visits a position twice, outside the image, or leaves one out, or when a level
    /// is outside its distribution; `source` names the image in errors.
    public static func encode<Session: PixelModelSession>(
        levels: [Int], session: inout Session, source: String
    ) throws -> [UInt8] {
        var encoder = RANSEncoder(reservingCapacity: levels.count)
        var visits = PositionTracker(count: levels.count, source: source)
        while let step = try session.nextPixel() {
            try visits.visit(step.position)
            let level = levels[step.position]
            try encoder.encode(level: level, under: step.distribution, source: "\(source), sub-pixel \(step.position)")
            try session.accept(level: level)
        }
        try visits.checkComplete()
        return encoder.finish()
    }

    /// The `count` sub-pixel levels, in (C, H, W) layout, that `bytes` codes under `session`. Throws for coded data
    /// that is truncated or corrupt or was made with another model (where the coder notices), or a session that
    /// visits positions wrongly.
    public static func decode<Session: PixelModelSession>(
        _ bytes: [UInt8], count: Int, session: inout Session, source: String
    ) throws -> [Int] {
        var decoder = try RANSDecoder(bytes, source: source)
        var levels = [Int](repeating: 0, count: count)
        var visits = PositionTracker(count: count, source: source)
        while let step = try session.nextPixel() {
            try visits.visit(step.position)
            let level = try decoder.decodeLevel(under: step.distribution)
            levels[step.position] = level
            try session.accept(level: level)
        }
        try visits.checkComplete()
        try decoder.finish()
        return levels
    }
}

/// Checks that a session visits each of `count` positions exactly once.
struct PositionTracker {
    private var seen: [Bool]
    private var visited = 0
    let source: String

    init(count: Int, source: String) {
        seen = [Bool](repeating: false, count: count)
        self.source = source
    }

    mutating func visit(_ position: Int) throws {
        guard seen.indices.contains(position) else {
            throw LMConvError.invalidArgument(source: source, reason: "the model session asked for sub-pixel \(position) of an image of \(seen.count)")
        }
        guard !seen[position] else {
            throw LMConvError.invalidArgument(source: source, reason: "the model session asked for sub-pixel \(position) twice")
        }
        seen[position] = true
        visited += 1
    }

    func checkComplete() throws {
        guard visited == seen.count else {
            throw LMConvError.invalidArgument(source: source, reason: "the model session stopped after \(visited) of \(seen.count) sub-pixels")
        }
    }
}
