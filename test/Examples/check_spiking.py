"""check_spiking.py - the shipped models as spiking networks, on Fashion-MNIST.

Converts a model package with `engramc --emit=snn` (graded events,
calibrated on the first 256 training images), runs the first `--images` test
images through the simulator in float and, for the loihi2 profile, in Loihi
fixed point, and compares the accuracies with the float model's on the same
images (engram-run on the package). Fails when the spiking accuracy is more
than `--max-drop` (float simulation) or `--max-drop-fixed` (Loihi fixed
point) points below the float accuracy.
"""
import argparse
import os
import re
import sys

import numpy as np

import fashion_data
from engram_check import run as run_checked


def run(cmd):
    return run_checked(cmd).stdout


def accuracy(stdout):
    return float(re.search(r"accuracy: ([0-9.]+)", stdout).group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--timesteps", type=int, default=11)
    parser.add_argument("--relay-timesteps", type=int, default=2,
                        help="timesteps the loihi2 network adds: its trace "
                             "learns on chip through relays, one timestep "
                             "each (docs/lava.md)")
    parser.add_argument("--max-drop", type=float, required=True,
                        help="largest accepted accuracy drop in float, in points")
    parser.add_argument("--max-drop-fixed", type=float, required=True,
                        help="largest accepted drop in Loihi fixed point, in points")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    train, _ = fashion_data.load("train")
    test, labels = fashion_data.load("test")
    calib, x, y = (os.path.join(args.work, f) for f in ("calib.npy", "x.npy", "y.npy"))
    np.save(calib, train[:256])
    np.save(x, test[:args.images])
    np.save(y, labels[:args.images])
    base = accuracy(run(["engram-run", args.model, "--input", x, "--labels", y]))
    print(f"float model: {100 * base:.2f} %")
    failures = 0
    for profile, flags in (("generic", []), ("loihi2", ["--fixed-point"])):
        net = os.path.join(args.work, f"{profile}.snn.mlir")
        timesteps = args.timesteps + (args.relay_timesteps if flags else 0)
        run(["engramc", args.model, "--emit=snn", f"--snn-calibration={calib}",
             "--snn-encoding=graded", f"--snn-timesteps={timesteps}",
             f"--snn-profile={profile}", "-o", net])
        spiking = accuracy(run(["engram-run", net, "--input", x, "--labels", y, *flags]))
        drop = 100 * (base - spiking)
        limit = args.max_drop_fixed if flags else args.max_drop
        ok = drop <= limit
        failures += not ok
        mode = "fixed point" if flags else "float"
        print(f"{'ok' if ok else 'FAIL'} graded {profile} ({mode}, T={timesteps}): {100 * spiking:.2f} %, "
              f"{drop:+.2f} points below float (at most {limit})")
    print("FAILED" if failures else "PASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
