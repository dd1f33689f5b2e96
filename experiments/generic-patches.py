#!/usr/bin/env python3
"""28x28 patches of generic images, binarized or gray: training data for a "general-domain" model.

Schirrmeister et al. 2020 ("Understanding anomaly detection with deep invertible networks through hierarchies of
distributions and features") score an image by its likelihood under the in-distribution model against its
likelihood under a model of *generic* images: the generic model explains the low-level statistics (smooth areas,
edges, specks) that make simple images likely under any model, so the ratio keeps what is specific to the data set.
Serra et al.'s complexity score is the same idea with a fixed lossless compressor in the generic model's place.
This script makes the generic data for binarized images, from the photographs and abstract wallpapers that Debian
packages carry, chosen before any OOD result was seen:

- python3-skimage's data/: the photographs (astronaut, brick, camera, cell, chelsea, coffee, grass, gravel,
  hubble_deep_field, ihc, moon, motorcycle_left/right, retina, rocket); left out are the images of text
  (text, page, bw_text), the clock face (its numerals), the coins (inscriptions), logos, palettes, test patterns;
- gnome-backgrounds: the bitmap wallpapers (adwaita, grid, licorice, pixels, truchet, wood; light and dark), left
  out symbolic (icons) and vnc (a 256x256 placeholder).

Each image is turned to gray (PIL's ITU-R 601 luma), shrunk by 1, 2, 4, ... (box filter) while its shorter side
holds a 28x28 patch, and cut into random patches in random orientations (the 8 of the square's symmetries), every
image and every scale of it drawing an equal share; each patch is thresholded at 128 as Fashion-MNIST is for the
binary models (0 or 255), or kept in its 256 gray levels with --gray, and written as IDX (idx3-ubyte), which
`lmconv train --data` reads: OUT_DIR/generic-{train,test}-threshold128-idx3-ubyte (--gray: -gray-idx3-ubyte).

--sources photos or --sources wallpapers keeps one of the two kinds only (a check that the result does not hang on
one of them; the file names then end in -photos or -wallpapers before -idx3-ubyte).

Usage: python3 experiments/generic-patches.py OUT_DIR [--gray] [--sources all|photos|wallpapers] [--train N] [--test N]
Needs numpy, Pillow, and apt-get download (the packages are unpacked in OUT_DIR/debs, not installed).
"""
import argparse, glob, os, struct, subprocess, sys

import numpy as np
from PIL import Image

PHOTOS = ["astronaut.png", "brick.png", "camera.png", "cell.png", "chelsea.png", "coffee.png", "grass.png",
          "gravel.png", "hubble_deep_field.jpg", "ihc.png", "moon.png", "motorcycle_left.png",
          "motorcycle_right.png", "retina.jpg", "rocket.jpg"]
WALLPAPERS = [f"{name}-{shade}.webp" for name in ["adwaita", "grid", "licorice", "pixels", "truchet", "wood"]
              for shade in "dl"]
SIDE = 28


def unpack_packages(folder, sources="all"):
    """The two Debian packages, downloaded and unpacked (not installed) under folder; returns the image paths."""
    os.makedirs(folder, exist_ok=True)
    root = os.path.join(folder, "root")
    if not os.path.isdir(root):
        subprocess.run(["apt-get", "download", "python3-skimage", "gnome-backgrounds"], cwd=folder, check=True,
                       stdout=subprocess.DEVNULL)
        for deb in glob.glob(os.path.join(folder, "*.deb")):
            subprocess.run(["dpkg-deb", "-x", deb, root + ".tmp"], check=True)
        os.replace(root + ".tmp", root)
    skimage = glob.glob(os.path.join(root, "usr/lib/python3/dist-packages/skimage/data"))[0]
    gnome = os.path.join(root, "usr/share/backgrounds/gnome")
    photos = [os.path.join(skimage, p) for p in PHOTOS] if sources != "wallpapers" else []
    return photos + ([os.path.join(gnome, w) for w in WALLPAPERS] if sources != "photos" else [])


def pyramid(path):
    """The image in gray at every power-of-two reduction that still holds a patch: a list of (H, W) uint8 arrays."""
    image = Image.open(path).convert("L")
    levels = []
    while min(image.size) >= SIDE:
        levels.append(np.asarray(image, dtype=np.uint8))
        image = image.resize((image.size[0] // 2, image.size[1] // 2), Image.BOX)
    return levels


def patches(paths, count, rng, gray=False):
    """count patches, (count, 28, 28) uint8 (0 or 255 unless gray), drawn evenly over images and their scales."""
    levels = [pyramid(p) for p in paths]
    out = np.empty((count, SIDE, SIDE), dtype=np.uint8)
    for i in range(count):
        image_levels = levels[rng.integers(len(levels))]
        level = image_levels[rng.integers(len(image_levels))]                 # (H, W)
        y = rng.integers(level.shape[0] - SIDE + 1)
        x = rng.integers(level.shape[1] - SIDE + 1)
        patch = level[y:y + SIDE, x:x + SIDE]                                 # (28, 28)
        if rng.integers(2):
            patch = patch.T
        patch = np.rot90(patch, rng.integers(4))
        out[i] = patch if gray else np.where(patch >= 128, 255, 0)
    return out


def write_idx(path, images):
    """images (N, 28, 28) uint8 as idx3-ubyte, written atomically."""
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack(">IIII", 0x803, *images.shape))
        f.write(images.tobytes())
        f.flush()
        os.fsync(f.fileno())
    os.replace(path + ".tmp", path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out")
    parser.add_argument("--train", type=int, default=60000)
    parser.add_argument("--test", type=int, default=5000)
    parser.add_argument("--gray", action="store_true", help="keep the 256 gray levels instead of thresholding")
    parser.add_argument("--sources", choices=["all", "photos", "wallpapers"], default="all")
    args = parser.parse_args()
    paths = unpack_packages(os.path.join(args.out, "generic-debs"), args.sources)
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        sys.exit(f"generic-binary-patches: missing {missing[0]} in the unpacked packages")
    for split, count, seed in [("train", args.train, 11), ("test", args.test, 12)]:
        images = patches(paths, count, np.random.default_rng(seed), gray=args.gray)
        kind = ("gray" if args.gray else "threshold128") + ("" if args.sources == "all" else "-" + args.sources)
        path = os.path.join(args.out, f"generic-{split}-{kind}-idx3-ubyte")
        write_idx(path, images)
        print(f"{path}: {count} patches, mean level {images.mean() / 255:.3f}")


if __name__ == "__main__":
    main()
