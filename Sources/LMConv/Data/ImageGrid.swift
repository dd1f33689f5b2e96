/// Tiling many small images into one picture (for samples and completions written as PNG).
public enum ImageGrid {
    /// Composes the images of `pixels`, shape (N, C, H, W) with C 1 or 3, into a grid of `columns` columns (by default
    /// the smallest count whose square holds them all) and as many rows as needed, filled row by row. Each image is enlarged `scale` times (nearest neighbour); cells are
    /// separated by `separator` pixels (0...2 is usual) of gray level `separatorValue`, which also fills empty cells.
    public static func compose(
        pixels: [UInt8], count: Int, channels: Int, height: Int, width: Int,
        columns: Int? = nil, separator: Int = 1, scale: Int = 1, separatorValue: UInt8 = 255
    ) -> RGBImage {
        precondition(channels == 1 || channels == 3, "grid images have 1 or 3 channels")
        precondition(count > 0 && height > 0 && width > 0, "grid needs at least one non-empty image")
        precondition(pixels.count == count * channels * height * width, "pixel count does not match the shape")
        let columns = columns ?? Int((Double(count).squareRoot()).rounded(.up))
        precondition(columns > 0 && separator >= 0 && scale > 0, "invalid grid layout")
        let cols = min(columns, count)
        let rows = (count + cols - 1) / cols
        let cellH = height * scale, cellW = width * scale
        let outH = rows * cellH + (rows - 1) * separator
        let outW = cols * cellW + (cols - 1) * separator
        var out = [UInt8](repeating: separatorValue, count: outH * outW * channels)
        let plane = height * width
        for n in 0..<count {
            let top = (n / cols) * (cellH + separator)
            let left = (n % cols) * (cellW + separator)
            let base = n * channels * plane
            for y in 0..<cellH {
                let rowOut = ((top + y) * outW + left) * channels
                let rowIn = (y / scale) * width
                for x in 0..<cellW {
                    for c in 0..<channels {
                        out[rowOut + x * channels + c] = pixels[base + c * plane + rowIn + x / scale]
                    }
                }
            }
        }
        return RGBImage(width: outW, height: outH, channels: channels, pixels: out)
    }

    /// Composes all images of `dataset` into a grid (see `compose(pixels:count:channels:height:width:...)`).
    public static func compose(
        _ dataset: ImageDataset, columns: Int? = nil, separator: Int = 1, scale: Int = 1, separatorValue: UInt8 = 255
    ) -> RGBImage {
        compose(pixels: dataset.pixels, count: dataset.count, channels: dataset.channels, height: dataset.height,
                width: dataset.width, columns: columns, separator: separator, scale: scale,
                separatorValue: separatorValue)
    }
}
