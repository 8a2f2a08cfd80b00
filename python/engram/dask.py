"""engram.dask - a batch spread over a Dask cluster.

    from dask.distributed import Client
    client = Client("tcp://scheduler:8786")          # or a LocalCluster
    y = engram.dask.run("fashion.so", x, client)     # x: a dask or numpy array
    y.compute()

The model (a CPU artifact, a CUDA artifact or a package) is sent to every
worker once, as bytes (client.scatter with broadcast), and each worker
writes it to a private directory and loads it with engram.load; the batch
(B x S x D) is cut into chunks of whole sequences (the steps and features of
a chunk are never split) and each chunk runs where Dask puts it. The result
is a dask array of the outputs, chunked like the batch. Every worker needs
engram importable (the same build on PYTHONPATH, docs/python.md).

Sequences are independent only when each has its own trace: a model with a
batch_mean trace couples its batch, so splitting it would change what it
computes, and it is refused.
"""

import hashlib
import os
import tempfile

import numpy as np

from ._model import Error, load

# Per worker process: the loaded models, by the digest of their bytes.
_MODELS = {}


def _payload(path):
    """(kind, name, {file name: bytes}) of the model at `path`."""
    path = os.fspath(path)
    if os.path.isdir(path) or path.endswith(".json"):
        directory = path if os.path.isdir(path) else os.path.dirname(path) or "."
        files = {}
        for name in sorted(os.listdir(directory)):
            full = os.path.join(directory, name)
            if os.path.isfile(full):
                with open(full, "rb") as f:
                    files[name] = f.read()
        return ("package", "model", files)
    with open(path, "rb") as f:
        return ("file", os.path.basename(path), {os.path.basename(path): f.read()})


def _digest(payload):
    h = hashlib.sha256()
    for name, data in sorted(payload[2].items()):
        h.update(name.encode())
        h.update(data)
    return h.hexdigest()


def _worker_model(payload, digest, precision, threads):
    """The model of `payload`, written and loaded once per worker process."""
    key = (digest, precision, threads)
    if key not in _MODELS:
        directory = tempfile.mkdtemp(prefix="engram-dask-")
        for name, data in payload[2].items():
            with open(os.path.join(directory, name), "wb") as f:
                f.write(data)
        path = directory if payload[0] == "package" else os.path.join(directory, payload[1])
        _MODELS[key] = load(path, precision=precision, threads=threads)
    return _MODELS[key]


def _run_block(payload, digest, precision, threads, block):
    return _worker_model(payload, digest, precision, threads)(np.asarray(block))


def _trace_batching(model):
    meta = model.metadata
    config = meta.get("config", meta)
    return config.get("trace_batching", "per_sequence")


def run(model, x, client, precision="f32", threads=1, chunk=None):
    """The outputs of `model` (a path: .so, .cuda or a package) on `x` (B x S
    x D, a dask array or a numpy array), computed on the workers of
    `client` chunk by chunk; a dask array. chunk sets the sequences per
    chunk (default: x's own batch chunks, or B / workers for numpy)."""
    import dask
    import dask.array as da

    local = load(model, precision=precision, threads=threads)
    if local.kind in ("mlir", "snn", "lava"):
        raise Error(f"{local.path}: engram.dask runs compiled artifacts and packages; "
                    "compile engram IR first (engram.compile)")
    if _trace_batching(local) == "batch_mean":
        raise Error(f"{local.path}: its trace is batch_mean, shared by the whole batch, "
                    "so the batch cannot be split over workers (convert or train it "
                    "with per_sequence traces)")
    if not isinstance(x, da.Array):
        x = np.asarray(x)
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        x = da.from_array(x, chunks=(chunk or max(1, -(-x.shape[0] // workers)),
                                     -1, -1))
    elif chunk:
        x = x.rechunk({0: chunk})
    if x.ndim != 3 or x.shape[2] != local.input_dim:
        raise Error(f"input has shape {'x'.join(map(str, x.shape))}, expected "
                    f"BxSx{local.input_dim}")
    x = x.rechunk({1: -1, 2: -1})
    # The output's shape past the batch, from one step of one sequence.
    probe = local(np.zeros((1, 1, x.shape[2]), dtype=np.float32))
    per_step = probe.ndim == 3
    payload = _payload(model)
    digest = _digest(payload)
    shared = client.scatter(payload, broadcast=True)
    dtype = np.float64 if precision == "f64" and local.kind == "package" else np.float32
    blocks = []
    for block, size in zip(x.to_delayed().ravel(), x.chunks[0]):
        task = dask.delayed(_run_block, pure=True)(shared, digest, precision, threads, block)
        shape = ((size, x.shape[1], probe.shape[2]) if per_step
                 else (size, probe.shape[1]))
        blocks.append(da.from_delayed(task, shape=shape, dtype=dtype))
    return da.concatenate(blocks, axis=0)
