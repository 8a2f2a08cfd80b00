"""check_cases.py - CUDA artifacts on a GPU against their float64 references.

    python3 test/GPU/check_cases.py DIR [--engram-run PATH]

Runs every case of DIR/cases.json (made by make_cases.py): draws the input
(U(0, 1), seeded), runs the float64 reference interpreter on the case's
package and the CUDA artifact on the GPU, both with engram-run, and compares
the output, the final h and the final trace: max|y - r| / max|r| <= 1e-4
(fp32 math).
Files that travel compressed (FILE.xz) are unpacked first, and packages
made from a recipe (the large model) rebuilt. Prints one line per
case and the worst error; exits 1 on a failure. Needs
only numpy and the runtime-only engram-run, so it runs on a machine without
LLVM.
"""
import argparse
import json
import lzma
import os
import shutil
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                "lit-helpers"))
from engram_check import relative_error  # noqa: E402

TOLERANCE = 1e-4


def unpack(directory, cases):
    """Unpacks every FILE.xz of `directory` whose FILE is missing, and
    rebuilds the packages of cases made from a recipe (the large model
    travels as its compressed artifact only)."""
    for name in os.listdir(directory):
        path = os.path.join(directory, name)
        if name.endswith(".xz") and not os.path.exists(path[:-3]):
            with lzma.open(path, "rb") as src, open(path[:-3], "wb") as dst:
                shutil.copyfileobj(src, dst)
    for case in cases:
        package = os.path.join(directory, case["package"])
        if "large" in case.get("recipe", {}) and not os.path.exists(package):
            import large_model  # needs torch's engram_torch, only for this case
            large_model.write_package(package, case["recipe"]["large"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--engram-run", default="engram-run")
    args = parser.parse_args()
    with open(os.path.join(args.dir, "cases.json")) as f:
        cases = json.load(f)
    unpack(args.dir, cases)
    failures, worst = 0, 0.0
    for case in cases:
        path = lambda name: os.path.join(args.dir, case[name])  # noqa: E731
        work = lambda suffix: os.path.join(args.dir, case["name"] + suffix)  # noqa: E731
        rng = np.random.default_rng(case["seed"])
        x = rng.uniform(0.0, 1.0, (case["batch"], case["steps"], case["input_dim"]))
        np.save(work("_x.npy"), x.astype(np.float32))
        runs = {"ref": [path("package"), "--precision", "f64"], "gpu": [path("artifact")]}
        failed = False
        for tag, model in runs.items():
            proc = subprocess.run([args.engram_run, *model, "--input", work("_x.npy"),
                                   "--output", work(f"_{tag}.npy"),
                                   "--dump-state", work(f"_{tag}.npz")],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                failed = True
                print(f"FAIL {case['name']}: engram-run ({tag}) exited "
                      f"{proc.returncode}: {proc.stderr.strip()}")
                break
        if failed:
            failures += 1
            continue
        got = [np.load(work("_gpu.npy")), np.load(work("_gpu.npz"))["h"],
               np.load(work("_gpu.npz"))["trace"]]
        ref = [np.load(work("_ref.npy")), np.load(work("_ref.npz"))["h"],
               np.load(work("_ref.npz"))["trace"]]
        for suffix in ("_x.npy", "_ref.npy", "_ref.npz", "_gpu.npy", "_gpu.npz"):
            os.remove(work(suffix))
        errors = []
        for name, a, r in zip(("output", "h", "trace"), got, ref):
            if a.shape != r.shape:
                errors.append(float("inf"))
                print(f"  {name} shape {a.shape} != reference {r.shape}")
            else:
                errors.append(relative_error(a, r))
        ok = max(errors) <= TOLERANCE
        worst = max(worst, max(errors))
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {case['name']:22s} B={case['batch']:5d} "
              f"S={case['steps']:2d} {case['config']}: output {errors[0]:.2e} "
              f"h {errors[1]:.2e} trace {errors[2]:.2e}")
    print(f"{len(cases)} cases, worst relative error {worst:.2e} (<= {TOLERANCE:g})")
    print("FAILED" if failures else "all within tolerance")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
