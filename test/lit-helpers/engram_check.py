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


def run(cmd):
    """Runs `cmd`; exits with its stderr when it fails."""
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr}")
    return proc
