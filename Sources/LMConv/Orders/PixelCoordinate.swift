/// A pixel location: `row` in 0..<height (top to bottom), `col` in 0..<width (left to right).
public struct PixelCoordinate: Sendable, Hashable, CustomStringConvertible {
    public var row: Int
    public var col: Int

    public init(row: Int, col: Int) {
        self.row = row
        self.col = col
    }

    public var description: String { "(\(row), \(col))" }
}
