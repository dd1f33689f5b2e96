#!/usr/bin/env bash
# Installs what swift-lmconv needs from Debian's packages: OpenBLAS (GEMM), zlib (PNG, .gz), Fashion-MNIST
# (the default data of the demo and of a few tool tests) and Open MPI (`mpirun -np N lmconv train ...`; the
# package builds without it, single-process only, where it is missing). Needs root (or sudo) the first time; a
# no-op afterwards.
set -euo pipefail
packages=(libopenblas-dev zlib1g-dev dataset-fashion-mnist libopenmpi-dev openmpi-bin)
if dpkg -s "${packages[@]}" >/dev/null 2>&1; then
    exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${packages[@]}" >/dev/null
