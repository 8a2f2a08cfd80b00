"""train.py - trains the example engram classifier on Fashion-MNIST.

Each image is a 28-step sequence of 28-pixel rows; the network has H=64,
N=32 memory slots, per-sequence traces, and a 10-class softmax readout on the
last state. Writes the model package and a metrics file:

    /usr/bin/python3 examples/fashion/train.py --out examples/fashion/model

Fine-tuning for a compression: --init reads a trained package and
--tune-for trains it with the forward that engramc's compressed model
computes (engram.torch's compression: top-k recall, int8/int4/binary banks,
fixed-point traces, straight-through gradients); the package saved is float,
to compile with the flags metrics.json names:

    /usr/bin/python3 examples/fashion/train.py --init examples/fashion/model-nonorm \
        --tune-for topk=4 --epochs 1 --lr 1e-3 --out examples/fashion/model-topk4

Deterministic for a given --seed (single process; torch on 2 CPU threads).
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from engram import torch as engram_torch  # noqa: E402
import fashion_data  # noqa: E402

CONFIG = {
    "input_dim": 28,
    "cell": {"hidden_dim": 64, "memory_size": 32, "hebbian_lr": 0.05, "scale_factor": 0.5,
             "temperature": 1.5, "sparsity_strength": 0.1, "use_layer_norm": True},
    "trace_batching": "per_sequence",
    "head": {"pooling": "last", "units": 10, "activation": "softmax"},
}


def evaluate(network, images, labels, batch=1000):
    network.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(images), batch):
            out, _, _ = network(torch.from_numpy(images[i:i + batch]), logits=True)
            correct += int((out.argmax(-1).numpy() == labels[i:i + batch]).sum())
    network.train()
    return correct / len(images)


def initial_network(args):
    """A fresh network, or the package --init names (without its norms for
    --no-layer-norm), computing the forward --tune-for names."""
    if not args.init:
        config = json.loads(json.dumps(CONFIG))
        config["cell"]["use_layer_norm"] = not args.no_layer_norm
        return engram_torch.EngramNetwork(config, compression=args.tune_for)
    source = engram_torch.load_package(args.init, dtype=torch.float32)
    config = json.loads(json.dumps(source.config))
    if args.no_layer_norm:
        config["cell"]["use_layer_norm"] = False
    network = engram_torch.EngramNetwork(config, compression=args.tune_for)
    with torch.no_grad():
        for key, value in network.params.items():
            value.copy_(source.params[key])
    network.trace_init = source.trace_init
    return network


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "model"))
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--time-budget", type=float, default=14 * 60,
                        help="stop starting new epochs after this many seconds")
    parser.add_argument("--no-layer-norm", action="store_true",
                        help="train without the two layer norms (use_layer_norm: "
                             "false), a model a spiking chip can compute exactly "
                             "(docs/spiking.md); with --init, drops the norms of "
                             "the package read")
    parser.add_argument("--init", metavar="PACKAGE",
                        help="start from this trained package instead of random weights")
    parser.add_argument("--tune-for", metavar="SPEC", default="",
                        help="train the forward of a compressed model: topk=K, int8, "
                             "int4, binary, int8:memory, int4:trace, ... joined by ','")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    train_x, train_y = fashion_data.load("train")
    test_x, test_y = fashion_data.load("test")

    network = initial_network(args)
    before = evaluate(network, test_x, test_y) if args.init else None
    if before is not None:
        print(f"test accuracy before tuning (PyTorch, float32, compressed forward): "
              f"{before:.4f}", flush=True)
    optimizer = torch.optim.Adam(network.parameters(), lr=args.lr)
    steps_per_epoch = (len(train_x) + args.batch - 1) // args.batch
    total_steps = args.epochs * steps_per_epoch
    warmup = min(100, total_steps // 10)

    def learning_rate_factor(step):
        # Short linear warm-up, then cosine decay to zero.
        if step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, total_steps - warmup)
        return 0.5 * (1.0 + math.cos(math.pi * progress))

    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, learning_rate_factor)
    rng = np.random.default_rng(args.seed)
    start = time.time()
    epochs_run = 0
    for epoch in range(args.epochs):
        order = rng.permutation(len(train_x))
        total = 0.0
        for i in range(0, len(order), args.batch):
            idx = order[i:i + args.batch]
            logits, _, _ = network(torch.from_numpy(train_x[idx]), logits=True)
            loss = F.cross_entropy(logits, torch.from_numpy(train_y[idx]))
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(network.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            total += float(loss) * len(idx)
        epochs_run += 1
        elapsed = time.time() - start
        print(f"epoch {epoch + 1}: loss {total / len(order):.4f}, "
              f"{elapsed:.0f} s", flush=True)
        if elapsed > args.time_budget and epoch + 1 < args.epochs:
            print("time budget reached; stopping early", flush=True)
            break

    accuracy = evaluate(network, test_x, test_y)
    print(f"test accuracy (PyTorch, float32): {accuracy:.4f}")
    engram_torch.save_package(network, args.out)
    metrics = {"test_accuracy_pytorch_f32": accuracy, "epochs": epochs_run,
               "train_seconds": round(time.time() - start, 1), "seed": args.seed,
               "batch": args.batch, "lr": args.lr, "torch": torch.__version__,
               "use_layer_norm": network.cell["use_layer_norm"]}
    if args.init:
        metrics.update(tuned_from=os.path.relpath(args.init), tuned_for=args.tune_for,
                       test_accuracy_before_tuning=before)
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
