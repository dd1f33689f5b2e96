#!/usr/bin/env bash
# Installs what swift-lmconv needs from Debian's packages: OpenBLAS (GEMM), zlib (PNG writing, .gz), libpng (PNG reading) and Fashion-MNIST
# (the default data of the demo and of a few tool tests). Needs root (or sudo) the first time; a no-op afterwards.
set -euo pipefail
packages=(libopenblas-dev zlib1g-dev libpng-dev dataset-fashion-mnist)
if dpkg -s "${packages[@]}" >/dev/null 2>&1; then
    exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${packages[@]}" >/dev/null
