"""compression_report.py - what quantization and sparsity cost on the shipped model.

    /usr/bin/python3 bench/compression_report.py [--build build] [--out docs/compression-report.md]

For the trained Fashion-MNIST model (examples/fashion/model, H=64, N=32, S=28)
and every combination of

  storage:  float32 | int8 (bank and trace) | int4 (bank and trace) |
            binary (bank; the trace stays float32) | bf16 (the trace in
            bfloat16, the bank float32) | int8+bf16 (int8 bank, bf16 trace)
  sparsity: dense | top-k 8 | top-k 4 | 50 % of each bank row | 10 %

it compiles the model with `engramc --target=cpu`, runs the 10,000 test
images and prints the accuracy (and its change from float32), the bytes of
the memory bank and of one sequence's trace as engram stores them, and the
compiled artifact's sequences/s at B=256 on one thread. Every artifact is
also checked against the float64 interpreter of the same compressed IR by
test/Numerics/compressed.test; this report measures the approximation.

Per target, for the same combination:

  cuda:  sequences/s at B=256 (`engram-run --bench`) where a GPU is present,
         "refused" where the kernels do not run the compression yet, "no GPU"
         elsewhere;
  snn:   the spiking network (`engramc --emit=snn`, graded events, T=12,
         8-bit weights, calibrated on the first 256 training images) on the
         first --snn-images test images: accuracy and events per inference.
         Its bank has one scale (engramc's default for spiking targets), a
         top-k recall becomes k-WTA with that k.
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
    "bf16": ["--quantize=bf16:trace"],
    "int8+bf16": ["--quantize=int8:memory,bf16:trace"],
}
SPARSITY = {
    "dense": [],
    "top-k 8": ["--sparsify=topk=8"],
    "top-k 4": ["--sparsify=topk=4"],
    "rows 50%": ["--sparsify=density=0.5"],
    "rows 10%": ["--sparsify=density=0.1"],
}
BENCH_BATCH = 256
SNN_OPTIONS = ["--snn-encoding=graded", "--snn-timesteps=12"]


def state_bytes(storage, sparsity, slots, width):
    """(bank bytes, trace bytes per sequence) as engram stores them."""
    kept = width
    if sparsity.startswith("rows"):
        kept = max(1, round(int(sparsity.split()[1][:-1]) / 100 * width))
    # Packed as the artifacts pack integers: int4 two and binary eight to a
    # byte per row. An ELL row counts its kept values and their columns, as
    # the IR stores it; the CPU and CUDA artifacts densify it (a pruned
    # binary bank then takes 4 bits a value, for its zeros).
    bank_storage = {"bf16": "float32", "int8+bf16": "int8"}.get(storage, storage)
    per_byte = {"float32": 0.25, "int8": 1, "int4": 2, "binary": 8}[bank_storage]
    bank = slots * int(np.ceil(kept / per_byte))
    if bank_storage != "float32":
        bank += 4 * slots  # row scales
    if kept != width:
        bank += 4 * slots * kept  # i32 column indices
    trace_bytes = {"int8": 1, "int4": 1, "bf16": 2, "int8+bf16": 2}.get(storage, 4)
    trace = slots * width * trace_bytes
    return bank, trace


def run(cmd, refusable=False):
    """stdout of `cmd`; None when it exits 1 and `refusable` (engramc
    refusing a compression the target does not run)."""
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode == 1 and refusable:
        return None
    if proc.returncode:
        sys.exit(f"command failed: {' '.join(cmd)}\n{proc.stderr}")
    return proc.stdout


def has_gpu():
    try:
        return subprocess.run(["nvidia-smi", "-L"], capture_output=True).returncode == 0
    except OSError:
        return False


def median_rate(engram_run, artifact, bench_path):
    rates = []
    for _ in range(3):
        out = run([engram_run, artifact, "--input", bench_path, "--bench"])
        rates.append(float(re.search(r"([0-9.]+) sequences/s", out).group(1)))
    return sorted(rates)[1]


class Targets:
    """The CUDA and spiking columns of one combination."""

    def __init__(self, engramc, engram_run, work, gpu):
        self.engramc, self.engram_run, self.work, self.gpu = engramc, engram_run, work, gpu

    def cuda(self, model, flags, bench_path):
        if not self.gpu:
            return "no GPU"
        artifact = os.path.join(self.work, "model.cuda")
        if run([self.engramc, model, "--target=cuda", *flags, "-o", artifact],
               refusable=True) is None:
            return "refused"
        return f"{median_rate(self.engram_run, artifact, bench_path):,.0f}"

    def snn(self, model, flags, calib, x, labels):
        net = os.path.join(self.work, "net.snn.mlir")
        run([self.engramc, model, "--emit=snn", f"--snn-calibration={calib}",
             *SNN_OPTIONS, *flags, "-o", net])
        out = run([self.engram_run, net, "--input", x, "--labels", labels])
        events = float(re.search(r"([0-9.]+) events", out).group(1))
        return float(re.search(r"accuracy: ([0-9.]+)", out).group(1)), events


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--model", default=os.path.join(ROOT, "examples", "fashion", "model"))
    parser.add_argument("--out", default=None, help="also write the table (markdown) here")
    parser.add_argument("--storage", default=",".join(STORAGE),
                        help="storages to run, a comma list (default: all)")
    parser.add_argument("--snn-images", type=int, default=1000,
                        help="test images for the spiking column (0: skip it)")
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
    calib = os.path.join(work, "calib.npy")
    snn_x, snn_labels = os.path.join(work, "x_snn.npy"), os.path.join(work, "labels_snn.npy")
    np.save(calib, fashion_data.load("train")[0][:256])
    np.save(snn_x, images[:args.snn_images])
    np.save(snn_labels, labels[:args.snn_images])
    targets = Targets(engramc, engram_run, work, has_gpu())

    rows = []
    base = None
    for storage in args.storage.split(","):
        storage_flags = STORAGE[storage]
        for sparsity, sparsity_flags in SPARSITY.items():
            so = os.path.join(work, "model.so")
            run([engramc, args.model, "--target=cpu", *storage_flags, *sparsity_flags,
                 "-o", so])
            out = run([engram_run, so, "--input", x_path, "--labels", labels_path,
                       "--output", os.path.join(work, "y.npy")])
            accuracy = float(re.search(r"accuracy: ([0-9.]+)", out).group(1))
            rate = median_rate(engram_run, so, bench_path)
            flags = storage_flags + sparsity_flags
            cuda = targets.cuda(args.model, flags, bench_path)
            snn = (targets.snn(args.model, flags, calib, snn_x, snn_labels)
                   if args.snn_images else None)
            bank, trace = state_bytes(storage, sparsity, slots, width)
            if base is None:
                base = (accuracy, bank + trace, rate)
            rows.append((storage, sparsity, accuracy, bank, trace, rate, cuda, snn))
            spiking = (f"  snn {100 * snn[0]:6.2f}% {snn[1]:8.0f} events"
                       if snn else "")
            print(f"{storage:8s} {sparsity:9s} accuracy {100 * accuracy:6.2f}% "
                  f"({100 * (accuracy - base[0]):+5.2f} pt)  bank {bank:6d} B  "
                  f"trace {trace:5d} B/seq  ({base[1] / (bank + trace):4.2f}x smaller)  "
                  f"{rate:9.0f} seq/s ({rate / base[2]:4.2f}x)  cuda {cuda}{spiking}",
                  flush=True)

    lines = [
        "| storage | sparsity | accuracy | change | bank bytes | trace bytes/seq | "
        "bank+trace vs float | CPU seq/s (B=256, 1 thread) | speed vs float | "
        "CUDA seq/s (B=256) | snn accuracy | snn events/inference |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for storage, sparsity, accuracy, bank, trace, rate, cuda, snn in rows:
        spiking = f"{100 * snn[0]:.2f}% | {snn[1]:,.0f}" if snn else "- | -"
        lines.append(f"| {storage} | {sparsity} | {100 * accuracy:.2f}% | "
                     f"{100 * (accuracy - base[0]):+.2f} pt | {bank} | {trace} | "
                     f"{base[1] / (bank + trace):.2f}x smaller | {rate:,.0f} | "
                     f"{rate / base[2]:.2f}x | {cuda} | {spiking} |")
    table = "\n".join(lines)
    print()
    print(table)
    if args.out:
        with open(args.out, "w") as f:
            f.write("<!-- Written by bench/compression_report.py; do not edit. -->\n\n")
            f.write(f"Model: {os.path.relpath(args.model, ROOT)} (H={width}, N={slots}, "
                    f"S=28), 10,000 Fashion-MNIST test images (snn columns: the "
                    f"first {args.snn_images}).\n\n")
            f.write(table + "\n")


if __name__ == "__main__":
    main()
