"""prepare_data.py --out DIR - writes the Fashion-MNIST test set as .npy files.

test_images.npy: float32 10000 x 28 x 28 (each image a 28-step sequence of
28-pixel rows, in [0, 1]); test_labels.npy: int64 10000.
"""
import argparse
import os

import numpy as np

import fashion_data


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--split", default="test", choices=["train", "test"])
    parser.add_argument("--limit", type=int, default=0, help="keep the first N images")
    args = parser.parse_args()
    images, labels = fashion_data.load(args.split)
    if args.limit:
        images, labels = images[:args.limit], labels[:args.limit]
    os.makedirs(args.out, exist_ok=True)
    np.save(os.path.join(args.out, f"{args.split}_images.npy"), images)
    np.save(os.path.join(args.out, f"{args.split}_labels.npy"), labels)
    print(f"wrote {len(images)} {args.split} images to {args.out}")


if __name__ == "__main__":
    main()
