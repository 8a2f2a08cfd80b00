"""check_snn.py - the converted spiking network against the float64 model.

convert-engram-to-snn approximates layer norm, the cosine norms and the
softmax (docs/spiking.md), so on a trained model its accuracy is measured
(bench/snn_report.py), not bounded. Here the approximations are made to
vanish, so that what remains is the conversion's own arithmetic and the
simulator's, which must be exact up to weight quantization:

  - no layer norm (use_layer_norm false);
  - temperature 1e4: the recall weights are 1/N + O(1e-4), so the
    first-order softmax and the calibrated norms change them by O(1e-8);
  - 16-bit weights (generic profile).

What is left is checked tightly: the recall through the static bank and the
plastic projections (the Hebbian trace, learned once per window with the
encoding as third factor), the integrator, the delayed recurrence and the
readout. For random models and fresh random inputs (never those used for
calibration):

  graded, float:        max|y - r| / max|r| <= 1e-4 against the float64
                        reference interpreter, and the same output for two
                        window lengths (values settle one projection per
                        timestep);
  graded, loihi2 fixed: the Loihi fixed-point simulation of the 8-bit network
                        within 1e-1 of its float simulation (payloads of 12
                        fractional bits, every sum rounded down by its
                        shift, the trace learning in Lava's integers from
                        relays, two timesteps longer: T=11, all compounded
                        over 28 recurrent steps);
  rate, T=256:          within 1e-1 of the reference (a rate carries about 8
                        bits over a window; measured 0.7-4.8 %).

The integrator's rows for h are scaled up (U(-0.6, 0.6)) so that the
recurrence carries weight: with the recurrent projection's delay one
timestep short, the graded check fails (1.5e-3, and T=8 and T=13 differ).

Exits 1 on a failure.
"""
import argparse
import os
import sys

import numpy as np
import torch

from engram import torch as engram_torch

from engram_check import relative_error, run, vanishing_config

SIZES = [(4, 5, 8, 4, 3), (3, 9, 12, 6, 4)]  # (B, D, H, N, C)
STEPS = 28


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    failures = 0

    def check(name, error, bound):
        nonlocal failures
        ok = error <= bound
        failures += not ok
        print(f"{'ok' if ok else 'FAIL'} {name}: {error:.2e} (bound {bound:.0e})")

    for index, (batch, d, h, n, c) in enumerate(SIZES):
        config = vanishing_config(d, h, n, c)
        network = engram_torch.random_network(config, args.seed * 100 + index,
                                              trace_init=index % 2 == 1)
        # The recurrence through h must carry weight, or a wrong delay on it
        # would go unnoticed: its rows of the integrator ~ U(-0.6, 0.6).
        with torch.no_grad():
            network.p("cell.integrator.kernel")[2 * h:] *= 3.0
        package = os.path.join(args.work, f"model_{index}")
        engram_torch.save_package(network, package)
        calib = os.path.join(args.work, f"calib_{index}.npy")
        # All-zero steps, as padding makes them, exercise the zero-input path.
        calibration = rng.uniform(0, 1, (32, STEPS, d)).astype(np.float32)
        calibration[:, :3] = 0
        np.save(calib, calibration)
        x = os.path.join(args.work, f"x_{index}.npy")
        inputs = rng.uniform(0, 1, (batch, STEPS, d)).astype(np.float32)
        inputs[:, :2] = 0
        inputs[0, 10] = 0
        np.save(x, inputs)
        ref = os.path.join(args.work, f"ref_{index}.npy")
        run(["engram-run", package, "--input", x, "--output", ref, "--precision", "f64"])
        reference = np.load(ref)

        def simulate(tag, options, run_options=()):
            net = os.path.join(args.work, f"{tag}_{index}.snn.mlir")
            out = os.path.join(args.work, f"{tag}_{index}.npy")
            run(["engramc", package, "--emit=snn", f"--snn-calibration={calib}",
                 *options, "-o", net])
            run(["engram-run", net, "--input", x, "--output", out, *run_options])
            return np.load(out)

        graded = ["--snn-encoding=graded", "--snn-weight-bits=16"]
        short = simulate("graded9", graded + ["--snn-timesteps=9"])
        long = simulate("graded13", graded + ["--snn-timesteps=13"])
        check(f"model {index} graded vs float64", relative_error(short, reference), 1e-4)
        check(f"model {index} graded T=9 vs T=13", relative_error(short, long), 1e-12)
        loihi = ["--snn-encoding=graded", "--snn-profile=loihi2", "--snn-timesteps=11"]
        fixed = simulate("loihi", loihi, ["--fixed-point"])
        real = simulate("loihi", loihi)
        check(f"model {index} loihi2 fixed vs float", relative_error(fixed, real), 1e-1)
        rate = simulate("rate", ["--snn-encoding=rate", "--snn-timesteps=256",
                                 "--snn-weight-bits=16"])
        check(f"model {index} rate T=256 vs float64", relative_error(rate, reference), 1e-1)

    if failures:
        print(f"{failures} FAILED")
        return 1
    print("all within tolerance")
    return 0


if __name__ == "__main__":
    sys.exit(main())
