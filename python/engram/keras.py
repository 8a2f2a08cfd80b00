"""engram.keras - Keras models of tensorflow-engram in, as engram packages.

    package = engram.keras.convert("model.keras")     # or a legacy "model.h5"
    y, state = engram.load(package).run(x)

tensorflow-engram (Keras 3) saves an EngramNetwork, the EngramClassifier or
EngramRegressor Sequential models, or a functional RNN(EngramCell) as a
`.keras` archive (a zip of config.json, metadata.json and model.weights.h5,
whose weights sit under the layers' attribute paths) or, with
model.save("x.h5"), in Keras 3's legacy HDF5 layout (weights under
auto-generated layer names, listed in each group's `weight_names`). The cell
maps as input_encoder -> cell.encoder, layer_norm1/2 -> cell.norm1/2,
hidden_integrator -> cell.integrator, output_dense -> cell.output,
engram_memory -> cell.memory, the attention layer's Dense -> pool, the final
Dense -> readout. What the Keras model computes decides the head: the last h
without return_sequences, attention pooling only when return_sequences and
use_attention (EngramNetwork applies its attention layer only then), every
step otherwise.

Where Keras is not deterministic engram picks the faithful deterministic
choice: Keras draws h0 and T0 at random on every call and adds N(0, 0.001)
noise to each trace update; the package starts from h = 0 and T = 0
(initial_hebbian_trace is never used by Keras) and has no noise. The Keras
trace is one matrix shared by the batch, so trace_batching is batch_mean
unless per_sequence is asked for. EngramNetwork's config does not record
sparsity_strength; pass it if the model was built with another than 0.1.

Needs h5py (Debian's python3-h5py). docs/python.md says what was tested:
files laid out as Keras's saving code writes them, made without Keras (which
Debian does not ship); no file saved by real Keras.
"""

import json
import os
import tempfile
import zipfile

import numpy as np

# tensorflow-engram's defaults (EngramCell's arguments).
CELL_DEFAULTS = {"hebbian_lr": 0.05, "scale_factor": 0.5, "temperature": 1.5,
                 "use_layer_norm": True, "sparsity_strength": 0.1}
# The cell's Dense sublayers and the package tensors they become.
CELL_DENSE = {"input_encoder": "cell.encoder", "hidden_integrator": "cell.integrator",
              "output_dense": "cell.output"}
CELL_NORMS = {"layer_norm1": "cell.norm1", "layer_norm2": "cell.norm2"}


class ConversionError(ValueError):
    """The file is not a tensorflow-engram model engram can convert."""


# --- the model's configuration ----------------------------------------------

def _walk_configs(node):
    """Every serialized Keras object inside `node` (depth first)."""
    if isinstance(node, dict):
        if "class_name" in node and isinstance(node.get("config"), dict):
            yield node
        for value in node.values():
            yield from _walk_configs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk_configs(value)


def describe(config):
    """What the head and the cell's settings are, from config.json (or the
    legacy model_config): a dict with return_sequences, use_attention,
    output_units, output_activation and any cell hyper-parameters found."""
    objects = list(_walk_configs(config))
    names = [o["class_name"] for o in objects]
    found = {}
    network = next((o for o in objects if o["class_name"] in ("EngramNetwork", "Engram")), None)
    cell = next((o for o in objects if o["class_name"] == "EngramCell"), None)
    if network is None and cell is None:
        raise ConversionError("config: no EngramNetwork, Engram or EngramCell layer "
                              f"(found {', '.join(names) or 'nothing'}); is this a "
                              "tensorflow-engram model?")
    if network is not None:
        c = network["config"]
        found["return_sequences"] = bool(c.get("return_sequences", True))
        found["use_attention"] = bool(c.get("use_attention", False))
        for key in ("hidden_dim", "memory_size", "hebbian_lr"):
            if key in c:
                found[key] = c[key]
        if c.get("output_units"):
            found["output_units"] = int(c["output_units"])
            found["output_activation"] = c.get("output_activation")
    if cell is not None:
        c = cell["config"]
        for key in ("hidden_dim", "memory_size", *CELL_DEFAULTS):
            if key in c:
                found[key] = c[key]
        if network is None:
            rnn = next((o for o in objects if o["class_name"] == "RNN"), None)
            found["return_sequences"] = bool(rnn and rnn["config"].get("return_sequences"))
            found["use_attention"] = False
    # A Dense after the engram layer (EngramClassifier, EngramRegressor).
    dense = [o for o in objects if o["class_name"] == "Dense"
             and o is not network and not _inside(network, o) and not _inside(cell, o)]
    if dense and "output_units" not in found:
        found["output_units"] = int(dense[-1]["config"]["units"])
        found["output_activation"] = dense[-1]["config"].get("activation")
        found["sequential_dense"] = True
    return found


def _inside(outer, inner):
    return outer is not None and any(o is inner for o in _walk_configs(outer["config"]))


# --- weights of a .keras archive --------------------------------------------

