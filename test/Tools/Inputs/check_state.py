"""check_state.py STATE.npz B N H - prints the shapes of the dumped final state."""
import sys

import numpy as np

state = np.load(sys.argv[1])
print("members:", sorted(state.files))
print("h:", state["h"].shape, state["h"].dtype)
print("trace:", state["trace"].shape, state["trace"].dtype,
      "max |trace| <= 0.1:", bool(np.abs(state["trace"]).max() <= 0.1))
