"""snn_report.py - accuracy and activity of the shipped model as a spiking network.

    /usr/bin/python3 bench/snn_report.py [--build build] [--images 2000]
                                         [--out docs/spiking-report.md]

Converts the trained Fashion-MNIST model (examples/fashion/model) with
`engramc --emit=snn` (calibrated on the first 256 training images) for each
configuration below, runs the first `--images` test images through the
spiking simulator (`engram-run`, float and Loihi fixed point) and prints, next
to the float model on the same images: the accuracy and its change, and the
events (spikes and graded events) and synaptic operations per inference, the
energy proxy neuromorphic work reports. The float model is the float32
reference interpreter of the package.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "examples", "fashion"))
import fashion_data  # noqa: E402

MODEL = os.path.join(ROOT, "examples", "fashion", "model")

# (label, engramc --snn-* options, engram-run options)
CONFIGS = [
    ("graded (sigma-delta), T=12", ["--snn-encoding=graded", "--snn-timesteps=12"], []),
    ("graded, value every timestep, T=12",
     ["--snn-encoding=graded", "--snn-timesteps=12", "--snn-sigma-delta=-1"], []),
    ("graded (sigma-delta, threshold 1 % of range), T=12",
     ["--snn-encoding=graded", "--snn-timesteps=12", "--snn-sigma-delta=0.01"], []),
    ("graded (sigma-delta, threshold 5 % of range), T=12",
     ["--snn-encoding=graded", "--snn-timesteps=12", "--snn-sigma-delta=0.05"], []),
    ("graded, k-WTA k=16, T=12", ["--snn-encoding=graded", "--snn-timesteps=12",
                                  "--snn-recall=kwta", "--snn-k=16"], []),
    ("graded, loihi2, T=12, fixed point",
     ["--snn-encoding=graded", "--snn-timesteps=12", "--snn-profile=loihi2"],
     ["--fixed-point"]),
    ("rate, T=16", ["--snn-encoding=rate", "--snn-timesteps=16"], []),
    ("rate, T=32", ["--snn-encoding=rate", "--snn-timesteps=32"], []),
    ("rate, T=64", ["--snn-encoding=rate", "--snn-timesteps=64"], []),
    ("rate, T=128", ["--snn-encoding=rate", "--snn-timesteps=128"], []),
    ("rate, T=256", ["--snn-encoding=rate", "--snn-timesteps=256"], []),
    ("rate, loihi2, T=64, fixed point",
     ["--snn-encoding=rate", "--snn-timesteps=64", "--snn-profile=loihi2"],
     ["--fixed-point"]),
]


def run(cmd):
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{result.stderr}")
    return result.stdout


def accuracy(stdout):
    return float(re.search(r"accuracy: ([0-9.]+)", stdout).group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--model", default=MODEL,
                        help="the model package (default: the shipped example)")
    parser.add_argument("--only", help="run only the configurations whose label "
                        "contains this text")
    parser.add_argument("--out")
    args = parser.parse_args()
    engramc = os.path.join(args.build, "bin", "engramc")
    engram_run = os.path.join(args.build, "bin", "engram-run")

    train, _ = fashion_data.load("train")
    test, labels = fashion_data.load("test")
    with tempfile.TemporaryDirectory() as tmp:
        calib = os.path.join(tmp, "calib.npy")
        x = os.path.join(tmp, "x.npy")
        y = os.path.join(tmp, "y.npy")
        np.save(calib, train[:256])
        np.save(x, test[:args.images])
        np.save(y, labels[:args.images])
        base = accuracy(run([engram_run, args.model, "--input", x, "--labels", y]))
        rows = [f"| float32 model (reference interpreter) | {100 * base:.2f} | | | |"]
        print(rows[0], flush=True)
        for label, snn_options, run_options in CONFIGS:
            if args.only and args.only not in label:
                continue
            net = os.path.join(tmp, "net.snn.mlir")
            run([engramc, args.model, "--emit=snn", f"--snn-calibration={calib}",
                 *snn_options, "-o", net])
            out = run([engram_run, net, "--input", x, "--labels", y, *run_options])
            events, synops = map(float, re.search(
                r"([0-9.]+) events and ([0-9.]+) synaptic ops", out).groups())
            acc = accuracy(out)
            row = (f"| {label} | {100 * acc:.2f} | {100 * (acc - base):+.2f} | "
                   f"{events:,.0f} | {synops / 1e6:,.2f} M |")
            rows.append(row)
            print(row, flush=True)
    table = "\n".join(
        [f"Model `{os.path.relpath(args.model, ROOT)}`; Fashion-MNIST, first "
         f"{args.images} test images; calibration: the first 256 training images.", "",
         "| network | accuracy % | Δ pt | events / inference | synaptic ops / inference |",
         "| --- | ---: | ---: | ---: | ---: |"] + rows) + "\n"
    if args.out:
        with open(args.out, "w") as f:
            f.write("<!-- generated by bench/snn_report.py; do not edit -->\n\n" + table)


if __name__ == "__main__":
    main()
