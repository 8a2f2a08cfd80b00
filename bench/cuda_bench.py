"""cuda_bench.py - the CUDA backend against PyTorch eager and torch.compile, on one GPU.

    python3 bench/cuda_bench.py --models DIR [--large DIR/large] [--engram-run PATH]
                                [--no-compile] [--gpu NAME] [--out docs/cuda-benchmark.md]
    python3 bench/cuda_bench.py --floors-only [--gpu H200] [--out FILE]

DIR holds, for each model, its package (DIR/A, DIR/B) and its artifact from
`engramc --target=cuda` (DIR/A.cuda, DIR/B.cuda):

  model A: the shipped Fashion-MNIST model (D=28, H=64, N=32, 10 classes);
  model B: a random model with D=28, H=256, N=128 (same head);
  model L: with --large, the GPU matrix's large model (D=28, H=1024, N=512,
           test/GPU/large_model.py; its package and PACKAGE.cuda), B=1024.

For B in {64, 1024, 8192} sequences of S=28 steps (inputs U(0, 1), float32,
per-sequence traces) it measures, on the same GPU in the same run:

  engram:        engram-run MODEL.cuda --bench (CUDA events, device time of
                 the kernels, input already on the GPU);
  torch eager:   the module of engram.torch (python/engram/torch.py) on the GPU,
                 float32, no_grad, input on the GPU, synchronised;
  torch.compile: the same module through torch.compile (default inductor).

and prints sequences/s, the ratios, and the fraction of the binding floor.

The floors, per model, batch and trace storage (fp32, bf16, int8): the FLOP
floor of the arithmetic used (fp32 FMA everywhere; with tensor cores, the
weight GEMMs at the TF32 or BF16 rate and the rest at the FMA rate) and the
byte floor (HBM traffic: the input, the output, and the trace, which costs
HBM only its final write when a tile of 4 sequences' traces fits in 200 KB
of shared memory, and a read and a write every step when it streams). The binding floor is the
lower of the two rates. --floors-only prints them without a GPU, for the
peaks of --gpu (H100 SXM or H200).
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))

BATCHES = [64, 1024, 8192]
LARGE_BATCHES = [1024]
STEPS = 28
# Dense peaks (no sparsity) of the SXM parts, from NVIDIA's data sheets:
# fp32 FMA, TF32 and BF16 tensor cores (FLOP/s), HBM bandwidth (bytes/s).
PEAKS = {
    "H100": {"fp32": 67e12, "tf32": 494.7e12, "bf16": 989.4e12, "hbm": 3.35e12},
    "H200": {"fp32": 67e12, "tf32": 494.7e12, "bf16": 989.4e12, "hbm": 4.8e12},
}
TRACE_BYTES = {"fp32": 4, "bf16": 2, "int8": 1}
# A sequence's trace stays on chip when a tile of 4 sequences' traces fits
# in 200 KB of a block's shared memory (tiles of 4 to 16 are what reuse the
# weights at large batches); beyond, it streams through HBM every step.
ON_CHIP_TRACE_BYTES = 200 * 1024 // 4
MODELS = {
    "A": {"input_dim": 28, "hidden_dim": 64, "memory_size": 32, "units": 10},
    "B": {"input_dim": 28, "hidden_dim": 256, "memory_size": 128, "units": 10},
    "L": {"input_dim": 28, "hidden_dim": 1024, "memory_size": 512, "units": 10},
}


def flop_counts(m):
    """(weight-GEMM FLOPs, other FLOPs) per sequence: the encoder,
    integrator, output and readout GEMMs; the recall and the update (about
    14 N·H a step: E, its norm and dot, m = aᵀE, the Hebbian update)."""
    d, h, n, c = m["input_dim"], m["hidden_dim"], m["memory_size"], m["units"]
    gemm = STEPS * 2 * (d * h + 9 * h * h + 3 * h * h) + 2 * h * c
    return gemm, STEPS * 14 * n * h


def hbm_bytes(m, storage):
    """HBM bytes per sequence for a trace stored in `storage`."""
    d, h, n, c = m["input_dim"], m["hidden_dim"], m["memory_size"], m["units"]
    trace = n * h * TRACE_BYTES[storage]
    streams = trace > ON_CHIP_TRACE_BYTES
    return 4 * (STEPS * d + h + c) + (2 * STEPS - 1) * trace if streams else \
        4 * (STEPS * d + h + c) + trace


def floors(m, storage, peaks, tensor=None):
    """(FLOP floor, byte floor, binding floor) in sequences/s; `tensor`:
    "tf32" or "bf16" for weight GEMMs on tensor cores, None for fp32 FMA."""
    gemm, other = flop_counts(m)
    seconds = gemm / peaks[tensor or "fp32"] + other / peaks["fp32"]
    flop_floor, byte_floor = 1 / seconds, peaks["hbm"] / hbm_bytes(m, storage)
    return flop_floor, byte_floor, min(flop_floor, byte_floor)


def floor_table(gpu):
    """Markdown: every model, storage and arithmetic's floors on `gpu`."""
    peaks = PEAKS[gpu]
    lines = [f"Floors on the {gpu} (fp32 FMA {peaks['fp32'] / 1e12:.0f}, TF32 "
             f"{peaks['tf32'] / 1e12:.0f}, BF16 {peaks['bf16'] / 1e12:.0f} TFLOP/s dense; "
             f"HBM {peaks['hbm'] / 1e12:.2f} TB/s), S={STEPS}, per-sequence traces; "
             "sequences/s, the same at every batch that fills the GPU:", "",
             "| model | trace | trace bytes/seq | HBM bytes/seq | arithmetic | FLOP floor | "
             "byte floor | binding |", "| --- | --- | ---: | ---: | --- | ---: | ---: | --- |"]
    for name, m in MODELS.items():
        for storage in TRACE_BYTES:
            for tensor in (None, "tf32", "bf16"):
                flop, byte, _ = floors(m, storage, peaks, tensor)
                lines.append(
                    f"| {name} | {storage} | "
                    f"{m['memory_size'] * m['hidden_dim'] * TRACE_BYTES[storage]:,} | "
                    f"{hbm_bytes(m, storage):,} | {tensor or 'fp32 FMA'} | {flop:,.0f} | "
                    f"{byte:,.0f} | {'FLOPs' if flop < byte else 'bytes'} |")
    return "\n".join(lines) + "\n"


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


