"""check_compressed.py - compiled quantized/sparsified models against the interpreter.

A compressed model is a different model: its memory bank is the stored
integers times their scales (or the kept entries of each row), its recall may
keep only the top-k slots, and its trace may be fixed point. The oracle for
the CPU artifact is therefore the IR interpreter run in float64 on the same
compressed engram IR (`engramc --emit=engram` with the same flags). For every
random model and every compression:

  output, final h: max|y - r| / max|r| <= 1e-4 (float32 artifact);
  float trace:     the same bound;
  fixed trace:     counted in steps δ = clip / Q: the artifact and the
                   interpreter may differ by one step where an increment lands
                   on a rounding boundary in float32; at most 1 step anywhere
                   and on at most 0.5 % of the entries.
  bf16 trace:      counted in bfloat16 units in the last place of the
                   interpreter's entry: the artifact rounds its float32 update,
                   the interpreter its float64 one, so a step may put them one
                   unit apart where the update lands near a rounding boundary.
                   The decay shrinks a difference by (1 − η) a step while each
                   step can add a unit, so it stays below 1/η units (20 at
                   η = 0.05); on at most 0.5 % of the entries. Outputs and h
                   keep 1e-4.

It also prints the approximation cost (compressed vs float model, both in the
interpreter) so the report shows what each compression changes. Exits 1 on a
failure.
"""
import argparse
import os
import sys
import tempfile

import numpy as np

from engram import torch as engram_torch

from engram_check import relative_error, run

TOLERANCE = 1e-4
LEARNING_RATE = 0.05  # η of the random models below
MAX_STEP_MISMATCH_FRACTION = 0.005
# (B, D, H, N): ragged sizes and the example's shape.
SIZES = [(3, 13, 21, 11), (5, 28, 64, 32)]
STEPS = [7, 28]
CONFIGS = {
    "int8": ["--quantize=int8"],
    "int8-tensor-stochastic": ["--quantize=int8:memory", "--quantize-scale=tensor",
                               "--quantize-rounding=stochastic", "--quantize-seed=5"],
    "int4": ["--quantize=int4"],
    "binary": ["--quantize=binary"],
    "int8-trace16": ["--quantize=int8:memory"],  # plus a 16-bit trace below
    "topk4": ["--sparsify=topk=4"],
    "density0.5": ["--sparsify=density=0.5"],
    "topk4-density0.25-int8": ["--sparsify=topk=4,density=0.25", "--quantize=int8"],
    # A pruned binary bank is densified with zeros, which signs cannot hold.
    "binary-density0.25": ["--sparsify=density=0.25", "--quantize=binary"],
    "bf16-trace": ["--quantize=bf16:trace"],
    "int8-bank-bf16-trace": ["--quantize=int8:memory,bf16:trace"],
}


def bf16_units(got, truth):
    """|got − truth| in bfloat16 units in the last place of truth (ulps of
    2^(e−7) for |truth| in [2^e, 2^(e+1)), 2^-133 below 2^-126)."""
    truth = truth.astype(np.float64)
    exponent = np.floor(np.log2(np.maximum(np.abs(truth), 2.0 ** -126)))
    ulp = np.exp2(exponent - 7)
    return np.abs(got.astype(np.float64) - truth) / ulp


def trace_check(ir_text, name, got, truth):
    """(ok, text) for the final trace of a fixed-point or bfloat16 trace."""
    if "#engram.bf16" in ir_text:
        diff = bf16_units(got, truth)
        unit = "bf16 units"
        bound = 1.0 / LEARNING_RATE
    else:
        bits = 16 if name == "int8-trace16" else int(
            ir_text.split("#engram.fixed<bits = ")[1].split(",")[0])
        diff = np.abs(got.astype(np.float64) - truth) / (0.1 / (2 ** (bits - 1) - 1))
        unit = "steps"
        bound = 1.0
    mismatched = float(np.mean(diff > 0.5))
    ok = diff.max() <= bound + 1e-3 and mismatched <= MAX_STEP_MISMATCH_FRACTION
    return ok, (f"trace {diff.max():.2f} {unit} max, "
                f"{100 * mismatched:.3f}% entries differ")


