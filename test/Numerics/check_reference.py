"""check_reference.py - engram-run against the PyTorch module, on random models.

For each size in a list and each sequence length, builds a fresh random model
(weights ~ U(-0.2, 0.2), inputs ~ U(0, 1), trace_init ~ U(-0.1, 0.1)) with the
given layer norm / pooling / trace batching, evaluates it with the PyTorch
module in float64 (the truth), and runs engram-run in float32 and float64:

  package: engram-run on the package (reference interpreter);
  mlir:    engramc to engram MLIR, then engram-run on the MLIR (checks the
           importer and the IR interpreter);
  hoisted: as mlir, after --engram-hoist-encoder;
  cpu:     engramc --target=cpu to a shared object, run by engram-run
           (float32 only; also checks that --threads 2 gives the same bytes
           as --threads 1).

Relative error of a tensor is max|y - r| / max|r| (the infinity-norm relative
error); it must be <= 1e-4 in float32 and <= 1e-9 in float64 for the output,
the final h and the final trace. Prints one line per run; exits 1 on failure.
"""
import argparse
import os
import sys
import tempfile

import numpy as np
import torch

from engram import torch as engram_torch

from engram_check import relative_error, run

TOLERANCE = {"f32": 1e-4, "f64": 1e-9}
# (B, D, H, N): none a multiple of 8, plus the example's shape.
SIZES = [(3, 13, 21, 11), (1, 5, 37, 19), (5, 28, 64, 32), (2, 1, 9, 3)]
STEPS = [1, 7, 28, 64]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pooling", choices=["last", "attention", "sequence", "none"],
                        required=True)
    parser.add_argument("--batching", choices=["per_sequence", "batch_mean"], required=True)
    parser.add_argument("--layer-norm", choices=["on", "off"], required=True)
    parser.add_argument("--readout", choices=["softmax", "linear", "none"], default="softmax")
    parser.add_argument("--via", default="package,mlir,hoisted,cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", default=None)
    args = parser.parse_args()
    work = args.work or tempfile.mkdtemp()
    os.makedirs(work, exist_ok=True)
    torch.set_num_threads(1)

    failures = 0
    worst = {"f32": 0.0, "f64": 0.0}
    for index, (batch, d, h, n) in enumerate(SIZES):
        # One model per size (compiled once); fresh inputs for every length.
        seed = args.seed * 1000 + index * 100
        config = {"input_dim": d,
                  "cell": {"hidden_dim": h, "memory_size": n, "hebbian_lr": 0.05,
                           "scale_factor": 0.5, "temperature": 1.5,
                           "sparsity_strength": 0.1,
                           "use_layer_norm": args.layer_norm == "on"},
                  "trace_batching": args.batching}
        if args.pooling != "none":
            config["head"] = {"pooling": args.pooling}
            if args.readout != "none":
                config["head"].update(units=10 - index, activation=args.readout)
        network = engram_torch.random_network(config, seed, trace_init=index % 2 == 0)
        package = os.path.join(work, f"model_{index}")
        engram_torch.save_package(network, package)
        models = {"package": package}
        vias = args.via.split(",")
        if "mlir" in vias:
            models["mlir"] = os.path.join(package, "model.mlir")
            run(["engramc", package, "-o", models["mlir"]])
        if "hoisted" in vias:
            models["hoisted"] = os.path.join(package, "hoisted.mlir")
            run(["engramc", package, "--hoist-encoder", "-o", models["hoisted"]])
        if "cpu" in vias:
            models["cpu"] = os.path.join(package, "model.so")
            run(["engramc", package, "--target=cpu", "-o", models["cpu"]])
        for steps in STEPS:
            rng = np.random.default_rng(seed + steps)
            x = rng.uniform(0.0, 1.0, (batch, steps, d)).astype(np.float32)
            x_path = os.path.join(package, f"x_{steps}.npy")
            np.save(x_path, x)
            with torch.no_grad():
                truth = [t.numpy() for t in network(torch.from_numpy(x).to(torch.float64))]
            for via in vias:
                for precision in ("f32",) if via == "cpu" else ("f32", "f64"):
                    y_path = os.path.join(package, f"y_{via}_{precision}.npy")
                    s_path = os.path.join(package, f"s_{via}_{precision}.npz")
                    run(["engram-run", models[via], "--input", x_path, "--output", y_path,
                         "--dump-state", s_path, "--precision", precision])
                    if via == "cpu" and batch > 1:
                        y2_path = os.path.join(package, "y_cpu_threads2.npy")
                        run(["engram-run", models[via], "--input", x_path, "--output",
                             y2_path, "--threads", "2"])
                        with open(y_path, "rb") as a, open(y2_path, "rb") as b:
                            if a.read() != b.read():
                                failures += 1
                                print(f"FAIL B={batch} S={steps}: --threads 2 differs "
                                      "from --threads 1")
                    state = np.load(s_path)
                    got = [np.load(y_path), state["h"], state["trace"]]
                    errors = []
                    for name, a, r in zip(("output", "h", "trace"), got, truth):
                        if a.shape != r.shape:
                            sys.exit(f"{name} shape {a.shape} != PyTorch {r.shape}")
                        errors.append(relative_error(a, r))
                    ok = max(errors) <= TOLERANCE[precision]
                    worst[precision] = max(worst[precision], max(errors))
                    failures += not ok
                    print(f"{'ok  ' if ok else 'FAIL'} B={batch} S={steps:2d} D={d} H={h} "
                          f"N={n} {via:8s} {precision}: output {errors[0]:.2e} "
                          f"h {errors[1]:.2e} trace {errors[2]:.2e}")
    print(f"worst relative error: f32 {worst['f32']:.2e} (<= {TOLERANCE['f32']:g}), "
          f"f64 {worst['f64']:.2e} (<= {TOLERANCE['f64']:g})")
    print("FAILED" if failures else "all within tolerance")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
