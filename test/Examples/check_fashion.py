"""check_fashion.py - the shipped model: engram-run vs PyTorch on Fashion-MNIST.

Runs engram-run (reference interpreter, float32 and float64, package and
imported MLIR; the compiled CPU artifact, float32) on the 10,000 test images and compares with the PyTorch module
in the same precision on the same images: the accuracies must be equal and
the probabilities must match within the tolerances (1e-4 in float32, 1e-9 in
float64, relative to the largest probability).
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
import torch

from engram import torch as engram_torch
import fashion_data


def engram_run(model, x_path, labels_path, out, precision):
    proc = subprocess.run(["engram-run", model, "--input", x_path, "--labels", labels_path,
                           "--output", out, "--precision", precision],
                          capture_output=True, text=True)
    if proc.returncode:
        sys.exit(proc.stderr)
    return proc.stdout.strip(), np.load(out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    torch.set_num_threads(2)

    images, labels = fashion_data.load("test")
    if args.limit:
        images, labels = images[:args.limit], labels[:args.limit]
    x_path = os.path.join(args.work, "x.npy")
    labels_path = os.path.join(args.work, "labels.npy")
    np.save(x_path, images)
    np.save(labels_path, labels)

    torch_probs, torch_pred, torch_acc = {}, {}, {}
    for precision, dtype in (("f32", torch.float32), ("f64", torch.float64)):
        network = engram_torch.load_package(args.model, dtype=dtype)
        with torch.no_grad():
            torch_probs[precision] = torch.cat([
                network(torch.from_numpy(images[i:i + 1000]).to(dtype))[0]
                for i in range(0, len(images), 1000)]).numpy()
        torch_pred[precision] = torch_probs[precision].argmax(-1)
        torch_acc[precision] = float((torch_pred[precision] == labels).mean())
        print(f"PyTorch {precision}: accuracy {torch_acc[precision]:.4f}")
    with open(os.path.join(args.model, "metrics.json")) as f:
        recorded = json.load(f)["test_accuracy_pytorch_f32"]
    if not args.limit:
        print(f"recorded at training: {recorded:.4f} "
              f"({'same' if abs(recorded - torch_acc['f32']) < 1e-9 else 'DIFFERENT'})")

    mlir = os.path.join(args.work, "fashion.mlir")
    subprocess.run(["engramc", args.model, "-o", mlir], check=True)
    artifact = os.path.join(args.work, "fashion.so")
    subprocess.run(["engramc", args.model, "--target=cpu", "-o", artifact], check=True)
    ok = True
    for model, via in ((args.model, "package"), (mlir, "mlir"), (artifact, "cpu")):
        for precision in ("f32",) if via == "cpu" else ("f32", "f64"):
            line, probs = engram_run(model, x_path, labels_path,
                                     os.path.join(args.work, f"p_{via}_{precision}.npy"),
                                     precision)
            pred = probs.argmax(-1)
            acc = float((pred == labels).mean())
            agree = int((pred == torch_pred[precision]).sum())
            reference = torch_probs[precision]
            err = float(np.abs(probs - reference).max() / np.abs(reference).max())
            same = abs(acc - torch_acc[precision]) < 1e-12
            ok &= same and err <= (1e-4 if precision == "f32" else 1e-9)
            print(f"engram-run {via} {precision}: {line}; same accuracy as PyTorch {precision}: "
                  f"{same}; {agree}/{len(labels)} predictions agree; "
                  f"max relative error {err:.2e}")
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
