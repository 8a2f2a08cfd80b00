"""fuzz_snn.py SEED.mlir X.npy WORK --cases N - mutated spiking networks through engram-run.

Each case deletes, swaps or renumbers (0, -1, 1e30, nan, huge, ...) one to
three lines of a valid snn network and runs it with engram-run, in float and
in fixed point alternately. Every run must exit 0 or 1, and an exit 1 must
come with one "engram-run: error:" line and no output file: never a crash, a
hang or a partial output.
"""
import argparse
import os
import random
import re
import subprocess
import sys

NUMBERS = ["0", "-1", "1", "7", "255", "-300", "1e30", "nan", "99999999999"]


def mutate(lines, rng):
    lines = list(lines)
    for _ in range(rng.randint(1, 3)):
        k = rng.randrange(len(lines))
        roll = rng.random()
        if roll < 0.3:
            del lines[k]
        elif roll < 0.7:
            lines[k] = re.sub(r"-?\d+(\.\d+)?", lambda m: rng.choice(NUMBERS), lines[k], count=1)
        else:
            j = rng.randrange(len(lines))
            lines[k], lines[j] = lines[j], lines[k]
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("seed")
    parser.add_argument("input")
    parser.add_argument("work")
    parser.add_argument("--cases", type=int, default=100)
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    lines = open(args.seed).read().split("\n")
    rng = random.Random(0)
    counts = {"accepted": 0, "rejected": 0, "crashed": 0}
    for case in range(args.cases):
        path = os.path.join(args.work, "net.mlir")
        out = os.path.join(args.work, "y.npy")
        with open(path, "w") as f:
            f.write("\n".join(mutate(lines, rng)))
        if os.path.exists(out):
            os.remove(out)
        cmd = ["engram-run", path, "--input", args.input, "--output", out]
        if case % 2:
            cmd.append("--fixed-point")
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        errors = [l for l in proc.stderr.splitlines() if l.startswith("engram-run: error:")]
        if proc.returncode == 0:
            counts["accepted"] += 1
        elif proc.returncode == 1 and len(errors) == 1 and not os.path.exists(out):
            counts["rejected"] += 1
        else:
            counts["crashed"] += 1
            print(f"case {case}: exit {proc.returncode}\n{proc.stderr[-400:]}", file=sys.stderr)
    print(f"fuzzed {args.cases} networks: {counts['rejected']} rejected with exit 1, "
          f"{counts['accepted']} accepted, {counts['crashed']} crashed")
    return 1 if counts["crashed"] else 0


if __name__ == "__main__":
    sys.exit(main())
