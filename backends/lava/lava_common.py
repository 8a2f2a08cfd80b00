"""lava_common.py - what the parts of lava_loader.py share.

The names and limits of engram.lava.v1.Network (engram_lava.proto): the
process kinds and their Lava names, their ports, the fixed-point limits of
Lava's bit-accurate models and Loihi 2; Failure, the one exception main()
turns into a message; and Report, which collects what validation finds.
"""

import math
import re

PROG = "lava_loader.py"


def printable(text):
    """One message line: control characters (a newline in a process name,
    an escape sequence) written as \\xNN, never sent to the terminal."""
    return re.sub(r"[\x00-\x1f\x7f]", lambda m: "\\x%02X" % ord(m.group()), str(text))


SCHEMA_VERSION = 1
TAGS = ("fixed_pt", "floating_pt")

# Process kinds (the oneof field names of Process) and their Lava names.
SOURCE = "source"
GRADED_UNITS = ("graded_vec", "graded_relu_vec")
NEURONS = ("lif",) + GRADED_UNITS
CONNECTIONS = ("dense", "sparse", "delay_dense", "delay_sparse",
               "learning_dense")
KIND_ORDER = (SOURCE,) + NEURONS + CONNECTIONS
LAVA_NAME = {
    "source": "RingBuffer", "lif": "LIF", "graded_vec": "GradedVec",
    "graded_relu_vec": "GradedReluVec", "dense": "Dense", "sparse": "Sparse",
    "delay_dense": "DelayDense", "delay_sparse": "DelaySparse",
    "learning_dense": "LearningDense",
}
# Ports by kind: name -> direction.
PORTS = {SOURCE: {"s_out": "out"}}
PORTS.update({k: {"s_out": "out", "a_in": "in"} for k in NEURONS})
PORTS.update({k: {"s_in": "in", "a_out": "out"} for k in CONNECTIONS})
PORTS["learning_dense"]["s_in_bap"] = "in"
SPARSE_KINDS = ("sparse", "delay_sparse")
SIGN_MODES = {1: "MIXED", 2: "EXCITATORY", 3: "INHIBITORY"}
ENCODINGS = {1: "rate", 2: "graded", 3: "spike"}
TRACES = ("x1", "x2", "y1", "y2", "y3")

# Fixed-point limits (Lava's bit-accurate models and Loihi 2).
PAYLOAD_LIMIT = (1 << 23) - 1      # 24-bit graded payloads
MAX_FRACTION_BITS = 23
MAX_FIXED_DELAY = 62               # Loihi 2 / engram's loihi2 profile
MAX_MESSAGE_BITS = 24
WEIGHT_EXP_RANGE = (-8, 7)
LIF_DECAY_MAX = 4095
LIF_VTH_MAX = (1 << 17) - 1
BIAS_MANT_RANGE = (-(1 << 12), (1 << 12) - 1)
BIAS_EXP_RANGE = (-7, 7)
NO_DECAY_TAU = 65535               # Lava's Loihi3FLearningRule: no decay
LEARNING_RNG_SEED = 1
# x1 and y3 of a LearningDense with loihi_traces hold what was last written
# to them; with this tau Lava's stochastic decay takes one unit off with a
# chance of about 1e-7 per epoch.
LOIHI_TRACE_TAU = 1 << 30


class Failure(Exception):
    """A complete message for the user; main() prints it and exits 1."""


def finite(value):
    return isinstance(value, (int, float)) and math.isfinite(value)


def is_integer(value):
    return finite(value) and float(value).is_integer()


# ---------------------------------------------------------------------------
# Problems
# ---------------------------------------------------------------------------

class Report:
    """What validation finds, as `path: where: message` lines.

    errors: the file is invalid. refusals: valid, but no stock Lava process
    reproduces it, so the run path refuses it. warnings: Lava computes it
    differently from engram's simulator.
    """

    def __init__(self, path):
        self.path = path
        self.errors, self.refusals, self.warnings = [], [], []

    def error(self, where, message):
        self.errors.append(f"{self.path}: {where}: {message}")

    def refuse(self, where, message):
        self.refusals.append((where, message))

    def warn(self, where, message):
        self.warnings.append(f"{self.path}: {where}: warning: {message}")

    def refusal_lines(self, as_warning):
        tag = "warning: the run path refuses this: " if as_warning else \
            "refused: "
        return [f"{self.path}: {where}: {tag}{message}"
                for where, message in self.refusals]
