"""engram_check.py - what the numerics scripts share: the error measure and tool runs.

Imported by test/Numerics/*.py and test/GPU/*.py (lit puts test/lit-helpers on
PYTHONPATH; the GPU scripts, which also run outside lit, add it themselves).
"""
import subprocess
import sys

import numpy as np


def relative_error(actual, reference):
    """max|actual - reference| / max|reference|: the infinity-norm relative error."""
    scale = np.max(np.abs(reference))
    difference = np.abs(np.asarray(actual, dtype=np.float64) - reference)
    return float(np.max(difference) / max(scale, 1e-300))


def vanishing_config(d, h, n, c):
    """A model config on which the spiking conversion's approximations
    vanish (check_snn.py says why): no layer norm, temperature 1e4 (recall
    weights 1/N + O(1e-4)), per-sequence trace, pooling `last`, a linear
    readout of `c` units."""
    return {"input_dim": d,
            "cell": {"hidden_dim": h, "memory_size": n, "hebbian_lr": 0.05,
                     "scale_factor": 0.5, "temperature": 1e4,
                     "sparsity_strength": 0.0, "use_layer_norm": False},
            "trace_batching": "per_sequence",
            "head": {"pooling": "last", "units": c, "activation": "linear"}}


def run(cmd):
    """Runs `cmd`; exits with its stderr when it fails."""
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr}")
    return proc
