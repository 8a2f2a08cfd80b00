"""Compares a PyNN run of an exported network with engram's simulator on the
same inputs: the predicted class (argmax of the outputs) and, per
population, the spike counts of every neuron over the whole sequences.

    compare_pynn.py ENGRAM_Y.npy ENGRAM_RECORD.npz PYNN_Y.npy PYNN_COUNTS.npz
                    --min-agreement A [--max-count-error E]

ENGRAM_RECORD is engram-run's --record (B x S*T x n events per population);
PYNN_COUNTS is the script's --counts (B x n per population). The count error
of a population is mean |pynn - engram| over its neurons and sequences,
divided by the mean engram count (a relative error); the check uses the
total over all populations.
"""
import argparse
import sys

import numpy as np


def main():
    p = argparse.ArgumentParser()
    p.add_argument("engram_y")
    p.add_argument("engram_record")
    p.add_argument("pynn_y")
    p.add_argument("pynn_counts")
    p.add_argument("--min-agreement", type=float, required=True)
    p.add_argument("--max-count-error", type=float, default=None)
    a = p.parse_args()
    ye, yp = np.load(a.engram_y), np.load(a.pynn_y)
    record, counts = np.load(a.engram_record), np.load(a.pynn_counts)
    B = len(ye)
    agree = float((ye.argmax(1) == yp.argmax(1)).mean())
    print(f"{B} sequences: predicted class agrees on {agree * 100:.1f} % "
          f"(at least {a.min_agreement * 100:.0f} %)")
    print(f"{'population':>14} {'neurons':>8} {'engram':>10} {'pynn':>10} "
          f"{'mean |d|':>9} {'relative':>9}")
    total_diff = total = 0.0
    for name in counts.files:
        mine = counts[name].astype(np.float64)
        theirs = record[name].sum(axis=1).astype(np.float64)
        diff = np.abs(mine - theirs)
        total_diff += diff.sum()
        total += theirs.sum()
        mean = theirs.mean()
        rel = diff.mean() / mean if mean > 0 else 0.0
        print(f"{name:>14} {mine.shape[1]:>8} {theirs.mean():>10.2f} "
              f"{mine.mean():>10.2f} {diff.mean():>9.2f} {rel:>9.3f}")
    relative = total_diff / total if total else 0.0
    print(f"spike counts: mean |pynn - engram| is {relative * 100:.1f} % of "
          f"engram's count")
    ok = agree >= a.min_agreement
    if a.max_count_error is not None:
        ok = ok and relative <= a.max_count_error
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
