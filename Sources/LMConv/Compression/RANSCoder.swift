// rANS, the range variant of asymmetric numeral systems (Duda 2013), with a 64-bit state renormalised by 32-bit
// words (the layout of Giesen's "rans64") and probabilities as integer frequencies out of 2^24.
//
// Why 64-bit state / 32-bit words rather than a 32-bit state with byte output: the state must stay at least
// 2^precisionBits above its lower bound to code a frequency of 1 out of 2^24 with little loss; a 32-bit byte-wise
// coder (L = 2^23) leaves no room for 24-bit precision, while L = 2^31 here leaves 7 bits: on 300k symbols the
// coded size stays within the 4 to 8 bytes of the final flush of the information (CompressionRANSTests). At most
// one word of output per symbol also keeps the renormalisation a single branch.
//
// Stream layout: the encoder's final 64-bit state (little-endian), then the 32-bit words (little-endian) in the
// order the decoder reads them. The encoder starts from the state L = 2^31, so a decoder that has read every
// word ends exactly at L: that end check (about 31 bits) is what catches corrupted data inside the coder.

/// Constants of the rANS coder.
public enum RANS {
    /// Bits of probability precision: frequencies sum to 2^24.
    public static let precisionBits = 24
    /// The sum of the frequencies of every table, 2^24.
    public static let totalFrequency: UInt32 = 1 << 24
    /// The state's lower bound L: between symbols the state stays in [L, L * 2^32).
    static let lowerBound: UInt64 = 1 << 31
    static let slotMask: UInt64 = (1 << 24) - 1
}

/// Encodes symbols given as (start, frequency) ranges of [0, 2^24). rANS codes last-in first-out, so the encoder
/// buffers the ranges and codes them backwards in ``finish()``; the decoder then reads them in the original order.
public struct RANSEncoder: Sendable {
    /// Each symbol as start << 32 | frequency.
    private var ranges: [UInt64] = []

    public init(reservingCapacity capacity: Int = 0) { ranges.reserveCapacity(capacity) }

    /// The number of symbols buffered so far.
    public var count: Int { ranges.count }

    /// Buffers the symbol occupying [start, start + frequency) of [0, 2^24); frequency must be at least 1.
    public mutating func encode(start: UInt32, frequency: UInt32) {
        precondition(frequency > 0 && UInt64(start) + UInt64(frequency) <= UInt64(RANS.totalFrequency),
                     "rANS symbol range [\(start), +\(frequency)) is not a non-empty part of [0, 2^24)")
        ranges.append(UInt64(start) << 32 | UInt64(frequency))
    }

    /// Buffers `symbol` of `table`; its frequency must not be 0.
    public mutating func encode(_ symbol: Int, in table: FrequencyTable) {
        precondition(table.frequencies.indices.contains(symbol), "symbol \(symbol) outside the table's \(table.count)")
        encode(start: table.cumulative[symbol], frequency: table.frequencies[symbol])
    }

    /// The coded stream of every buffered symbol: 8 bytes of final state, then 4 bytes per renormalisation.
    public func finish() -> [UInt8] {
        var state = RANS.lowerBound
        var words: [UInt32] = []   // in encoding order: the decoder reads them last to first
        words.reserveCapacity(ranges.count / 8 + 1)
        for range in ranges.reversed() {
            let frequency = range & 0xFFFF_FFFF, start = range >> 32
            // Renormalise so that the coded state stays below L * 2^32: at most one word, since after one shift
            // the state is below 2^31 <= the bound for any frequency >= 1.
            let bound = ((RANS.lowerBound >> RANS.precisionBits) << 32) * frequency
            if state >= bound {
                words.append(UInt32(truncatingIfNeeded: state))
                state >>= 32
            }
            state = ((state / frequency) << RANS.precisionBits) + state % frequency + start
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + 4 * words.count)
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: state >> (8 * i))) }
        for word in words.reversed() {
            for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: word >> (8 * i))) }
        }
        return bytes
    }
}

/// Decodes a stream written by ``RANSEncoder``, one symbol per call, with the same tables in the same order.
///
/// Bad input never traps or loops: a stream of the wrong length or with an impossible initial state is refused by
/// the initialiser, running out of words throws, and ``finish()`` throws unless the stream was consumed exactly
/// and the state came back to its starting value (a corrupted stream passes that with probability about 2^-31;
/// the container's pixel CRC catches the rest).
public struct RANSDecoder: Sendable {
    private let bytes: [UInt8]
    private var position: Int
    private var state: UInt64
    /// Names the stream in error messages ("photo.lmc, image 3").
    public let source: String

    public init(_ bytes: [UInt8], source: String) throws {
        guard bytes.count >= 8, bytes.count % 4 == 0 else {
            throw LMConvError.corruptFile(source: source, reason: "coded data of \(bytes.count) bytes is not 8 + 4k bytes (truncated or corrupt)")
        }
        var state: UInt64 = 0
        for i in 0..<8 { state |= UInt64(bytes[i]) << (8 * i) }
        guard state >= RANS.lowerBound, state < RANS.lowerBound << 32 else {
            throw LMConvError.corruptFile(source: source, reason: "coded data starts with an impossible coder state (corrupt)")
        }
        self.bytes = bytes
        self.position = 8
        self.state = state
        self.source = source
    }

    /// The next symbol under `table` (which must be the table the encoder used for it).
    public mutating func decode(in table: FrequencyTable) throws -> Int {
        let slot = UInt32(truncatingIfNeeded: state & RANS.slotMask)
        let symbol = table.symbol(containing: slot)
        try advance(start: table.cumulative[symbol], frequency: table.frequencies[symbol])
        return symbol
    }

    /// Removes the symbol [start, start + frequency) that contains the current slot from the state.
    private mutating func advance(start: UInt32, frequency: UInt32) throws {
        // No overflow: frequency <= 2^24 and state >> 24 < 2^40, and slot - start < frequency.
        let slot = state & RANS.slotMask
        state = UInt64(frequency) * (state >> RANS.precisionBits) + slot - UInt64(start)
        if state < RANS.lowerBound {
            guard position + 4 <= bytes.count else {
                throw LMConvError.corruptFile(source: source, reason: "coded data ends early (truncated or corrupt)")
            }
            let word = UInt64(bytes[position]) | UInt64(bytes[position + 1]) << 8
                | UInt64(bytes[position + 2]) << 16 | UInt64(bytes[position + 3]) << 24
            position += 4
            state = state << 32 | word
        }
    }

    /// Checks that the whole stream was read and the state is back at its start; throws otherwise (corrupt data,
    /// or tables that differ from the encoder's).
    public func finish() throws {
        guard position == bytes.count else {
            throw LMConvError.corruptFile(source: source, reason: "\(bytes.count - position) bytes of coded data left over after the last pixel (corrupt, or a different model)")
        }
        guard state == RANS.lowerBound else {
            throw LMConvError.corruptFile(source: source, reason: "coded data does not decode consistently (corrupt, or a different model)")
        }
    }
}