def _vars(group):
    """The datasets of a Keras 3 `vars` group, in order ("0", "1", ...)."""
    if "vars" not in group:
        return []
    v = group["vars"]
    return [np.asarray(v[str(i)]) for i in range(len(v))]


def _groups(h5):
    """(path, group) of every group of `h5`."""
    out = []
    h5.visititems(lambda name, obj: out.append((name, obj))
                  if hasattr(obj, "keys") else None)
    return out


def _keras_weights(h5):
    """The package tensors found in a .keras archive's model.weights.h5."""
    groups = _groups(h5)
    cells = [(p, g) for p, g in groups
             if all(k in g for k in CELL_DENSE) and "vars" in g]
    if len(cells) != 1:
        raise ConversionError(f"model.weights.h5: expected one engram cell (a group "
                              f"with input_encoder, hidden_integrator and output_dense), "
                              f"found {len(cells)}")
    cell_path, cell = cells[0]
    tensors = {}
    own = _vars(cell)
    if not own:
        raise ConversionError(f"model.weights.h5: {cell_path}/vars has no engram_memory")
    tensors["cell.memory"] = own[0]
    for attr, name in CELL_DENSE.items():
        kernel_bias = _vars(cell[attr])
        if len(kernel_bias) != 2:
            raise ConversionError(f"model.weights.h5: {cell_path}/{attr} was never built "
                                  "(no kernel and bias)")
        tensors[name + ".kernel"], tensors[name + ".bias"] = kernel_bias
    for attr, name in CELL_NORMS.items():
        if attr in cell and len(_vars(cell[attr])) == 2:
            tensors[name + ".gamma"], tensors[name + ".beta"] = _vars(cell[attr])
    hidden = tensors["cell.memory"].shape[1]
    attention = [g for p, g in groups if p.endswith("attention_dense") and _vars(g)]
    if attention:
        tensors["pool.kernel"], tensors["pool.bias"] = _vars(attention[0])
    # The readout: the one other built Dense reading H features.
    outside = [(p, _vars(g)) for p, g in groups
               if not p.startswith(cell_path) and not p.endswith("attention_dense")
               and len(_vars(g)) == 2 and _vars(g)[0].ndim == 2
               and _vars(g)[0].shape[0] == hidden]
    if len(outside) > 1:
        raise ConversionError("model.weights.h5: more than one Dense after the cell ("
                              + ", ".join(p for p, _ in outside) + ")")
    if outside:
        tensors["readout.kernel"], tensors["readout.bias"] = outside[0][1]
    return tensors


# --- weights of a legacy .h5 -------------------------------------------------

def _attr_list(group, name):
    """A legacy list attribute, whole or split into name0, name1, ..."""
    if name in group.attrs:
        values = list(group.attrs[name])
    else:
        values, i = [], 0
        while f"{name}{i}" in group.attrs:
            values += list(group.attrs[f"{name}{i}"])
            i += 1
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


def _legacy_weights(h5):
    """The package tensors of a Keras 3 legacy .h5: weights by path, matched
    through their last two components and shapes (layer names are
    auto-generated: dense_3, layer_normalization_1, ...)."""
    root = h5["model_weights"]
    weights = {}
    for layer in _attr_list(root, "layer_names"):
        for path in _attr_list(root[layer], "weight_names"):
            weights.setdefault(path.split(":")[0], np.asarray(root[layer][path]))
    memory = [(p, w) for p, w in weights.items() if p.endswith("/engram_memory")]
    if len(memory) != 1:
        raise ConversionError("model_weights: expected one engram_memory weight, found "
                              f"{len(memory)}")
    cell_prefix = memory[0][0].rsplit("/", 1)[0] + "/"
    h = memory[0][1].shape[1]
    tensors = {"cell.memory": memory[0][1]}
    kernels = [(p, w) for p, w in weights.items()
               if p.startswith(cell_prefix) and p.endswith("/kernel")]
    integrator = [p for p, w in kernels if w.shape == (3 * h, 3 * h)]
    output = [p for p, w in kernels if w.shape == (3 * h, h)]
    encoder = [p for p, w in kernels if w.shape[1] == h and w.shape[0] != 3 * h]
    for name, found in (("cell.encoder", encoder), ("cell.integrator", integrator),
                        ("cell.output", output)):
        if len(found) != 1:
            raise ConversionError(f"model_weights: cannot tell the cell's {name} Dense "
                                  f"by its shape (candidates: {found})")
        layer = found[0].rsplit("/", 1)[0]
        tensors[name + ".kernel"] = weights[layer + "/kernel"]
        tensors[name + ".bias"] = weights[layer + "/bias"]
    norms = sorted({p.rsplit("/", 1)[0] for p in weights
                    if p.startswith(cell_prefix) and p.endswith("/gamma")},
                   key=lambda p: (len(p), p))
    for name, layer in zip(("cell.norm1", "cell.norm2"), norms):
        tensors[name + ".gamma"] = weights[layer + "/gamma"]
        tensors[name + ".beta"] = weights[layer + "/beta"]
    rest = [p.rsplit("/", 1)[0] for p, w in weights.items()
            if not p.startswith(cell_prefix) and p.endswith("/kernel")
            and w.ndim == 2 and w.shape[0] == h]
    pool = [p for p in rest if weights[p + "/kernel"].shape[1] == 1 and "attention" in p]
    if pool:
        tensors["pool.kernel"], tensors["pool.bias"] = (weights[pool[0] + "/kernel"],
                                                        weights[pool[0] + "/bias"])
    readout = [p for p in rest if p not in pool]
    if len(readout) > 1:
        raise ConversionError(f"model_weights: more than one Dense after the cell: {readout}")
    if readout:
        tensors["readout.kernel"] = weights[readout[0] + "/kernel"]
        tensors["readout.bias"] = weights[readout[0] + "/bias"]
    return tensors


