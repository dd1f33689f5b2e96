// A small RGB raster to draw figures on (heat maps, ROC plots): rectangles, lines, images and text in the built-in
// bitmap font. Coordinates are pixels, x to the right and y down from the top-left corner; drawing outside the
// canvas is clipped.

/// An RGB colour.
public struct RGB: Sendable, Equatable {
    public var r: UInt8, g: UInt8, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { (self.r, self.g, self.b) = (r, g, b) }

    public static let white = RGB(255, 255, 255)
    public static let black = RGB(0, 0, 0)
    public static let lightGray = RGB(220, 220, 220)
    public static let gray = RGB(150, 150, 150)
}

/// An RGB picture being drawn.
public struct Canvas: Sendable {
    public let width: Int
    public let height: Int
    /// (H, W, 3) row-major.
    public private(set) var pixels: [UInt8]

    /// A canvas filled with `background`.
    public init(width: Int, height: Int, background: RGB = .white) {
        precondition(width > 0 && height > 0, "a canvas needs a positive size")
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        fill(x: 0, y: 0, width: width, height: height, background)
    }

    /// The picture, for ``PNG``.
    public var image: RGBImage { RGBImage(width: width, height: height, channels: 3, pixels: pixels) }

    /// The colour at (x, y) (inside the canvas).
    public func colour(x: Int, y: Int) -> RGB {
        let i = (y * width + x) * 3
        return RGB(pixels[i], pixels[i + 1], pixels[i + 2])
    }

    /// Sets one pixel (ignored outside the canvas).
    public mutating func set(x: Int, y: Int, _ c: RGB) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = (y * width + x) * 3
        pixels[i] = c.r
        pixels[i + 1] = c.g
        pixels[i + 2] = c.b
    }

    /// Fills a rectangle.
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, _ c: RGB) {
        let (x0, x1, y0, y1) = (max(0, x), min(width, x + w), max(0, y), min(height, y + h))
        guard x0 < x1, y0 < y1 else { return }
        for yy in y0..<y1 { for xx in x0..<x1 { set(x: xx, y: yy, c) } }
    }

    /// A one-pixel rectangle outline.
    public mutating func frame(x: Int, y: Int, width w: Int, height h: Int, _ c: RGB) {
        fill(x: x, y: y, width: w, height: 1, c)
        fill(x: x, y: y + h - 1, width: w, height: 1, c)
        fill(x: x, y: y, width: 1, height: h, c)
        fill(x: x + w - 1, y: y, width: 1, height: h, c)
    }

    /// A straight line from (x0, y0) to (x1, y1) (Bresenham), `thickness` pixels wide (a square brush); with `dash`
    /// > 0, drawn `dash` pixels on and `dash` off.
    public mutating func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ c: RGB, thickness: Int = 1, dash: Int = 0) {
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var (x, y, error, step) = (x0, y0, dx + dy, 0)
        let lo = -(thickness - 1) / 2, hi = thickness / 2
        while true {
            if dash == 0 || (step / dash) % 2 == 0 {
                for oy in lo...hi { for ox in lo...hi { set(x: x + ox, y: y + oy, c) } }
            }
            if x == x1 && y == y1 { break }
            let e2 = 2 * error
            if e2 >= dy { error += dy; x += sx }
            if e2 <= dx { error += dx; y += sy }
            step += 1
        }
    }

    /// Draws `text` with its top-left corner at (x, y), each font dot `scale` x `scale` pixels.
    public mutating func text(_ text: String, x: Int, y: Int, _ c: RGB = .black, scale: Int = 1) {
        for (n, character) in text.enumerated() {
            let glyph = BitmapFont.glyph(character)
            let left = x + n * BitmapFont.advance * scale
            for (row, bits) in glyph.enumerated() {
                for col in 0..<BitmapFont.glyphWidth where bits & (0x10 >> UInt8(col)) != 0 {
                    fill(x: left + col * scale, y: y + row * scale, width: scale, height: scale, c)
                }
            }
        }
    }

    /// Draws `text` turned a quarter to the left (reading bottom to top), its glyphs' top facing left, with the
    /// bottom-left corner of the first character at (x, y).
    public mutating func verticalText(_ text: String, x: Int, y: Int, _ c: RGB = .black, scale: Int = 1) {
        for (n, character) in text.enumerated() {
            let glyph = BitmapFont.glyph(character)
            let bottom = y - n * BitmapFont.advance * scale
            for (row, bits) in glyph.enumerated() {
                for col in 0..<BitmapFont.glyphWidth where bits & (0x10 >> UInt8(col)) != 0 {
                    fill(x: x + row * scale, y: bottom - (col + 1) * scale, width: scale, height: scale, c)
                }
            }
        }
    }

    /// Draws text centred horizontally on `centerX`.
    public mutating func text(_ s: String, centerX: Int, y: Int, _ c: RGB = .black, scale: Int = 1) {
        text(s, x: centerX - BitmapFont.width(of: s, scale: scale) / 2, y: y, c, scale: scale)
    }

    /// Copies an image of planar 8-bit pixels (C, H, W), C 1 (gray) or 3, enlarged `scale` times, with its
    /// top-left corner at (x, y).
    public mutating func draw<P: Collection>(planar: P, channels C: Int, height H: Int, width W: Int, x: Int, y: Int,
                                             scale: Int = 1) where P.Element == UInt8, P.Index == Int {
        precondition(planar.count == C * H * W && (C == 1 || C == 3))
        let base = planar.startIndex
        for row in 0..<H {
            for col in 0..<W {
                let q = row * W + col
                let c = C == 1 ? RGB(planar[base + q], planar[base + q], planar[base + q])
                               : RGB(planar[base + q], planar[base + H * W + q], planar[base + 2 * H * W + q])
                fill(x: x + col * scale, y: y + row * scale, width: scale, height: scale, c)
            }
        }
    }
}
