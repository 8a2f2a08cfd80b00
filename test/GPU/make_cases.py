"""make_cases.py - CUDA artifacts and their float64 references, for a GPU to check.

    /usr/bin/python3 test/GPU/make_cases.py --out DIR [--quick]

Builds the end-to-end matrix of the CPU backend for the CUDA target: every
pooling (last, attention, sequence, none) x trace batching (per_sequence,
batch_mean) x layer norm (on, off), plus linear and missing readouts, on
random models (weights ~ U(-0.2, 0.2), inputs ~ U(0, 1), trace_init ~
U(-0.1, 0.1) on every other model) whose sizes are not multiples of the
kernels' tiles. Each model is saved as a package and compiled with
`engramc --target=cuda`; each case names a batch, a length and the seed of
its input. Batches cross the launch plan's classes (1..160, 161..1536,
above) and are not multiples of the tiles.

DIR then holds cases.json, the packages and the artifacts (a few MB);
check_cases.py draws the inputs, runs the float64 reference interpreter and
the GPU with the runtime-only engram-run (no LLVM needed there).
"""
import argparse
import json
import os
import sys

import engram_torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                "lit-helpers"))
from engram_check import run  # noqa: E402

# (D, H, N): H a multiple of 32 (the kernels' requirement), N ragged.
SIZES = [(13, 32, 11), (28, 64, 32), (1, 96, 3), (28, 256, 128)]
# (batch, steps) per size: small, medium and large launch classes.
RUNS = {0: [(3, 1), (7, 64)], 1: [(5, 28), (203, 7), (1601, 28)],
        2: [(2, 28), (166, 7)], 3: [(9, 28), (170, 7), (1601, 3)]}
HEADS = [  # pooling, readout, batching, layer norm
    ("last", "softmax", "per_sequence", True),
    ("last", "softmax", "per_sequence", False),
    ("last", "softmax", "batch_mean", True),
    ("last", "softmax", "batch_mean", False),
    ("attention", "softmax", "per_sequence", True),
    ("attention", "linear", "per_sequence", False),
    ("attention", "softmax", "batch_mean", True),
    ("sequence", "softmax", "per_sequence", True),
    ("sequence", "linear", "batch_mean", False),
    ("last", "none", "per_sequence", True),
    ("none", "none", "per_sequence", True),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--quick", action="store_true",
                        help="the first two sizes only")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    cases = []
    sizes = SIZES[:2] if args.quick else SIZES
    for h_index, (pooling, readout, batching, layer_norm) in enumerate(HEADS):
        for s_index, (d, h, n) in enumerate(sizes):
            if h == 256 and h_index > 1:
                continue  # the big model on the main head only
            if batching == "batch_mean" and h == 256:
                continue
            name = f"m{h_index}_{s_index}"
            seed = args.seed * 10000 + h_index * 100 + s_index
            config = {"input_dim": d,
                      "cell": {"hidden_dim": h, "memory_size": n, "hebbian_lr": 0.05,
                               "scale_factor": 0.5, "temperature": 1.5,
                               "sparsity_strength": 0.1, "use_layer_norm": layer_norm},
                      "trace_batching": batching}
            if pooling != "none":
                config["head"] = {"pooling": pooling}
                if readout != "none":
                    config["head"].update(units=10 - s_index, activation=readout)
            network = engram_torch.random_network(config, seed,
                                                  trace_init=(h_index + s_index) % 2 == 0)
            package = os.path.join(args.out, name)
            engram_torch.save_package(network, package)
            artifact = os.path.join(args.out, f"{name}.cuda")
            run(["engramc", package, "--target=cuda", "-o", artifact])
            for batch, steps in RUNS[s_index]:
                if batching == "batch_mean" and batch > 528 * 4:
                    continue
                cases.append({"name": f"{name}_b{batch}_s{steps}",
                              "artifact": f"{name}.cuda", "package": name,
                              "seed": seed + steps + batch, "input_dim": d,
                              "config": f"pool={pooling} readout={readout} "
                                        f"{batching} ln={'on' if layer_norm else 'off'} "
                                        f"D={d} H={h} N={n}",
                              "batch": batch, "steps": steps})
    with open(os.path.join(args.out, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1)
    print(f"{len(cases)} cases in {args.out}")


if __name__ == "__main__":
    main()
