"""snn_ablation.py - what each approximation of convert-engram-to-snn costs on its own.

    /usr/bin/python3 bench/snn_ablation.py [--images 2000] [--model DIR]
        [--no-fixed-point]

A float64 NumPy model of the shipped Fashion-MNIST cell in which the
approximations of the spiking conversion (docs/spiking.md) can be switched on
one at a time, calibrated as the pass calibrates them (medians over the
first 256 training images). It separates the cost of each approximation from
that of spikes; bench/snn_report.py measures the converted networks
themselves.

A second table (unless --no-fixed-point) adds Loihi 2's approximations one
at a time on the converted graded network itself (engramc and engram-run
from build/bin): 8-bit weights, the loihi2 profile's exponent floor,
payload spans and rule constants (simulated in float), its fixed-point
arithmetic, and the trace learning in Lava's integers against a frozen one.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "examples", "fashion"), os.path.join(ROOT, "python")]
from engram import torch as engram_torch  # noqa: E402
import fashion_data  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--model", default=os.path.join(ROOT, "examples", "fashion", "model"))
    parser.add_argument("--no-fixed-point", action="store_true",
                        help="skip the table of Loihi 2's approximations")
    args = parser.parse_args()
    with open(os.path.join(args.model, "model.json")) as f:
        has_layer_norm = json.load(f)["cell"].get("use_layer_norm", True)
    t = engram_torch.read_safetensors(os.path.join(args.model, "model.safetensors"))
    p = {k: np.asarray(v, dtype=np.float64) for k, v in t.items()}
    eta, s, tau = 0.05, 0.5, 1.5 / (1 + 10 * 0.1)
    m_bank = p["cell.memory"]
    n = m_bank.shape[0]

    def layer_norm(v, which, mode, cal, record, zero):
        """LN over the last axis; with `which` in mode, σ is the calibrated median
        (except on all-zero steps with "zero" in mode, where it stays exact)."""
        if not has_layer_norm:
            return v
        sd = np.sqrt(v.var(1, keepdims=True) + 1e-6)
        if record is not None:
            record.setdefault(f"sd{which[-1]}", []).append(sd.ravel())
        if which in mode:
            keep = zero if "zero" in mode and which == "ln1" else np.zeros_like(zero)
            sd = np.where(keep, sd, cal[f"sd{which[-1]}"])
        norm = f"cell.norm{which[-1]}"
        return (v - v.mean(1, keepdims=True)) / sd * p[f"{norm}.gamma"] + p[f"{norm}.beta"]

    def run(x, mode, cal=None, record=None):
        b, steps, _ = x.shape
        h = np.zeros((b, m_bank.shape[1]))
        trace = np.zeros((b,) + m_bank.shape)
        for t in range(steps):
            zero = (x[:, t] == 0).all(1, keepdims=True)
            z = np.maximum(x[:, t] @ p["cell.encoder.kernel"] + p["cell.encoder.bias"], 0)
            z = layer_norm(z, "ln1", mode, cal, record, zero)
            e = m_bank[None] + s * trace
            zn = np.linalg.norm(z, axis=1, keepdims=True)
            en = np.linalg.norm(e, axis=2)
            if record is not None:
                record.setdefault("zn", []).append(zn.ravel())
            if "cos" in mode:
                zn = np.where(zero & ("zero" in mode), zn, cal["zn"])
                en = np.linalg.norm(m_bank, axis=1)[None]
            logit = np.einsum("bnh,bh->bn", e, z) / en / zn / tau
            if "linear" in mode:
                a = (1 + logit - logit.mean(1, keepdims=True)) / n
            elif "kwta" in mode:
                k = cal["k"]
                theta = np.sort(logit, 1)[:, n - k - 1:n - k] if k < n else logit.min(1, keepdims=True) - 1
                a = np.maximum(logit - theta, 0)
                a /= a.sum(1, keepdims=True)
            else:
                a = np.exp(logit - logit.max(1, keepdims=True))
                a /= a.sum(1, keepdims=True)
            m = np.einsum("bn,bnh->bh", a, e)
            g = np.maximum(np.concatenate([z, m, h], 1) @ p["cell.integrator.kernel"]
                           + p["cell.integrator.bias"], 0)
            hh = np.maximum(g @ p["cell.output.kernel"] + p["cell.output.bias"], 0)
            h = layer_norm(hh, "ln2", mode, cal, record, zero)
            if "no-trace" not in mode:
                trace = np.clip((1 - eta) * trace + eta * a[:, :, None] * z[:, None, :], -0.1, 0.1)
        return h @ p["readout.kernel"] + p["readout.bias"]

    train, _ = fashion_data.load("train")
    test, labels = fashion_data.load("test")
    x = test[:args.images].astype(np.float64)
    y = labels[:args.images]
    record = {}
    calib = train[:256].astype(np.float64)
    run(calib, "", record=record)
    cal = {k: np.median(np.concatenate(v)) for k, v in record.items()}
    # As the pass does with zero-input=exact: σ1 and ‖z‖ calibrated on the
    # non-zero steps (the first record entries follow the steps in order).
    nonzero = ~(calib == 0).all(2).T.ravel()  # step-major, as recorded
    for key in ("sd1", "zn"):
        if key in record:
            cal[key + "-nonzero"] = np.median(np.concatenate(record[key])[nonzero])
    base = (run(x, "").argmax(1) == y).mean()
    print(f"Float64 model `{os.path.relpath(args.model, ROOT)}` on the first "
          f"{args.images} test images: {100 * base:.2f} %\n")
    print("| approximation (alone) | accuracy % | Δ pt |\n| --- | ---: | ---: |")
    rows = [("LN1 σ → calibrated median", "ln1"),
            ("LN1 σ → calibrated median, exact on all-zero steps", "ln1 zero"),
            ("LN2 σ → calibrated median", "ln2"),
            ("cosine norms → ‖M_i‖ and median ‖z‖", "cos"),
            ("cosine norms, exact ‖z‖ on all-zero steps", "cos zero"),
            ("softmax → first order (recall=linear)", "linear"),
            ("softmax → k-WTA, k=16", "kwta16"), ("softmax → k-WTA, k=8", "kwta8"),
            ("no Hebbian trace", "no-trace"),
            ("the pass's approximations (LN1, LN2, cosine, linear), zero-input=ignore",
             "ln1 ln2 cos linear"),
            ("the pass's defaults (the same, exact on all-zero steps)",
             "ln1 ln2 cos linear zero")]
    if not has_layer_norm:
        rows = [r for r in rows if r[1] not in ("ln1", "ln1 zero", "ln2")]
    for label, mode in rows:
        if "zero" in mode:
            cal_mode = dict(cal)
            for key in ("sd1", "zn"):
                if key + "-nonzero" in cal:
                    cal_mode[key] = cal[key + "-nonzero"]
        else:
            cal_mode = cal
        if mode.startswith("kwta"):
            cal["k"] = int(mode[4:])
        acc = (run(x, mode, cal_mode).argmax(1) == y).mean()
        print(f"| {label} | {100 * acc:.2f} | {100 * (acc - base):+.2f} |")
    if not args.no_fixed_point:
        fixed_point_table(args, has_layer_norm)


def fixed_point_table(args, has_layer_norm):
    """Loihi 2's approximations on the converted graded network, one more
    per row, measured with engramc and engram-run."""
    build = os.path.join(ROOT, "build", "bin")
    train, _ = fashion_data.load("train")
    test, labels = fashion_data.load("test")
    # The timesteps every row can use: the loihi2 network's relays add two.
    timesteps = 13 if has_layer_norm else 11
    with tempfile.TemporaryDirectory() as work:
        calib, x, y = (os.path.join(work, f) for f in ("calib.npy", "x.npy", "y.npy"))
        np.save(calib, train[:256])
        np.save(x, test[:args.images])
        np.save(y, labels[:args.images])

        def accuracy(command):
            out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            return float(re.search(r"accuracy: ([0-9.]+)", out).group(1))

        base = accuracy([os.path.join(build, "engram-run"), args.model, "--input", x,
                         "--labels", y])
        print(f"\nThe converted network, graded, {timesteps} timesteps, on the same "
              f"{args.images} images (float model {100 * base:.2f} %):\n")
        print("| network | accuracy % | Δ pt |\n| --- | ---: | ---: |")
        rows = [("generic, 16-bit weights (float)", ["--snn-weight-bits=16"], []),
                ("generic, 8-bit weights (float)", [], []),
                ("loihi2: exponent floor, payload spans, Loihi constants, the "
                 "trace in Lava's integers (float)", ["--snn-profile=loihi2"], []),
                ("loihi2, fixed point (Lava's arithmetic)", ["--snn-profile=loihi2"],
                 ["--fixed-point"]),
                ("loihi2, fixed point, trace frozen at T0",
                 ["--snn-profile=loihi2", "--snn-learning=off"], ["--fixed-point"])]
        for label, convert, simulate in rows:
            net = os.path.join(work, "net.snn.mlir")
            subprocess.run([os.path.join(build, "engramc"), args.model, "--emit=snn",
                            f"--snn-calibration={calib}", "--snn-encoding=graded",
                            f"--snn-timesteps={timesteps}", *convert, "-o", net], check=True)
            acc = accuracy([os.path.join(build, "engram-run"), net, "--input", x,
                            "--labels", y, *simulate])
            print(f"| {label} | {100 * acc:.2f} | {100 * (acc - base):+.2f} |")


if __name__ == "__main__":
    main()
