"""finetune_report.py - accuracy of the compression-tuned packages, through engramc.

    /usr/bin/python3 bench/finetune_report.py [--build build]

For each examples/fashion/model-<compression> package (metrics.json names
the package it was tuned from and the compression, as engram.torch's spec),
compiles the tuned package and the one it was tuned from with the
compression's engramc flags (--target=cpu), runs the 10,000 Fashion-MNIST
test images, and prints both accuracies beside the float accuracy of the
untuned model. The numbers are the compiled artifacts', not PyTorch's.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "examples", "fashion"))
import fashion_data  # noqa: E402

FLAGS = {"topk=4": ["--sparsify=topk=4"], "int4": ["--quantize=int4"],
         "binary": ["--quantize=binary"], "int8": ["--quantize=int8"]}


def accuracy(build, model, flags, x, y, work, name):
    so = os.path.join(work, name + ".so")
    out = os.path.join(work, name + ".npy")
    subprocess.run([os.path.join(build, "bin", "engramc"), model, "--target=cpu",
                    *flags, "-o", so], check=True)
    subprocess.run([os.path.join(build, "bin", "engram-run"), so, "--input", x,
                    "--output", out], check=True, stdout=subprocess.DEVNULL)
    return float((np.load(out).argmax(-1) == y).mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    args = parser.parse_args()
    x, y = fashion_data.load("test")
    examples = os.path.join(ROOT, "examples", "fashion")
    rows = []
    with tempfile.TemporaryDirectory() as work:
        xpath = os.path.join(work, "x.npy")
        np.save(xpath, x)
        for name in sorted(os.listdir(examples)):
            path = os.path.join(examples, name, "metrics.json")
            if not os.path.exists(path):
                continue
            metrics = json.load(open(path))
            spec = metrics.get("tuned_for")
            if not spec:
                continue
            source = os.path.join(ROOT, metrics["tuned_from"])
            flags = FLAGS[spec]
            base = accuracy(args.build, source, [], xpath, y, work, "float")
            before = accuracy(args.build, source, flags, xpath, y, work, "before")
            after = accuracy(args.build, os.path.join(examples, name), flags, xpath, y,
                             work, "after")
            rows.append((name, spec, " ".join(flags), base, before, after))
    print("| package | tuned for | engramc flags | float (untuned) | compressed, untuned "
          "| compressed, tuned | tuned vs float |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: |")
    for name, spec, flags, base, before, after in rows:
        print(f"| {name} | {spec} | `{flags}` | {100 * base:.2f} % | {100 * before:.2f} % | "
              f"{100 * after:.2f} % | {100 * (after - base):+.2f} pt |")


if __name__ == "__main__":
    main()
