"""Models, states and sessions: engram.load, engram.Model, engram.Session."""

import json
import os
from typing import NamedTuple, Optional

import numpy as np

from . import _runtime

Error = _runtime.Error
version = _runtime.version


def _save_state(state, path):
    """Writes `state` as engram-run --initial-state reads it: its fields under
    the .npz member names engram-run uses (state._MEMBERS)."""
    np.savez_compressed(path, **dict(zip(state._MEMBERS, state)))


def _load_state(cls, path):
    """The `cls` engram-run --dump-state wrote to `path`."""
    with np.load(path) as archive:
        return cls(*(archive[name] for name in cls._MEMBERS))


class State(NamedTuple):
    """The state a run ends in and another may start from: h (B x H) and the
    Hebbian trace (B x N x H, or N x H when batch_mean shares it), as
    engram-run --dump-state writes them. save(path) and State.load(path)
    exchange it with engram-run."""
    h: np.ndarray
    trace: np.ndarray
    _MEMBERS = ("h", "trace")
    save = _save_state
    load = classmethod(_load_state)


class SpikingState(NamedTuple):
    """A spiking network's state between calls: its simulator's variables
    (B x values: membranes, currents, plastic weights, learning traces,
    delay lines) and the timesteps each sequence has run, as engram-run
    --dump-state writes them for a spiking network (snn_state,
    snn_timesteps)."""
    values: np.ndarray
    timesteps: np.ndarray
    _MEMBERS = ("snn_state", "snn_timesteps")
    save = _save_state
    load = classmethod(_load_state)


def _is_ir(path):
    return str(path).endswith(".mlir")


class Model:
    """A loaded engram model, callable on numpy arrays.

    kind is 'package' (the reference interpreter), 'cpu', 'cuda', 'mlir'
    (the IR interpreter), 'snn' (the spiking simulator) or 'lava'.
    """

    def __init__(self, path, precision="f32", threads=1):
        path = os.fspath(path)
        if not os.path.exists(path):
            raise Error(f"{path}: no such file or directory")
        if _is_ir(path):
            from . import _ir  # links the compiler; imported only when needed
            self._impl = _ir.Model(path)
        else:
            self._impl = _runtime.Model(path)
        self.path = path
        self.kind = self._impl.kind
        self.precision = precision
        self.threads = threads
        if precision not in ("f32", "f64"):
            raise Error(f"precision must be 'f32' or 'f64', got '{precision}'")

    @property
    def metadata(self):
        """A dict: an artifact's metadata, or a package's model.json."""
        if self.kind == "package":
            path = self.path
            if os.path.isdir(path):
                path = os.path.join(path, "model.json")
            with open(path) as f:
                return json.load(f)
        text = self._impl.metadata_json
        return json.loads(text) if text else {}

    @property
    def input_dim(self):
        return self._impl.input_dim

    @property
    def resumable(self):
        """Whether run() accepts a state (not CUDA yet)."""
        return self._impl.resumable

    def run(self, x, state: Optional[State] = None):
        """Runs x (B x S x D) from state (None: h = 0 and T = T0).

        Returns (y, state): the output and the final State (a SpikingState
        for spiking networks), which a later call may start from so that the
        trace keeps learning across calls. The GIL is released while the
        model runs."""
        x = np.asarray(x)
        if x.dtype.kind not in "fc" and x.dtype.kind not in "iub":
            raise Error(f"the input must be numeric, got dtype {x.dtype}")
        if x.dtype.kind != "f":
            raise Error(f"the input has dtype {x.dtype}; scale integer data "
                        "as the model was trained (e.g. images / 255) and "
                        "pass floats")
        pair = None if state is None else (np.asarray(state[0]),
                                           np.asarray(state[1]))
        y, h, trace = self._impl.run(x, pair, self.threads, self.precision)
        if h is None:
            return y, None
        return y, (SpikingState(h, trace) if self.kind in ("snn", "lava")
                   else State(h, trace))

    def __call__(self, x):
        return self.run(x)[0]

    def session(self, state: Optional[State] = None):
        return Session(self, state)

    def __repr__(self):
        return f"engram.Model({self.path!r}, kind={self.kind!r})"


def load(path, precision="f32", threads=1):
    """Loads a model package (directory or model.json), a CPU artifact
    (.so), a CUDA artifact (.cuda), engram MLIR, a spiking network (snn
    MLIR) or a Lava graph (.pb). precision picks float32 or float64 for the
    interpreters; threads splits a CPU artifact's batch."""
    return Model(path, precision=precision, threads=threads)


class Session:
    """A stream fed in chunks: each feed() starts from the state the last
    one ended in, so feeding x[:, :k] and then x[:, k:] equals running x
    (the final states and, for pooling last and sequence, the outputs,
    bit for bit)."""

    def __init__(self, model, state: Optional[State] = None):
        self.model = model if isinstance(model, Model) else load(model)
        self.state = state
        self.steps = 0

    def feed(self, x):
        """Runs the next chunk x (B x S x D); returns its output."""
        y, self.state = self.model.run(x, state=self.state)
        self.steps += np.shape(x)[1]
        return y

    def reset(self, state: Optional[State] = None):
        """Starts over from state (None: h = 0 and T = T0)."""
        self.state = state
        self.steps = 0
