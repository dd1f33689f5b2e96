// How a model configuration meets images: whether a dataset fits, how pixels are encoded for it and shown again.

extension ModelConfiguration {
    /// Throws, naming both files, unless images of `data` have this model's channels and size.
    public func checkFits(_ data: ImageDataset, dataSource: String, modelSource: String) throws {
        guard data.channels == channels, data.height == height, data.width == width else {
            throw LMConvError.shapeMismatch(source: dataSource,
                                            reason: "images are \(data.channels)x\(data.height)x\(data.width) (channels x rows x "
                + "cols), the model of \(modelSource) takes \(channels)x\(height)x\(width)")
        }
    }

    /// Throws unless `data`'s images have the model's channels; any size fits (the network is convolutional), as
    /// evaluation, completion and scoring need.
    public func checkChannels(_ data: ImageDataset, dataSource: String, modelSource: String) throws {
        guard data.channels == channels else {
            throw LMConvError.shapeMismatch(source: dataSource, reason: "images have \(data.channels) channel"
                + "\(data.channels == 1 ? "" : "s"), the model of \(modelSource) takes \(channels)")
        }
    }

    /// How images become network input for evaluation and completion: binarized models binarise dynamically (drawing
    /// from the caller's generator) or at `binarizeThreshold` when one is given; other models quantise to n_bits.
    public func inputEncoding(binarizeThreshold: UInt8? = nil) -> PixelEncoding {
        guard binarize else { return .bits(nBits) }
        return binarizeThreshold.map { .threshold($0) } ?? .dynamicBinarization
    }

    /// The bit depth of the model's pixel values, for turning network values into display pixels (1 when binarized).
    public var displayBits: Int { binarize ? 1 : nBits }
}
