"""make_npy.py OUT SHAPE [--dtype DT] - writes a random U(0, 1) array, e.g. 2x4x5."""
import argparse

import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("out")
parser.add_argument("shape")
parser.add_argument("--dtype", default="float32")
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()
shape = tuple(int(d) for d in args.shape.split("x")) if args.shape != "scalar" else ()
values = np.random.default_rng(args.seed).uniform(0, 1, shape)
if np.dtype(args.dtype).kind in "iu":
    values = values * 4
np.save(args.out, values.astype(args.dtype))
