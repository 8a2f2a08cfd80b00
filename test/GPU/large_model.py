"""large_model.py - the large model of the GPU matrix, rebuilt the same anywhere.

H = 1024, N = 512: the size the launch plan's fallback schedules exist for.
Its weights are integers in [-3, 3] over 16 drawn by numpy's PCG64 (stable
across numpy versions), so make_cases.py can send only its CUDA artifact,
xz-compressed (a few MB instead of 53), and check_cases.py rebuilds the
package, bit for bit, on the GPU machine.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "python"))
from engram import torch as engram_torch  # noqa: E402

D, H, N, UNITS = 28, 1024, 512, 10
GRID = 16


def config():
    return {"input_dim": D,
            "cell": {"hidden_dim": H, "memory_size": N, "hebbian_lr": 0.05,
                     "scale_factor": 0.5, "temperature": 1.5,
                     "sparsity_strength": 0.1, "use_layer_norm": True},
            "trace_batching": "per_sequence",
            "head": {"pooling": "last", "units": UNITS, "activation": "softmax"}}


def write_package(directory, seed):
    """Writes the large model's package (model.json, model.safetensors)."""
    os.makedirs(directory, exist_ok=True)
    rng = np.random.default_rng(seed)
    tensors = {name: (rng.integers(-3, 4, shape) / GRID).astype(np.float32)
               for name, shape, optional in engram_torch.tensor_specs(config())
               if not optional}
    with open(os.path.join(directory, "model.json"), "w") as f:
        json.dump({"format": engram_torch.FORMAT, **config(),
                   "weights": "model.safetensors"}, f, indent=2)
    engram_torch.write_safetensors(os.path.join(directory, "model.safetensors"), tensors)
