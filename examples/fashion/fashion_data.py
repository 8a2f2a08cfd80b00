"""fashion_data.py - Fashion-MNIST from Debian's dataset-fashion-mnist.

Reads the IDX files under /usr/share/datasets/fashion-mnist/ and returns each
image as a 28-step sequence of 28-pixel rows, scaled to [0, 1].
"""

import gzip
import os

import numpy as np

DATA_DIR = os.environ.get("ENGRAM_FASHION_DIR", "/usr/share/datasets/fashion-mnist")
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
           "Sneaker", "Bag", "Ankle boot"]


def _read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    rank = magic & 0xFF
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def load(split):
    """(images float32 N x 28 x 28 in [0, 1], labels int64 N) for 'train' or 'test'."""
    prefix = {"train": "train", "test": "t10k"}[split]
    images = _read_idx(os.path.join(DATA_DIR, f"{prefix}-images-idx3-ubyte.gz"))
    labels = _read_idx(os.path.join(DATA_DIR, f"{prefix}-labels-idx1-ubyte.gz"))
    return images.astype(np.float32) / 255.0, labels.astype(np.int64)


def available():
    return os.path.exists(os.path.join(DATA_DIR, "t10k-images-idx3-ubyte.gz"))
