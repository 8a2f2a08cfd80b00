"""fuzz_package.py PKG WORK --cases N - corrupts PKG N ways and runs engramc on each.

Fails (exit 1) if engramc crashes, hangs (10 s), exits with a code other than 0
or 1, prints more than one error line, or leaves an output file after failing.
"""
import argparse
import os
import random
import shutil
import subprocess
import sys


def corrupt(data, rng):
    data = bytearray(data)
    kind = rng.randrange(4)
    if kind == 0:  # flip bytes, mostly in the header
        for _ in range(rng.randint(1, 8)):
            limit = min(len(data), 8 + 600) if rng.random() < 0.8 else len(data)
            data[rng.randrange(limit)] = rng.randrange(256)
    elif kind == 1:  # truncate
        data = data[:rng.randrange(len(data))]
    elif kind == 2:  # header length field
        data[rng.randrange(8)] = rng.randrange(256)
    else:  # splice a chunk of the header elsewhere
        a, b = sorted(rng.randrange(8, min(len(data), 600)) for _ in range(2))
        at = rng.randrange(8, min(len(data), 600))
        data[at:at] = data[a:b]
    return bytes(data)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("package")
    parser.add_argument("work")
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with open(os.path.join(args.package, "model.safetensors"), "rb") as f:
        weights = f.read()
    with open(os.path.join(args.package, "model.json"), "rb") as f:
        config = f.read()
    rejected = accepted = failures = 0
    for case in range(args.cases):
        work = os.path.join(args.work, str(case))
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        target_json = rng.random() < 0.25
        with open(os.path.join(work, "model.json"), "wb") as f:
            f.write(corrupt(config, rng) if target_json else config)
        with open(os.path.join(work, "model.safetensors"), "wb") as f:
            f.write(weights if target_json else corrupt(weights, rng))
        out = os.path.join(work, "out.mlir")
        try:
            proc = subprocess.run(["engramc", work, "-o", out], capture_output=True,
                                  text=True, errors="replace", timeout=10)
        except subprocess.TimeoutExpired:
            print(f"case {case}: engramc hung")
            failures += 1
            continue
        errors = [l for l in proc.stderr.splitlines() if "error" in l]
        if proc.returncode == 0:
            accepted += 1
        elif proc.returncode == 1 and len(errors) == 1 and not os.path.exists(out):
            rejected += 1
        else:
            failures += 1
            print(f"case {case}: exit {proc.returncode}, stderr: {proc.stderr[:500]!r}, "
                  f"output left: {os.path.exists(out)}")
    print(f"fuzzed {args.cases} packages: {rejected} rejected with exit 1, "
          f"{accepted} accepted, {failures} crashed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