def evaluate(model, x_path, out_dir, tag, precision):
    y_path = os.path.join(out_dir, f"y_{tag}.npy")
    s_path = os.path.join(out_dir, f"s_{tag}.npz")
    run(["engram-run", model, "--input", x_path, "--output", y_path,
         "--dump-state", s_path, "--precision", precision])
    state = np.load(s_path)
    return np.load(y_path), state["h"], state["trace"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batching", choices=["per_sequence", "batch_mean"],
                        default="per_sequence")
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", default=None)
    args = parser.parse_args()
    work = args.work or tempfile.mkdtemp()
    os.makedirs(work, exist_ok=True)

    failures = 0
    worst = 0.0
    for index, (batch, d, h, n) in enumerate(SIZES):
        seed = args.seed * 1000 + index * 100
        config = {"input_dim": d,
                  "cell": {"hidden_dim": h, "memory_size": n, "hebbian_lr": LEARNING_RATE,
                           "scale_factor": 0.5, "temperature": 1.5,
                           "sparsity_strength": 0.1, "use_layer_norm": True},
                  "trace_batching": args.batching,
                  "head": {"pooling": "last", "units": 10, "activation": "softmax"}}
        network = engram_torch.random_network(config, seed, trace_init=True)
        package = os.path.join(work, f"model_{index}")
        engram_torch.save_package(network, package)
        for name in args.configs.split(","):
            flags = list(CONFIGS[name])
            if name == "int8-trace16":
                # 16-bit traces are reachable from engram-opt only.
                ir = os.path.join(package, f"{name}.mlir")
                run(["engramc", package] + flags + ["-o", ir + ".tmp"])
                run(["engram-opt", ir + ".tmp",
                     "--engram-quantize-memory=what=trace bits=16", "-o", ir])
            else:
                ir = os.path.join(package, f"{name}.mlir")
                run(["engramc", package] + flags + ["-o", ir])
            so = os.path.join(package, f"{name}.so")
            run(["engramc", ir, "--target=cpu", "-o", so])
            ir_text = open(ir).read()
            narrow = "#engram.fixed" in ir_text or "#engram.bf16" in ir_text
            for steps in STEPS:
                rng = np.random.default_rng(seed + steps)
                x = rng.uniform(0.0, 1.0, (batch, steps, d)).astype(np.float32)
                x_path = os.path.join(package, f"x_{steps}.npy")
                np.save(x_path, x)
                truth = evaluate(ir, x_path, package, f"{name}_ref", "f64")
                got = evaluate(so, x_path, package, f"{name}_cpu", "f32")
                dense = evaluate(package, x_path, package, "float_ref", "f64")
                errors = [relative_error(a, r) for a, r in zip(got[:2], truth[:2])]
                ok = max(errors) <= TOLERANCE
                worst = max(worst, max(errors))
                if narrow:
                    trace_ok, trace_text = trace_check(ir_text, name, got[2], truth[2])
                else:
                    trace_error = relative_error(got[2], truth[2])
                    trace_ok = trace_error <= TOLERANCE
                    worst = max(worst, trace_error)
                    trace_text = f"trace {trace_error:.2e}"
                ok = ok and trace_ok
                failures += not ok
                cost = relative_error(truth[0], dense[0])
                print(f"{'ok  ' if ok else 'FAIL'} B={batch} S={steps:2d} H={h} N={n} "
                      f"{name:24s}: output {errors[0]:.2e} h {errors[1]:.2e} "
                      f"{trace_text}; vs float model: output {cost:.2e}")
    print(f"worst relative error vs the interpreter: {worst:.2e} (<= {TOLERANCE:g})")
    print("FAILED" if failures else "all within tolerance")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
