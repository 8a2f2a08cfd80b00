"""engram: load, run and compile engram networks from Python.

    import engram
    model = engram.load("fashion.so")         # a package, .so, .cuda, .mlir,
    y, state = model.run(x)                   # an snn network or a .pb
    y2, state = model.run(x_next, state=state)  # the trace keeps learning

The runtime is a compiled extension (engram._runtime, no MLIR); engram IR
and spiking networks go through engram._ir, which links the compiler and is
imported only when such a file is loaded. engram.torch (the PyTorch module
and package writer), engram.keras (Keras models in), engram.plot (figures of
recordings) and engram.dask (batch runs on a cluster) are imported on
demand. docs/python.md is the guide.
"""

import importlib

__all__ = ["load", "Model", "Session", "State", "SpikingState", "Error",
           "compile", "CompileError", "version"]

# Attributes of the package and the module that defines each; imported on
# first use, so that engram.torch works where the extension is not built.
_LAZY = {"load": "_model", "Model": "_model", "Session": "_model",
         "State": "_model", "SpikingState": "_model", "Error": "_model",
         "version": "_model",
         "compile": "_compile", "CompileError": "_compile"}


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'engram' has no attribute '{name}'")
    return getattr(importlib.import_module(f"engram.{module}"), name)


def __dir__():
    return sorted(list(globals()) + list(_LAZY))
