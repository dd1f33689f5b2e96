// A synthetic local anomaly for testing per-pixel maps: a square of uniform noise pasted into each image. A per-pixel
// map that localises anomalies should be highest inside the square; ``AnomalyReport/pixelMetrics(anomalous:)``
// measures how well it does.

extension ImageDataset {
    /// These images with a `size` x `size` square of uniform noise (every sub-pixel uniform in 0...255) pasted into
    /// each at a uniformly random position inside the image, drawn from `seed`; with the squares' pixels as H*W
    /// row-major flags per image.
    public func pastingNoiseSquares(size: Int, seed: UInt64) throws -> (images: ImageDataset, squares: [[Bool]]) {
        guard size >= 1, size <= height, size <= width else {
            throw LMConvError.invalidArgument(reason: "a noise square of \(size)x\(size) does not fit images of \(height)x\(width)")
        }
        var rng = Xoshiro256(seed: seed)
        var pixels = self.pixels
        var squares: [[Bool]] = []
        squares.reserveCapacity(count)
        let HW = height * width
        for i in 0..<count {
            let top = BatchIterator.uniform(below: height - size + 1, &rng)
            let left = BatchIterator.uniform(below: width - size + 1, &rng)
            var square = [Bool](repeating: false, count: HW)
            for y in top..<(top + size) {
                for x in left..<(left + size) {
                    square[y * width + x] = true
                    for c in 0..<channels { pixels[(i * channels + c) * HW + y * width + x] = UInt8(rng.next() >> 56) }
                }
            }
            squares.append(square)
        }
        return (ImageDataset(count: count, channels: channels, height: height, width: width, pixels: pixels,
                             labels: labels), squares)
    }
}
