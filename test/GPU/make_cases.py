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

Odd widths (H = 37 and 100) run padded to whole warps (runtime/
HiddenPadding.h) on every head. A large model (H = 1024, N = 512, on the
main head) takes the launch plan's fallback schedules (tiles of 1 and 2,
everything streamed); large_model.py draws its weights so that only its
artifact travels to the GPU machine, where check_cases.py rebuilds the
package. With --compress the artifacts are xz-compressed (check_cases.py
unpacks them).

Two more cases compile model 1 with a quantized bank (int4, and binary
pruned to half of each row): their artifacts store the bank packed, and
their reference is the package with the bank replaced by q·scale, unpacked
here from the artifact by this script's own reading of the format.

DIR then holds cases.json, the packages and the artifacts (a few MB);
check_cases.py draws the inputs, runs the float64 reference interpreter and
the GPU with the runtime-only engram-run (no LLVM needed there).
"""
import argparse
import json
import lzma
import os
import shutil
import struct
import sys

import numpy as np
import torch

from engram import torch as engram_torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                "lit-helpers"))
from engram_check import run  # noqa: E402

import large_model  # noqa: E402

# (D, H, N): N ragged; H = 37 and 100 are padded to 64 and 128 by the loader.
SIZES = [(13, 32, 11), (28, 64, 32), (5, 37, 7), (1, 96, 3), (28, 256, 128),
         (28, 100, 19)]
# (batch, steps) per size: small, medium and large launch classes.
RUNS = {0: [(3, 1), (7, 64)], 1: [(5, 28), (203, 7), (1601, 28)],
        2: [(4, 9), (170, 5), (1601, 3)], 3: [(2, 28), (166, 7)],
        4: [(9, 28), (170, 7), (1601, 3)], 5: [(6, 28), (1601, 4)]}
# The large model's runs (its sizes are in large_model.py).
LARGE_RUNS = [(3, 8), (170, 3), (1601, 2)]
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


# Quantized banks: engramc flags, and a name for the case.
QUANTIZED = [("int4", ["--quantize=int4:memory"]),
             ("binary-pruned", ["--quantize=binary", "--sparsify=density=0.5"])]


def packed_bank(artifact):
    """q·scale (N x H float32) of the packed bank a .cuda file stores."""
    data = open(artifact, "rb").read()
    assert data[:8] == b"ENGRAMCU"
    (length,) = struct.unpack("<Q", data[8:16])
    meta = json.loads(data[16:16 + length])
    n, h = meta["model"]["memory_size"], meta["model"]["hidden_dim"]
    storage, sections = meta["memory_storage"], meta["sections"]

    def section(name):
        where = sections[name]
        return data[where["offset"]:where["offset"] + where["size"]]

    per_byte = storage["values_per_byte"]
    rows = np.frombuffer(section("cell.memory.values"), np.uint8).reshape(n, -1)
    column = np.arange(h)
    byte = rows[:, column // per_byte].astype(np.int64)
    if per_byte == 1:
        q = byte.astype(np.int8).astype(np.int64)
    elif per_byte == 2:
        nibble = (byte >> (4 * (column % 2))) & 0xF
        q = np.where(nibble >= 8, nibble - 16, nibble)
    else:
        q = np.where((byte >> (column % 8)) & 1, 1, -1)
    scales = np.frombuffer(section("cell.memory.scales"), np.float32)
    scales = scales.reshape(-1, 1) if storage["scale"] == "row" else scales[0]
    return (q.astype(np.float32) * scales).astype(np.float32)


def quantized_cases(out, network, name, d, runs, seed):
    """Cases of `network` compiled with each QUANTIZED bank."""
    cases = []
    for tag, flags in QUANTIZED:
        artifact = os.path.join(out, f"{name}_{tag}.cuda")
        run(["engramc", os.path.join(out, name), "--target=cuda", *flags, "-o", artifact])
        with torch.no_grad():
            network.p("cell.memory").copy_(torch.from_numpy(packed_bank(artifact)))
        engram_torch.save_package(network, os.path.join(out, f"{name}_{tag}"))
        for batch, steps in runs:
            cases.append({"name": f"{name}_{tag}_b{batch}_s{steps}",
                          "artifact": f"{name}_{tag}.cuda", "package": f"{name}_{tag}",
                          "seed": seed + steps + batch, "input_dim": d,
                          "config": f"{tag} bank D={d}", "batch": batch, "steps": steps})
    return cases


def xz_file(path):
    """Replaces `path` by `path`.xz."""
    with open(path, "rb") as src, lzma.open(path + ".xz", "wb", preset=6) as dst:
        shutil.copyfileobj(src, dst)
    os.remove(path)


def large_cases(out, seed):
    """The large model (large_model.py): its artifact; the package is
    rebuilt by check_cases.py from the recipe."""
    name, recipe_seed = "large", seed * 10000 + 9999
    package = os.path.join(out, name)
    large_model.write_package(package, recipe_seed)
    artifact = os.path.join(out, f"{name}.cuda")
    run(["engramc", package, "--target=cuda", "-o", artifact])
    shutil.rmtree(package)
    d, h, n = large_model.D, large_model.H, large_model.N
    return [{"name": f"{name}_b{batch}_s{steps}", "artifact": f"{name}.cuda",
             "package": name, "recipe": {"large": recipe_seed}, "seed": seed + steps + batch,
             "input_dim": d, "config": f"large D={d} H={h} N={n}", "batch": batch,
             "steps": steps}
            for batch, steps in LARGE_RUNS]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--quick", action="store_true",
                        help="the first three sizes only, no large model")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compress", action="store_true",
                        help="xz the artifacts (check_cases.py unpacks them): what "
                             "travels to a GPU machine is then a third smaller")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    cases = []
    sizes = SIZES[:3] if args.quick else SIZES
    for h_index, (pooling, readout, batching, layer_norm) in enumerate(HEADS):
        for s_index, (d, h, n) in enumerate(sizes):
            if h in (256, 100) and h_index > 1:
                continue  # the big models on the main heads only
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
            if h_index == 0 and s_index == 1:
                cases += quantized_cases(args.out, network, name, d, RUNS[s_index][:2],
                                         seed)
    if not args.quick:
        cases += large_cases(args.out, args.seed)
    if args.compress:
        for name in os.listdir(args.out):
            if name.endswith(".cuda"):
                xz_file(os.path.join(args.out, name))
    with open(os.path.join(args.out, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1)
    print(f"{len(cases)} cases in {args.out}")


if __name__ == "__main__":
    main()
