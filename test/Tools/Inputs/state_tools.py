"""state_tools.py - inputs for the --initial-state tests.

  split IN.npy AT A.npy B.npy    steps [0, AT) into A, [AT, S) into B
  edit STATE.npz MODE OUT.npz    a copy of a dumped state, changed by MODE:
      savez        the same arrays, uncompressed (numpy.savez)
      compressed   the same arrays, numpy.savez_compressed
      no-h         without 'h'
      int-trace    'trace' as int32
      nan          a NaN in 'h'
      batch        'h' and 'trace' of one sequence fewer
"""
import sys

import numpy as np


def split(args):
    x = np.load(args[0])
    at = int(args[1])
    np.save(args[2], x[:, :at])
    np.save(args[3], x[:, at:])


def edit(args):
    state = dict(np.load(args[0]))
    mode, out = args[1], args[2]
    if mode == "no-h":
        del state["h"]
    elif mode == "int-trace":
        state["trace"] = state["trace"].astype(np.int32)
    elif mode == "nan":
        state["h"][0, 0] = np.nan
    elif mode == "batch":
        state = {"h": state["h"][1:], "trace": state["trace"][1:]}
    (np.savez if mode == "savez" else np.savez_compressed)(out, **state)


{"split": split, "edit": edit}[sys.argv[1]](sys.argv[2:])
