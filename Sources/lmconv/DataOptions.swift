import ArgumentParser
import Foundation
import LMConv

/// `--data PATH|fashion-mnist`.
struct DataOptions: ParsableArguments {
    @Option(help: ArgumentHelp("""
        Images: an IDX file (optionally .gz), a .npy array, a CIFAR-10 .bin batch or folder, a folder of PNGs, or \
        'fashion-mnist' (Debian's dataset-fashion-mnist; the test split here).
        """, valueName: "path|fashion-mnist"))
    var data: String

    /// The dataset (Fashion-MNIST's `split`, or the file).
    func load(split: ImageDataset.Split = .test) throws -> ImageDataset {
        try ImageDataset.load(source: data, split: split)
    }

    /// How the data is named in messages.
    var name: String { data.lowercased() == ImageDataset.fashionMNISTName ? "fashion-mnist (test split)" : data }
}
