"""cpu_bench.py - the CPU backend against PyTorch eager and the reference interpreter.

    /usr/bin/python3 bench/cpu_bench.py [--build build] [--out docs/cpu-benchmark.md]

In one run, on this machine: builds two models, compiles them with
`engramc --target=cpu`, and measures sequences per second for batches
B in {1, 64, 256, 4096} of S=28 steps (D=28):

  model A: the shipped Fashion-MNIST model (H=64, N=32);
  model B: a random model with H=256, N=128;
  model B, N=1: model B's matrix work alone (memory bank of one slot);

for the compiled artifact on 1 and 2 threads, PyTorch eager (Debian's torch,
the module engram.torch, float32, 1 thread, no_grad) and the reference
interpreter (float32, 1 thread). It prints the ratios, and the matrix work
(dense layers: 2*S*(D*H + 12*H*H) + 2*H*C FLOP per sequence) in GFLOP/s and
as a share of the single-core FMA peak measured by build/bin/engram-fma-peak.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))
from engram import torch as engram_torch  # noqa: E402

BATCHES = [1, 64, 256, 4096]
STEPS = 28


def matrix_flops(config):
    d, h = config["input_dim"], config["cell"]["hidden_dim"]
    c = config.get("head", {}).get("units", 0)
    return 2 * STEPS * (d * h + 12 * h * h) + 2 * h * c


def engram_run_rate(build, model, x_path, threads=1, extra=()):
    out = subprocess.run([os.path.join(build, "bin", "engram-run"), model, "--input", x_path,
                          "--bench", "--threads", str(threads), *extra],
                         capture_output=True, text=True, check=True).stdout
    return float(re.search(r"([0-9.]+) sequences/s", out).group(1))


def torch_rate(network, x, budget=2.0):
    """Median sequences/s of PyTorch eager; at least one run, about `budget` s."""
    torch.set_num_threads(1)
    xt = torch.from_numpy(x)
    times = []
    with torch.no_grad():
        network(xt[:1])  # warm-up
        start = time.time()
        while not times or (time.time() - start < budget and len(times) < 20):
            t = time.time()
            network(xt)
            times.append(time.time() - t)
    return len(x) / statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--out", help="also write the tables as Markdown here")
    parser.add_argument("--skip-slow", action="store_true",
                        help="skip PyTorch and the reference where one batch takes > 20 s")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="engram-bench-")

    peak_line = subprocess.run([os.path.join(args.build, "bin", "engram-fma-peak")],
                               capture_output=True, text=True, check=True).stdout.strip()
    peak = float(re.search(r"([0-9.]+) GFLOP/s", peak_line).group(1))
    print(peak_line)

    models = {}
    with open(os.path.join(ROOT, "examples", "fashion", "model", "model.json")) as f:
        models["A"] = (os.path.join(ROOT, "examples", "fashion", "model"), json.load(f))
    for name, slots in (("B", 128), ("B, N=1", 1)):
        config = {"input_dim": 28, "cell": {"hidden_dim": 256, "memory_size": slots},
                  "trace_batching": "per_sequence",
                  "head": {"pooling": "last", "units": 10, "activation": "softmax"}}
        path = os.path.join(work, "model_" + name.replace(", ", "_").replace("=", ""))
        engram_torch.save_package(engram_torch.random_network(config, 7), path)
        models[name] = (path, config)

    rows, compile_times = [], {}
    for name, (package, config) in models.items():
        artifact = os.path.join(work, f"{name.replace(', ', '_').replace('=', '')}.so")
        start = time.time()
        subprocess.run([os.path.join(args.build, "bin", "engramc"), package, "--target=cpu",
                        "-o", artifact], check=True)
        compile_times[name] = time.time() - start
        network = engram_torch.load_package(package, dtype=torch.float32)
        flops = matrix_flops(config)
        for batch in BATCHES if name != "B, N=1" else [256]:
            x = np.random.default_rng(batch).uniform(0, 1, (batch, STEPS, 28)).astype(np.float32)
            x_path = os.path.join(work, f"x_{batch}.npy")
            np.save(x_path, x)
            one = engram_run_rate(args.build, artifact, x_path, 1)
            two = engram_run_rate(args.build, artifact, x_path, 2)
            slow = batch / one > 0.2 and config["cell"]["hidden_dim"] > 64 and batch > 256
            eager = None if (args.skip_slow and slow) else torch_rate(network, x)
            reference = None if slow else engram_run_rate(args.build, package, x_path, 1)
            gflops = one * flops / 1e9
            rows.append((name, batch, one, two, eager, reference, gflops, 100 * gflops / peak))
            print(f"model {name:6s} B={batch:4d}: compiled {one:9.1f} seq/s, 2 threads {two:9.1f} "
                  f"({two / one:.2f}x), eager {eager or 0:8.1f}, reference {reference or 0:8.1f}, "
                  f"matrix {gflops:6.1f} GFLOP/s = {100 * gflops / peak:4.1f}% of peak", flush=True)

    def fmt(v, spec):
        return "—" if v is None else format(v, spec)

    lines = [f"Single-core float32 FMA peak (build/bin/engram-fma-peak): **{peak:.1f} GFLOP/s**.",
             "",
             "| model | B | compiled, 1 thread (seq/s) | 2 threads (seq/s) | 2T / 1T | PyTorch eager (seq/s) | compiled / eager | reference (seq/s) | compiled / reference | matrix GFLOP/s | % of peak |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, batch, one, two, eager, reference, gflops, share in rows:
        lines.append(
            f"| {name} | {batch} | {one:.0f} | {two:.0f} | {two / one:.2f} | {fmt(eager, '.0f')} | "
            f"{fmt(eager and one / eager, '.1f')} | {fmt(reference, '.0f')} | "
            f"{fmt(reference and one / reference, '.1f')} | {gflops:.1f} | {share:.0f}% |")
    lines.append("")
    lines.append("engramc, package to shared object: " + ", ".join(
        f"model {k} {v:.2f} s" for k, v in compile_times.items()) + ".")
    text = "\n".join(lines)
    print()
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
