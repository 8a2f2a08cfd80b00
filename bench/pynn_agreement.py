#!/usr/bin/python3
"""PyNN on Brian2 against engram's simulator, on the converted shipped model.

Converts a model package for SpiNNaker (engramc --target=spinnaker, rate
codes, calibrated on the first 256 Fashion-MNIST training images), runs the
PyNN script on pyNN.brian2 and the same network with engram-run on the first
N test images, and reports how often the predicted classes agree, both
accuracies, and per population the spike-count differences per neuron.

    /usr/bin/python3 bench/pynn_agreement.py [--model DIR] [--images N]
        [--timesteps T] [--batch B] [--out report.md]

Not a timed test: a few minutes per 10 images on 2 cores (docs/spinnaker.md
records the figures).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "examples", "fashion"))
import fashion_data  # noqa: E402


def run(cmd):
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{result.stderr}")
    return result.stdout


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default=os.path.join(ROOT, "examples", "fashion",
                                                   "model-nonorm"))
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--images", type=int, default=100)
    p.add_argument("--timesteps", type=int, default=64)
    p.add_argument("--batch", type=int, default=50)
    p.add_argument("--out", help="write the report (markdown) here too")
    a = p.parse_args()
    engramc = os.path.join(a.build, "bin", "engramc")
    engram_run = os.path.join(a.build, "bin", "engram-run")

    with tempfile.TemporaryDirectory() as tmp:
        train, _ = fashion_data.load("train")
        test, labels = fashion_data.load("test")
        calib, x, y = (os.path.join(tmp, n) for n in ("calib.npy", "x.npy", "y.npy"))
        np.save(calib, train[:256])
        np.save(x, test[:a.images])
        np.save(y, labels[:a.images])
        options = [f"--snn-calibration={calib}", f"--snn-timesteps={a.timesteps}"]
        script = os.path.join(tmp, "net_pynn.py")
        net = os.path.join(tmp, "net.mlir")
        run([engramc, a.model, "--target=spinnaker", *options, "-o", script])
        run([engramc, a.model, "--emit=snn", "--snn-profile=spinnaker", *options,
             "-o", net])

        # engram: outputs and spike counts, in chunks (the record of every
        # event is B x S*T x neurons floats).
        outputs, counts = [], {}
        t0 = time.time()
        for start in range(0, a.images, 25):
            chunk = os.path.join(tmp, "chunk.npy")
            np.save(chunk, test[start:min(start + 25, a.images)])
            out, rec = os.path.join(tmp, "ye.npy"), os.path.join(tmp, "rec.npz")
            run([engram_run, net, "--input", chunk, "--output", out, "--record", rec])
            outputs.append(np.load(out))
            with np.load(rec) as r:
                for k in r.files:
                    counts.setdefault(k, []).append(r[k].sum(axis=1))
        engram_s = time.time() - t0
        ye = np.concatenate(outputs)
        ce = {k: np.concatenate(v) for k, v in counts.items()}

        t0 = time.time()
        yp_path, cp_path = os.path.join(tmp, "yp.npy"), os.path.join(tmp, "cp.npz")
        log = run(["/usr/bin/python3", script, "--simulator", "brian2", "--input", x,
                   "--output", yp_path, "--counts", cp_path, "--batch", str(a.batch)])
        pynn_s = time.time() - t0
        yp = np.load(yp_path)
        cp = dict(np.load(cp_path))

    y = labels[:a.images]
    agree = (ye.argmax(1) == yp.argmax(1)).mean()
    lines = [
        f"Model `{os.path.relpath(a.model, ROOT)}`, first {a.images} Fashion-MNIST test "
        f"images, T = {a.timesteps} timesteps per step (28 steps per image), "
        f"calibration on the first 256 training images.", "",
        f"- predicted class, PyNN/Brian2 vs engram: **{agree * 100:.1f} %** agree",
        f"- accuracy: engram {np.mean(ye.argmax(1) == y) * 100:.1f} %, "
        f"PyNN/Brian2 {np.mean(yp.argmax(1) == y) * 100:.1f} %",
        f"- mean |output difference|: {np.abs(ye - yp).mean():.3f} "
        f"(outputs span {ye.min():.1f} .. {ye.max():.1f})",
        f"- time: engram-run {engram_s:.0f} s, PyNN/Brian2 {pynn_s:.0f} s "
        f"({log.strip().splitlines()[0]})", "",
        "| population | neurons | engram spikes / neuron | PyNN spikes / neuron "
        "| mean \\|difference\\| | relative |",
        "| --- | ---: | ---: | ---: | ---: | ---: |"]
    total_diff = total = 0.0
    for name in cp:
        mine, theirs = cp[name].astype(float), ce[name].astype(float)
        diff = np.abs(mine - theirs)
        total_diff += diff.sum()
        total += theirs.sum()
        rel = diff.mean() / theirs.mean() if theirs.mean() > 0 else 0.0
        lines.append(f"| {name} | {mine.shape[1]} | {theirs.mean():.1f} | "
                     f"{mine.mean():.1f} | {diff.mean():.1f} | {rel * 100:.1f} % |")
    lines += ["", f"All populations: mean |PyNN − engram| spike count per neuron is "
              f"{total_diff / total * 100:.1f} % of engram's."]
    report = "\n".join(lines)
    print(report)
    if a.out:
        with open(a.out, "w") as f:
            f.write(report + "\n")


if __name__ == "__main__":
    main()