# --- the package ------------------------------------------------------------

def _read(path):
    """(config, tensors) of a .keras archive or a legacy .h5 file."""
    import h5py
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            members = set(archive.namelist())
            for needed in ("config.json", "model.weights.h5"):
                if needed not in members:
                    raise ConversionError(f"not a Keras 3 .keras archive: no {needed}")
            config = json.loads(archive.read("config.json"))
            with tempfile.TemporaryDirectory() as tmp:
                archive.extract("model.weights.h5", tmp)
                with h5py.File(os.path.join(tmp, "model.weights.h5"), "r") as h5:
                    return config, _keras_weights(h5)
    try:
        h5 = h5py.File(path, "r")
    except OSError:
        raise ConversionError("neither a .keras archive (zip) nor an HDF5 file") from None
    with h5:
        if "model_config" not in h5.attrs or "model_weights" not in h5:
            raise ConversionError("HDF5 file without Keras's model_config and "
                                  "model_weights (weights-only files hold no "
                                  "configuration)")
        text = h5.attrs["model_config"]
        config = json.loads(text.decode() if isinstance(text, bytes) else text)
        return config, _legacy_weights(h5)


def _package_config(found, tensors, trace_batching, sparsity_strength):
    d, h = tensors["cell.encoder.kernel"].shape
    n = tensors["cell.memory"].shape[0]
    cell = {key: found.get(key, default) for key, default in CELL_DEFAULTS.items()}
    if sparsity_strength is not None:
        cell["sparsity_strength"] = float(sparsity_strength)
    cell["use_layer_norm"] = "cell.norm1.gamma" in tensors
    cell.update(hidden_dim=int(h), memory_size=int(n))
    return_sequences = found.get("return_sequences", True)
    attention = return_sequences and found.get("use_attention", False)
    if attention and "pool.kernel" not in tensors:
        raise ConversionError("the model applies attention pooling but its attention "
                              "Dense has no weights")
    head = {"pooling": "attention" if attention
            else "sequence" if return_sequences else "last"}
    if "readout.kernel" in tensors:
        activation = found.get("output_activation") or "linear"
        if activation not in ("linear", "softmax"):
            raise ConversionError(f"the output Dense's activation '{activation}' has no "
                                  "engram readout (linear or softmax)")
        head.update(units=int(tensors["readout.kernel"].shape[1]), activation=activation)
    return {"input_dim": int(d), "cell": cell, "trace_batching": trace_batching,
            "head": head}


def convert(path, out=None, trace_batching="batch_mean", sparsity_strength=None):
    """Converts the tensorflow-engram model saved at `path` (.keras, or a
    legacy .h5) into an engram package in the directory `out` (a new
    temporary one when None) and returns its path. trace_batching is
    batch_mean, as Keras shares the trace, or per_sequence; sparsity_strength
    overrides the 0.1 assumed when the file does not record it. Raises
    ConversionError naming what does not fit."""
    if trace_batching not in ("batch_mean", "per_sequence"):
        raise ConversionError(f"trace_batching must be batch_mean or per_sequence, "
                              f"got '{trace_batching}'")
    path = os.fspath(path)
    if not os.path.exists(path):
        raise ConversionError(f"{path}: no such file")
    try:
        config, tensors = _read(path)
        found = describe(config)
        package = _package_config(found, tensors, trace_batching, sparsity_strength)
    except ConversionError as error:
        raise ConversionError(f"{path}: {error}") from None
    from .package import FORMAT, write_safetensors
    out = os.fspath(out) if out is not None else tempfile.mkdtemp(prefix="engram-keras-")
    os.makedirs(out, exist_ok=True)
    package.update(format=FORMAT, weights="model.safetensors")
    with open(os.path.join(out, "model.json"), "w") as f:
        json.dump(package, f, indent=2)
        f.write("\n")
    write_safetensors(os.path.join(out, "model.safetensors"),
                      {k: np.asarray(v, dtype=np.float32) for k, v in tensors.items()})
    return out
