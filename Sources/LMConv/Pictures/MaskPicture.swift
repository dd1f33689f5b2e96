// Pictures of kernel masks (SPEC section 2), as the reference's plot_unfolded_masks draws them: every location's
// k x k mask in a grid laid out like the image, or a few locations' masks drawn in the image around them.
// Colours follow the reference's imshow (matplotlib's viridis): a tap that sees a known pixel is yellow, a masked
// tap dark purple; a tap outside the image is light grey.

/// Kernel mask pictures.
public enum MaskPicture {
    static let open = RGB(253, 231, 37), masked = RGB(68, 1, 84), outside = RGB(215, 215, 215)
    static let earlier = RGB(150, 190, 230), current = RGB(220, 30, 30)

    /// Whether tap (jr, jc) of location (r, c) with dilation `d` falls inside the H x W image.
    static func inside(_ r: Int, _ c: Int, _ jr: Int, _ jc: Int, k: Int, d: Int, height: Int, width: Int) -> Bool {
        let rr = r + (jr - k / 2) * d, cc = c + (jc - k / 2) * d
        return rr >= 0 && rr < height && cc >= 0 && cc < width
    }

    static let gridTop = 24, gridMargin = 8

    /// The top-left corner, in a ``grid(mask:height:width:kernelSize:dilation:tapSize:title:)`` picture, of tap
    /// (jr, jc) of location (r, c).
    public static func gridTapOrigin(row r: Int, col c: Int, tapRow jr: Int, tapCol jc: Int, kernelSize k: Int,
                                     tapSize: Int) -> (x: Int, y: Int) {
        let cell = k * tapSize + 1
        return (gridMargin + c * cell + 1 + jc * tapSize, gridTop + r * cell + 1 + jr * tapSize)
    }

    /// Every location's mask: cell (r, c) of an H x W grid holds the k x k mask of location (r, c), each tap
    /// `tapSize` pixels, cells one pixel apart.
    ///
    /// - Parameters:
    ///   - mask: [k*k, H*W] (``kernelMask(order:kernelSize:dilation:type:observed:)``).
    ///   - dilation: the mask's dilation (to grey out the taps outside the image).
    public static func grid(mask: Tensor, height H: Int, width W: Int, kernelSize k: Int, dilation: Int = 1,
                            tapSize: Int = 4, title: String) -> RGBImage {
        precondition(mask.shape == [k * k, H * W], "mask of shape \(mask.shape) is not [\(k * k), \(H * W)]")
        let cell = k * tapSize + 1, top = gridTop, margin = gridMargin
        let width = max(2 * margin + W * cell + 1, BitmapFont.width(of: title) + 2 * margin)
        var canvas = Canvas(width: width, height: top + H * cell + 1 + margin, background: .white)
        canvas.text(title, x: margin, y: 8)
        canvas.fill(x: margin, y: top, width: W * cell + 1, height: H * cell + 1, .gray)
        for r in 0..<H {
            for c in 0..<W {
                for jr in 0..<k {
                    for jc in 0..<k {
                        let value = mask.scalars[(jr * k + jc) * H * W + r * W + c]
                        let colour = !inside(r, c, jr, jc, k: k, d: dilation, height: H, width: W) ? outside
                            : value > 0.5 ? open : masked
                        let origin = gridTapOrigin(row: r, col: c, tapRow: jr, tapCol: jc, kernelSize: k, tapSize: tapSize)
                        canvas.fill(x: origin.x, y: origin.y, width: tapSize, height: tapSize, colour)
                    }
                }
            }
        }
        return canvas.image
    }

    /// The masks of `locations`, one panel each: the H x W image with the pixels generated before the location
    /// (in `order`) shaded blue, the location framed red and each tap of its (dilated) window filled with its mask
    /// value; below, the location and its step in the order.
    public static func locations(_ locations: [PixelCoordinate], mask: Tensor, order: GenerationOrder,
                                 kernelSize k: Int, dilation d: Int = 1, cellSize: Int = 10, title: String) -> RGBImage {
        let (H, W) = (order.height, order.width)
        precondition(mask.shape == [k * k, H * W], "mask of shape \(mask.shape) is not [\(k * k), \(H * W)]")
        let panelWidth = W * cellSize + 1, panelHeight = H * cellSize + 1
        let columns = min(locations.count, 4), rows = (locations.count + columns - 1) / max(columns, 1)
        let top = 24, margin = 10, label = BitmapFont.glyphHeight + 8
        let width = max(margin + columns * (panelWidth + margin), BitmapFont.width(of: title) + 2 * margin)
        var canvas = Canvas(width: width, height: top + rows * (panelHeight + label + margin), background: .white)
        canvas.text(title, x: margin, y: 8)
        let positions = order.positions
        for (i, location) in locations.enumerated() {
            let x0 = margin + (i % columns) * (panelWidth + margin), y0 = top + (i / columns) * (panelHeight + label + margin)
            let q = location.row * W + location.col, step = positions[q]
            canvas.fill(x: x0, y: y0, width: panelWidth, height: panelHeight, .lightGray)
            for p in 0..<(H * W) {
                canvas.fill(x: x0 + (p % W) * cellSize + 1, y: y0 + (p / W) * cellSize + 1, width: cellSize - 1,
                            height: cellSize - 1, positions[p] < step ? earlier : .white)
            }
            for jr in 0..<k {
                for jc in 0..<k where inside(location.row, location.col, jr, jc, k: k, d: d, height: H, width: W) {
                    let r = location.row + (jr - k / 2) * d, c = location.col + (jc - k / 2) * d
                    let value = mask.scalars[(jr * k + jc) * H * W + q]
                    // The tap's colour inside its pixel, leaving the pixel's own shade as a border.
                    let inset = max(cellSize / 5, 1)
                    canvas.fill(x: x0 + c * cellSize + 1 + inset, y: y0 + r * cellSize + 1 + inset,
                                width: cellSize - 1 - 2 * inset, height: cellSize - 1 - 2 * inset,
                                value > 0.5 ? open : masked)
                }
            }
            canvas.frame(x: x0 + location.col * cellSize, y: y0 + location.row * cellSize, width: cellSize + 1,
                         height: cellSize + 1, current)
            canvas.text("\(location.row),\(location.col) step \(step)", x: x0, y: y0 + panelHeight + 4)
        }
        return canvas.image
    }
}
