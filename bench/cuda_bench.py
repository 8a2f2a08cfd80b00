"""cuda_bench.py - the CUDA backend against PyTorch eager and torch.compile, on one GPU.

    python3 bench/cuda_bench.py --models DIR [--engram-run PATH] [--no-compile]
                                [--out docs/cuda-benchmark.md]

DIR holds, for each model, its package (DIR/A, DIR/B) and its artifact from
`engramc --target=cuda` (DIR/A.cuda, DIR/B.cuda):

  model A: the shipped Fashion-MNIST model (D=28, H=64, N=32, 10 classes);
  model B: a random model with D=28, H=256, N=128 (same head).

For B in {64, 1024, 8192} sequences of S=28 steps (inputs U(0, 1), float32,
per-sequence traces) it measures, on the same GPU in the same run:

  engram:        engram-run MODEL.cuda --bench (CUDA events, device time of
                 the kernels, input already on the GPU);
  torch eager:   the module of examples/pytorch/engram_torch.py on the GPU,
                 float32, no_grad, input on the GPU, synchronised;
  torch.compile: the same module through torch.compile (default inductor).

and prints sequences/s, the ratios, and the achieved rate against two floors:
FLOPs (fp32 FMA peak, 67 TFLOP/s on an H100 SXM) and HBM bytes (3.35 TB/s):
a trace that fits in shared memory costs HBM only its final write; one that
streams is read and written every step.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "examples", "pytorch"))
import engram_torch  # noqa: E402

BATCHES = [64, 1024, 8192]
STEPS = 28
PEAK_FLOPS = 67e12
PEAK_BYTES = 3.35e12


def floors(config):
    d, h = config["input_dim"], config["cell"]["hidden_dim"]
    n, c = config["cell"]["memory_size"], config["head"]["units"]
    flops_step = 2 * (d * h + 9 * h * h + 3 * h * h) + 14 * n * h
    flops = STEPS * flops_step + 2 * h * c
    streams = n * h * 4 > 64 * 1024  # does not fit in shared memory with a tile
    trace_bytes = (2 * STEPS - 1) * n * h * 4 if streams else n * h * 4
    hbm = 4 * (STEPS * d + h + c) + trace_bytes
    return flops, hbm, streams


def engram_rate(engram_run, artifact, x_path):
    out = subprocess.run([engram_run, artifact, "--input", x_path, "--bench"],
                         capture_output=True, text=True)
    if out.returncode:
        sys.exit(out.stderr)
    return float(re.search(r"([0-9.]+) sequences/s", out.stdout).group(1))


def torch_rate(fn, x, budget=1.5):
    with torch.no_grad():
        for _ in range(3):
            fn(x)
        torch.cuda.synchronize()
        times = []
        start = time.time()
        while len(times) < 5 or (time.time() - start < budget and len(times) < 200):
            t = time.perf_counter()
            fn(x)
            torch.cuda.synchronize()
            times.append(time.perf_counter() - t)
    return len(x) / statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", required=True)
    parser.add_argument("--engram-run", default="engram-run")
    parser.add_argument("--no-compile", action="store_true")
    parser.add_argument("--out")
    args = parser.parse_args()
    device = torch.device("cuda")
    name = torch.cuda.get_device_name(0)
    print(f"GPU: {name}; torch {torch.__version__}", flush=True)
    rows = []
    for model in ("A", "B"):
        package = os.path.join(args.models, model)
        network = engram_torch.load_package(package, dtype=torch.float32).to(device)
        network.eval()
        compiled = None if args.no_compile else torch.compile(network)
        config = network.config
        flops, hbm, streams = floors(config)
        for batch in BATCHES:
            rng = np.random.default_rng(batch)
            x = rng.uniform(0, 1, (batch, STEPS, config["input_dim"])).astype(np.float32)
            x_path = os.path.join(args.models, f"x_{model}_{batch}.npy")
            np.save(x_path, x)
            ours = engram_rate(args.engram_run, os.path.join(args.models, f"{model}.cuda"),
                               x_path)
            xt = torch.from_numpy(x).to(device)
            eager = torch_rate(network, xt)
            comp = torch_rate(compiled, xt) if compiled is not None else float("nan")
            rows.append((model, batch, ours, eager, comp, ours * flops / PEAK_FLOPS * 1e0,
                         ours * hbm, flops, hbm, streams))
            print(f"model {model} B={batch:5d}: engram {ours:12,.0f} seq/s  eager "
                  f"{eager:10,.0f}  compile {comp:10,.0f}  vs eager {ours / eager:6.1f}x  "
                  f"vs compile {ours / comp:6.2f}x  | {ours * flops / 1e12:5.1f} TFLOP/s "
                  f"({100 * ours * flops / PEAK_FLOPS:4.1f}% of FMA peak), HBM "
                  f"{ours * hbm / 1e9:6.0f} GB/s ({100 * ours * hbm / PEAK_BYTES:4.1f}% of "
                  f"peak); floors: FLOPs {PEAK_FLOPS / flops:,.0f} seq/s, bytes "
                  f"{PEAK_BYTES / hbm:,.0f} seq/s", flush=True)
    if args.out:
        with open(args.out, "w") as f:
            f.write(f"<!-- Written by bench/cuda_bench.py on {name}; do not edit. -->\n\n")
            f.write("| model | B | engram seq/s | torch eager | torch.compile | vs eager | "
                    "vs compile | TFLOP/s (% FMA peak) | HBM GB/s (% peak) | FLOP floor | "
                    "byte floor |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | "
                    "---: | ---: | ---: |\n")
            for model, batch, ours, eager, comp, _, bw, flops, hbm, streams in rows:
                f.write(f"| {model} | {batch} | {ours:,.0f} | {eager:,.0f} | {comp:,.0f} | "
                        f"{ours / eager:.1f}x | {ours / comp:.2f}x | "
                        f"{ours * flops / 1e12:.1f} ({100 * ours * flops / PEAK_FLOPS:.0f}%) | "
                        f"{bw / 1e9:,.0f} ({100 * bw / PEAK_BYTES:.0f}%) | "
                        f"{PEAK_FLOPS / flops:,.0f} | {PEAK_BYTES / hbm:,.0f} |\n")


if __name__ == "__main__":
    main()