def gpu_key(name):
    """The PEAKS entry for a device name ("NVIDIA H200" → "H200")."""
    for key in PEAKS:
        if key in name:
            return key
    sys.exit(f"no peaks known for {name!r}; pass --gpu with one of {', '.join(PEAKS)}")


def measure(args, model, package, artifact, batches, peaks):
    """Rows (model, B, engram, eager, compile, fraction of the fp32 binding
    floor) for one model."""
    import torch
    from engram import torch as engram_torch
    device = torch.device("cuda")
    network = engram_torch.load_package(package, dtype=torch.float32).to(device)
    network.eval()
    compiled = None if args.no_compile else torch.compile(network)
    config = network.config
    m = {"input_dim": config["input_dim"], "hidden_dim": config["cell"]["hidden_dim"],
         "memory_size": config["cell"]["memory_size"], "units": config["head"]["units"]}
    binding = floors(m, "fp32", peaks)[2]
    rows = []
    for batch in batches:
        rng = np.random.default_rng(batch)
        x = rng.uniform(0, 1, (batch, STEPS, m["input_dim"])).astype(np.float32)
        x_path = os.path.join(args.models, f"x_{model}_{batch}.npy")
        np.save(x_path, x)
        ours = engram_rate(args.engram_run, artifact, x_path)
        xt = torch.from_numpy(x).to(device)
        eager = torch_rate(network, xt)
        comp = torch_rate(compiled, xt) if compiled is not None else float("nan")
        rows.append((model, batch, ours, eager, comp, ours / binding))
        print(f"model {model} B={batch:5d}: engram {ours:12,.0f} seq/s  eager "
              f"{eager:10,.0f}  compile {comp:10,.0f}  vs eager {ours / eager:6.1f}x  "
              f"vs compile {ours / comp:6.2f}x  | {100 * ours / binding:4.1f}% of the "
              f"fp32 binding floor ({binding:,.0f} seq/s)", flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models")
    parser.add_argument("--large", help="the large model's package (its artifact "
                                        "beside it, PACKAGE.cuda)")
    parser.add_argument("--engram-run", default="engram-run")
    parser.add_argument("--no-compile", action="store_true")
    parser.add_argument("--gpu", choices=sorted(PEAKS),
                        help="the peaks to use (default: from the device's name)")
    parser.add_argument("--floors-only", action="store_true",
                        help="print the floors of --gpu and exit (no GPU needed)")
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.floors_only:
        table = floor_table(args.gpu or "H200")
        print(table)
        if args.out:
            with open(args.out, "w") as f:
                f.write("<!-- Written by bench/cuda_bench.py --floors-only; do not edit. -->\n\n")
                f.write(table)
        return
    if not args.models:
        parser.error("--models is required unless --floors-only")
    import torch
    name = torch.cuda.get_device_name(0)
    gpu = args.gpu or gpu_key(name)
    print(f"GPU: {name}; driver {torch.cuda.driver_version() if hasattr(torch.cuda, 'driver_version') else '?'}; "
          f"torch {torch.__version__}", flush=True)
    rows = []
    for model in ("A", "B"):
        package = os.path.join(args.models, model)
        rows += measure(args, model, package, package + ".cuda", BATCHES, PEAKS[gpu])
    if args.large:
        rows += measure(args, "L", args.large, args.large + ".cuda", LARGE_BATCHES,
                        PEAKS[gpu])
    if args.out:
        with open(args.out, "w") as f:
            f.write(f"<!-- Written by bench/cuda_bench.py on {name}; do not edit. -->\n\n")
            f.write("| model | B | engram seq/s | torch eager | torch.compile | vs eager | "
                    "vs compile | % of the fp32 binding floor |\n"
                    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
            for model, batch, ours, eager, comp, fraction in rows:
                f.write(f"| {model} | {batch} | {ours:,.0f} | {eager:,.0f} | {comp:,.0f} | "
                        f"{ours / eager:.1f}x | {ours / comp:.2f}x | {100 * fraction:.0f}% |\n")
            f.write("\n" + floor_table(gpu))


if __name__ == "__main__":
    main()
