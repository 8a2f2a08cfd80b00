"""check_recording.py - a --record-trace recording against the run it records.

    python3 check_recording.py RECORDING.npz STATE.npz EVERY SEQUENCES STEPS

STATE is --dump-state of the same run. Checks, in numpy: the recorded steps
(every EVERY-th and the last), the last recorded trace and h equal the final
states of the chosen sequences bit for bit, recall weights are distributions,
T0 is the model's initial trace (zeros here), and every statistic equals its
definition recomputed from the recorded traces (EVERY = 1 records them all).
"""
import sys

import numpy as np


def main():
    path, state_path, every, sequences, steps = sys.argv[1:6]
    every, steps = int(every), int(steps)
    sequences = [int(s) for s in sequences.split(",")]
    r, state = np.load(path), np.load(state_path)
    assert bytes(r["format"]).decode() == "engram-trace-recording/1"
    expected = [t for t in range(1, steps + 1) if t % every == 0 or t == steps]
    assert list(r["steps"]) == expected, (list(r["steps"]), expected)
    assert list(r["sequences"]) == sequences
    shared = state["trace"].ndim == 2
    final = state["trace"] if shared else state["trace"][sequences]
    assert np.array_equal(r["trace"][-1], final), "last trace != final state"
    assert np.array_equal(r["hidden"][-1], state["h"][sequences]), "last h != final h"
    if "weights" in r:  # a CPU artifact's recording has none
        sums = r["weights"].sum(-1)
        assert np.abs(sums - 1).max() < 1e-5, sums
    assert not np.any(r["trace_init"]), "T0 is zeros for this model"
    if every == 1:
        traces = np.concatenate([r["trace_init"][None], r["trace"]]).astype(np.float64)
        flat = traces.reshape(len(traces), -1)
        checks = {"stat_min": flat.min(1), "stat_max": flat.max(1),
                  "stat_mean_abs": np.abs(flat).mean(1), "stat_std": flat.std(1),
                  "stat_near_zero": (np.abs(flat) < 0.01).mean(1)}
        for name, value in checks.items():
            assert np.allclose(r[name], value, rtol=1e-9, atol=1e-12), name
    print(f"ok: {len(expected)} recorded steps of sequences {sequences}, "
          f"{'shared' if shared else 'per-sequence'} trace, statistics "
          f"{'recomputed' if every == 1 else 'present'}")


if __name__ == "__main__":
    main()
