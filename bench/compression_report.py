"""compression_report.py - what quantization and sparsity cost on the shipped model.

    /usr/bin/python3 bench/compression_report.py [--build build] [--out docs/compression-report.md]

For the trained Fashion-MNIST model (examples/fashion/model, H=64, N=32, S=28)
and every combination of

  storage:  float32 | int8 (bank and trace) | int4 (bank and trace) |
            binary (bank; the trace stays float32)
  sparsity: dense | top-k 8 | top-k 4 | 50 % of each bank row | 10 %

it compiles the model with `engramc --target=cpu`, runs the 10,000 test
images and prints the accuracy (and its change from float32), the bytes of
the memory bank and of one sequence's trace as engram stores them, and the
compiled artifact's sequences/s at B=256 on one thread. Every artifact is
also checked against the float64 interpreter of the same compressed IR by
test/Numerics/compressed.test; this report measures the approximation.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "examples", "fashion"))
import fashion_data  # noqa: E402

STORAGE = {
    "float32": [],
    "int8": ["--quantize=int8"],
    "int4": ["--quantize=int4"],
    "binary": ["--quantize=binary"],
}
SPARSITY = {
    "dense": [],
    "top-k 8": ["--sparsify=topk=8"],
    "top-k 4": ["--sparsify=topk=4"],
    "rows 50%": ["--sparsify=density=0.5"],
    "rows 10%": ["--sparsify=density=0.1"],
}
BENCH_BATCH = 256


def state_bytes(storage, sparsity, slots, width):
    """(bank bytes, trace bytes per sequence) as engram stores them."""
    kept = width
    if sparsity.startswith("rows"):
        kept = max(1, round(int(sparsity.split()[1][:-1]) / 100 * width))
    value_bytes = 4 if storage == "float32" else 1  # int8/int4/binary: one i8 each
    bank = slots * kept * value_bytes
    if storage != "float32":
        bank += 4 * slots  # row scales
    if kept != width:
        bank += 4 * slots * kept  # i32 column indices
    trace = slots * width * (1 if storage in ("int8", "int4") else 4)
    return bank, trace


def run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"command failed: {' '.join(cmd)}\n{proc.stderr}")
    return proc.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--model", default=os.path.join(ROOT, "examples", "fashion", "model"))
    parser.add_argument("--out", default=None, help="also write the table (markdown) here")
    args = parser.parse_args()
    engramc = os.path.join(args.build, "bin", "engramc")
    engram_run = os.path.join(args.build, "bin", "engram-run")
    with open(os.path.join(args.model, "model.json")) as f:
        config = json.load(f)
    slots, width = config["cell"]["memory_size"], config["cell"]["hidden_dim"]

    work = tempfile.mkdtemp(prefix="engram-compression-")
    images, labels = fashion_data.load("test")
    x_path, labels_path = os.path.join(work, "x.npy"), os.path.join(work, "labels.npy")
    bench_path = os.path.join(work, "x_bench.npy")
    np.save(x_path, images)
    np.save(labels_path, labels)
    np.save(bench_path, images[:BENCH_BATCH])

    rows = []
    base = None
    for storage, storage_flags in STORAGE.items():
        for sparsity, sparsity_flags in SPARSITY.items():
            so = os.path.join(work, "model.so")
            run([engramc, args.model, "--target=cpu", *storage_flags, *sparsity_flags,
                 "-o", so])
            out = run([engram_run, so, "--input", x_path, "--labels", labels_path,
                       "--output", os.path.join(work, "y.npy")])
            accuracy = float(re.search(r"accuracy: ([0-9.]+)", out).group(1))
            rates = []
            for _ in range(3):
                out = run([engram_run, so, "--input", bench_path, "--bench"])
                rates.append(float(re.search(r"([0-9.]+) sequences/s", out).group(1)))
            rate = sorted(rates)[1]
            bank, trace = state_bytes(storage, sparsity, slots, width)
            if base is None:
                base = (accuracy, bank + trace, rate)
            rows.append((storage, sparsity, accuracy, bank, trace, rate))
            print(f"{storage:8s} {sparsity:9s} accuracy {100 * accuracy:6.2f}% "
                  f"({100 * (accuracy - base[0]):+5.2f} pt)  bank {bank:6d} B  "
                  f"trace {trace:5d} B/seq  ({base[1] / (bank + trace):4.2f}x smaller)  "
                  f"{rate:9.0f} seq/s ({rate / base[2]:4.2f}x)", flush=True)

    lines = [
        "| storage | sparsity | accuracy | change | bank bytes | trace bytes/seq | "
        "bank+trace vs float | seq/s (B=256, 1 thread) | speed vs float |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for storage, sparsity, accuracy, bank, trace, rate in rows:
        lines.append(f"| {storage} | {sparsity} | {100 * accuracy:.2f}% | "
                     f"{100 * (accuracy - base[0]):+.2f} pt | {bank} | {trace} | "
                     f"{base[1] / (bank + trace):.2f}x smaller | {rate:,.0f} | "
                     f"{rate / base[2]:.2f}x |")
    table = "\n".join(lines)
    print()
    print(table)
    if args.out:
        with open(args.out, "w") as f:
            f.write("<!-- Written by bench/compression_report.py; do not edit. -->\n\n")
            f.write(f"Model: {args.model} (H={width}, N={slots}, S=28), "
                    f"10,000 Fashion-MNIST test images.\n\n")
            f.write(table + "\n")


if __name__ == "__main__":
    main()
