"""check_state_split.py - running S steps equals running them in chunks.

engram-run --initial-state starts a run from the state another dumped
(--dump-state), so that a stream can be fed in chunks. The property, for
every backend that resumes (the package interpreter and the IR interpreter
in float32 and float64, CPU artifacts with and without batch tiles and
threads):

  run the whole input x (S steps) from h = 0, T = T0;
  run x[:, :S1], then x[:, S1:S2] from its final state, then x[:, S2:];

the final h and trace must be equal bit for bit, and so must the outputs
whose value only depends on the state (pooling `last`: the last chunk's
output; pooling `sequence`: the chunks' outputs side by side). Mean and
attention pooling reduce over the steps of one call, so their chunked
outputs differ (docs/streams.md). Random models, per-sequence and
batch_mean traces, float, fixed-point and bfloat16 traces, random inputs
and split points. To show that the state is really used, the last chunk
run from h = 0, T = T0 must differ. Exits 1 on a failure.
"""
import argparse
import os
import sys
import tempfile

import numpy as np

from engram import torch as engram_torch

from engram_check import run

# (B, D, H, N): a batch over tiles of 8 with a remainder, and a small one.
SIZES = [(13, 5, 21, 11), (3, 28, 64, 32)]
STEPS = 12
HEADS = {
    "last": {"pooling": "last", "units": 10, "activation": "softmax"},
    "sequence": {"pooling": "sequence", "units": 4, "activation": "linear"},
}
# Compressions of the IR (a package holds float only). A fixed-point trace
# is per-sequence only, so batch_mean quantizes the bank alone.
COMPRESSIONS = {
    "per_sequence": {"float": [], "int8": ["--quantize=int8"],
                     "bf16-trace": ["--quantize=bf16:trace"]},
    "batch_mean": {"float": [], "int8-bank": ["--quantize=int8:memory"],
                   "bf16-trace": ["--quantize=bf16:trace"]},
}


def run_chunks(model, chunks, work, tag, extra):
    """Runs `chunks` one after the other, each from the previous state;
    returns the outputs and the last state."""
    outputs, state = [], None
    for i, chunk in enumerate(chunks):
        x_path = os.path.join(work, f"x_{tag}_{i}.npy")
        y_path = os.path.join(work, f"y_{tag}_{i}.npy")
        s_path = os.path.join(work, f"s_{tag}_{i}.npz")
        np.save(x_path, chunk)
        cmd = ["engram-run", model, "--input", x_path, "--output", y_path,
               "--dump-state", s_path] + extra
        if state:
            cmd += ["--initial-state", state]
        run(cmd)
        outputs.append(np.load(y_path))
        state = s_path
    final = np.load(state)
    return outputs, final["h"], final["trace"]


def check(model, head, x, split, work, tag, extra):
    """(ok, text) for `model` run whole and in the chunks `split` makes."""
    whole, h, trace = run_chunks(model, [x], work, tag + "w", extra)
    parts = np.split(x, split, axis=1)
    outs, h2, trace2 = run_chunks(model, parts, work, tag + "p", extra)
    fresh, _, _ = run_chunks(model, [parts[-1]], work, tag + "f", extra)
    states_equal = np.array_equal(h, h2) and np.array_equal(trace, trace2)
    if head == "sequence":
        outputs_equal = np.array_equal(whole[0], np.concatenate(outs, axis=1))
    else:
        outputs_equal = np.array_equal(whole[0], outs[-1])
    uses_state = not np.array_equal(fresh[0], outs[-1])
    ok = states_equal and outputs_equal and uses_state
    return ok, (f"states {'equal' if states_equal else 'DIFFER'}, "
                f"outputs {'equal' if outputs_equal else 'DIFFER'}, "
                f"{'resumed' if uses_state else 'STATE IGNORED'}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batching", choices=["per_sequence", "batch_mean"],
                        default="per_sequence")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", default=None)
    args = parser.parse_args()
    work = args.work or tempfile.mkdtemp()
    os.makedirs(work, exist_ok=True)
    failures = checks = 0
    for index, (batch, d, h, n) in enumerate(SIZES):
        for head_name, head in HEADS.items():
            seed = args.seed * 1000 + index * 10 + len(head_name)
            config = {"input_dim": d,
                      "cell": {"hidden_dim": h, "memory_size": n, "hebbian_lr": 0.05,
                               "scale_factor": 0.5, "temperature": 1.5,
                               "sparsity_strength": 0.1, "use_layer_norm": True},
                      "trace_batching": args.batching, "head": head}
            package = os.path.join(work, f"model_{index}_{head_name}")
            engram_torch.save_package(
                engram_torch.random_network(config, seed, trace_init=True), package)
            rng = np.random.default_rng(seed)
            x = rng.uniform(0.0, 1.0, (batch, STEPS, d)).astype(np.float32)
            split = sorted(rng.choice(np.arange(1, STEPS), 2, replace=False))
            runs = [(package, "package f32", ["--precision", "f32"]),
                    (package, "package f64", ["--precision", "f64"])]
            for name, flags in COMPRESSIONS[args.batching].items():
                ir = os.path.join(package, f"{name}.mlir")
                run(["engramc", package] + flags + ["-o", ir])
                runs += [(ir, f"{name} IR {p}", ["--precision", p])
                         for p in ("f32", "f64")]
                for tile in ("8", "0"):
                    so = os.path.join(package, f"{name}_tile{tile}.so")
                    run(["engramc", ir, "--target=cpu", f"--batch-tile={tile}",
                         "-o", so])
                    runs += [(so, f"{name} cpu tile {tile}", ["--threads", "3"])]
            for model, label, extra in runs:
                tag = f"{index}{head_name}{label.replace(' ', '_')}"
                ok, text = check(model, head_name, x, split, work, tag, extra)
                checks += 1
                failures += not ok
                print(f"{'ok  ' if ok else 'FAIL'} B={batch} H={h} N={n} "
                      f"{args.batching} {head_name:8s} {label:22s} split at "
                      f"{[int(s) for s in split]}: {text}")
    print(f"{checks - failures} of {checks} split runs equal the whole run")
    print("FAILED" if failures else "split equals whole")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
