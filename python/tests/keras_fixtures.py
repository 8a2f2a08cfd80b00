"""keras_fixtures.py - tensorflow-engram models as Keras 3 would save them.

Keras is not in Debian, so these files are written with h5py and zipfile,
laid out as Keras 3's saving code (keras/src/saving/saving_lib.py for
.keras, keras/src/legacy/saving/legacy_h5_format.py for .h5) lays out the
layers of tensorflow-engram 0.1.0 (layers.py, models.py): every layer a
`<path>/vars` group with its variables as "0", "1", ... (trainable first,
in creation order) and a `name` attribute; paths by attribute name in the
order saving_lib walks them (sorted, so a bare EngramNetwork's RNN and
output Dense are reached through its `layers` list); legacy files with
weights at `model_weights/<layer>/<variable path>` and auto-generated layer
names. No file here was saved by real Keras (docs/python.md says so).

Each fixture returns the path and the weights it wrote, by package name, so
that a test can give the same weights to engram.torch independently of the
converter.
"""
import json
import zipfile

import h5py
import numpy as np

KERAS_VERSION = "3.10.0"


def cell_weights(rng, d, h, n, layer_norm=True):
    """Random weights of an EngramCell, by package name."""
    def u(*shape, bound=0.3):
        return rng.uniform(-bound, bound, shape).astype(np.float32)
    w = {"cell.memory": u(n, h), "cell.encoder.kernel": u(d, h), "cell.encoder.bias": u(h),
         "cell.integrator.kernel": u(3 * h, 3 * h), "cell.integrator.bias": u(3 * h),
         "cell.output.kernel": u(3 * h, h), "cell.output.bias": u(h)}
    if layer_norm:
        w.update({"cell.norm1.gamma": 1 + u(h), "cell.norm1.beta": u(h),
                  "cell.norm2.gamma": 1 + u(h), "cell.norm2.beta": u(h)})
    return w


def _vars(group, name, values=()):
    v = group.create_group("vars")
    v.attrs["name"] = name
    for i, value in enumerate(values):
        v.create_dataset(str(i), data=value)
    return group


def _cell(h5, path, w, n, h, rng):
    """CELL(path): the cell's own variables and its sublayers' groups."""
    cell = _vars(h5.require_group(path) if path else h5, "engram_cell",
                 [w["cell.memory"], rng.uniform(-0.01, 0.01, (n, h)).astype(np.float32)])
    for attr, name, key in [("input_encoder", "dense_1", "cell.encoder"),
                            ("hidden_integrator", "dense_2", "cell.integrator"),
                            ("output_dense", "dense_3", "cell.output")]:
        _vars(cell.create_group(attr), name, [w[key + ".kernel"], w[key + ".bias"]])
    _vars(cell.create_group("decoder"), "dense_4")  # never called, never built
    for attr, name, key in [("layer_norm1", "layer_normalization", "cell.norm1"),
                            ("layer_norm2", "layer_normalization_1", "cell.norm2")]:
        if key + ".gamma" in w:
            _vars(cell.create_group(attr), name, [w[key + ".gamma"], w[key + ".beta"]])


def _dtype():
    return {"module": "keras", "class_name": "DTypePolicy",
            "config": {"name": "float32"}, "registered_name": None}


def _write_keras(path, config, write_weights):
    weights = str(path) + ".weights.h5"
    with h5py.File(weights, "w") as h5:
        write_weights(h5)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", json.dumps(
            {"keras_version": KERAS_VERSION, "date_saved": "2026-12-05@00:00:00"}))
        archive.writestr("config.json", json.dumps(config))
        archive.write(weights, "model.weights.h5")


def network_config(d, steps, h, n, units, activation, return_sequences, use_attention):
    return {"module": "tensorflow_engram.models", "class_name": "EngramNetwork",
            "registered_name": "EngramNetwork",
            "config": {"name": "engram_network", "trainable": True, "dtype": _dtype(),
                       "hidden_dim": h, "memory_size": n, "hebbian_lr": 0.05,
                       "output_units": units, "output_activation": activation,
                       "return_sequences": return_sequences, "return_states": False,
                       "stateful": False, "use_attention": use_attention,
                       "dropout_rate": 0.0},
            "build_config": {"input_shape": [None, steps, d]}}


def engram_network(path, rng, d=5, steps=7, h=12, n=6, units=4, activation=None,
                   return_sequences=True, use_attention=False):
    """A bare EngramNetwork saved with model.save('x.keras')."""
    w = cell_weights(rng, d, h, n)
    w["readout.kernel"] = rng.uniform(-0.3, 0.3, (h, units)).astype(np.float32)
    w["readout.bias"] = rng.uniform(-0.3, 0.3, (units,)).astype(np.float32)
    applied = use_attention and return_sequences
    if applied:
        w["pool.kernel"] = rng.uniform(-0.5, 0.5, (h, 1)).astype(np.float32)
        w["pool.bias"] = rng.uniform(-0.5, 0.5, (1,)).astype(np.float32)

    def weights(h5):
        _vars(h5, "engram_network")
        if use_attention:
            # The attention layer makes its Dense when first called.
            attention = _vars(h5.create_group("attention"), "engram_attention_layer")
            if applied:
                _vars(attention.create_group("attention_dense"), "dense_5",
                      [w["pool.kernel"], w["pool.bias"]])
        _cell(h5, "cell", w, n, h, rng)
        _vars(h5.create_group("layers/rnn"), "rnn")
        _vars(h5.create_group("layers/dense"), "dense",
              [w["readout.kernel"], w["readout.bias"]])

    _write_keras(path, network_config(d, steps, h, n, units, activation,
                                      return_sequences, use_attention), weights)
    return w


def engram_classifier(path, rng, d=5, steps=7, h=12, n=6, classes=3):
    """tensorflow-engram's EngramClassifier (a Sequential of InputLayer,
    Engram(EngramNetwork), Dropout, Dense softmax) with its defaults:
    return_sequences false, use_attention true (so the attention layer
    exists but is never called: the last h goes to the Dense)."""
    w = cell_weights(rng, d, h, n)
    w["readout.kernel"] = rng.uniform(-0.3, 0.3, (h, classes)).astype(np.float32)
    w["readout.bias"] = rng.uniform(-0.3, 0.3, (classes,)).astype(np.float32)
    engram = {"module": "tensorflow_engram.layers", "class_name": "Engram",
              "registered_name": "Engram",
              "config": {"name": "engram", "trainable": True, "dtype": _dtype(),
                         "hidden_dim": h, "memory_size": n, "hebbian_lr": 0.05,
                         "return_sequences": False, "return_states": False,
                         "reset_states_per_batch": True, "stateful": False,
                         "use_attention": True, "dropout_rate": 0.0,
                         "wrapper_return_states": False}}
    config = {"module": "keras", "class_name": "Sequential", "registered_name": None,
              "config": {"name": "sequential", "trainable": True, "dtype": _dtype(),
                         "layers": [
                             {"module": "keras.layers", "class_name": "InputLayer",
                              "registered_name": None,
                              "config": {"batch_shape": [None, steps, d], "dtype": "float32",
                                         "sparse": False, "ragged": False,
                                         "name": "input_layer"}},
                             engram,
                             {"module": "keras.layers", "class_name": "Dropout",
                              "registered_name": None,
                              "config": {"name": "dropout", "rate": 0.3}},
                             {"module": "keras.layers", "class_name": "Dense",
                              "registered_name": None,
                              "config": {"name": "dense", "units": classes,
                                         "activation": "softmax", "use_bias": True}}],
                         "build_input_shape": [None, steps, d]}}

    def weights(h5):
        _vars(h5, "sequential")
        _vars(h5.create_group("layers/engram"), "engram")
        _cell(h5, "layers/engram/engram_cell", w, n, h, rng)
        _vars(h5.create_group("layers/engram/engram_network"), "engram_network")
        # Never called, so its attention_dense was never made.
        _vars(h5.create_group("layers/engram/engram_network/attention"),
              "engram_attention_layer")
        _vars(h5.create_group("layers/engram/engram_network/layers/rnn"), "rnn")
        _vars(h5.create_group("layers/dropout"), "dropout")
        _vars(h5.create_group("layers/dense"), "dense",
              [w["readout.kernel"], w["readout.bias"]])

    _write_keras(path, config, weights)
    return w


def functional_rnn(path, rng, d=5, steps=7, h=12, n=6, scale_factor=0.7,
                   temperature=2.0, sparsity_strength=0.05):
    """The README's functional model: Model(Input, RNN(EngramCell(...))(x)),
    the last h out, no Dense; the cell's config holds all its arguments."""
    w = cell_weights(rng, d, h, n)
    cell = {"module": "tensorflow_engram.layers", "class_name": "EngramCell",
            "registered_name": "EngramCell",
            "config": {"name": "engram_cell", "trainable": True, "dtype": _dtype(),
                       "hidden_dim": h, "memory_size": n, "hebbian_lr": 0.05,
                       "scale_factor": scale_factor, "temperature": temperature,
                       "use_layer_norm": True, "sparsity_strength": sparsity_strength}}
    config = {"module": "keras", "class_name": "Functional", "registered_name": None,
              "config": {"name": "functional", "trainable": True,
                         "layers": [
                             {"module": "keras.layers", "class_name": "InputLayer",
                              "registered_name": None, "name": "input_layer",
                              "config": {"batch_shape": [None, steps, d],
                                         "name": "input_layer"}, "inbound_nodes": []},
                             {"module": "keras.layers", "class_name": "RNN",
                              "registered_name": None, "name": "rnn",
                              "config": {"name": "rnn", "return_sequences": False,
                                         "return_state": False, "cell": cell},
                              "inbound_nodes": []}],
                         "input_layers": [["input_layer", 0, 0]],
                         "output_layers": [["rnn", 0, 0]]}}

    def weights(h5):
        _vars(h5, "functional")
        _vars(h5.create_group("layers/input_layer"), "input_layer")
        _vars(h5.create_group("layers/rnn"), "rnn")
        _cell(h5, "layers/rnn/cell", w, n, h, rng)

    _write_keras(path, config, weights)
    return w


def legacy_network(path, rng, d=5, steps=7, h=12, n=6, units=4):
    """A bare EngramNetwork (return_sequences, a linear output Dense run
    through TimeDistributed) saved with model.save('x.h5'): weights at
    model_weights/<layer>/<variable path>, the cell's in both the
    engram_cell and rnn groups."""
    w = cell_weights(rng, d, h, n)
    w["readout.kernel"] = rng.uniform(-0.3, 0.3, (h, units)).astype(np.float32)
    w["readout.bias"] = rng.uniform(-0.3, 0.3, (units,)).astype(np.float32)
    cell = "engram_network/rnn/engram_cell/"
    trace = rng.uniform(-0.01, 0.01, (n, h)).astype(np.float32)
    cell_vars = [(cell + "engram_memory", w["cell.memory"])]
    for layer, key in [("dense_1", "cell.encoder"), ("dense_2", "cell.integrator"),
                       ("dense_3", "cell.output")]:
        cell_vars += [(cell + layer + "/kernel", w[key + ".kernel"]),
                      (cell + layer + "/bias", w[key + ".bias"])]
    for layer, key in [("layer_normalization", "cell.norm1"),
                       ("layer_normalization_1", "cell.norm2")]:
        cell_vars += [(cell + layer + "/gamma", w[key + ".gamma"]),
                      (cell + layer + "/beta", w[key + ".beta"])]
    cell_vars.append((cell + "initial_hebbian_trace", trace))
    dense = "engram_network/time_distributed/dense/"
    groups = {"engram_cell": cell_vars, "rnn": cell_vars,
              "dense": [(dense + "kernel", w["readout.kernel"]),
                        (dense + "bias", w["readout.bias"])]}
    config = {"class_name": "EngramNetwork",
              "config": network_config(d, steps, h, n, units, None, True, False)["config"]}
    with h5py.File(path, "w") as h5:
        h5.attrs["keras_version"] = KERAS_VERSION
        h5.attrs["backend"] = "tensorflow"
        h5.attrs["model_config"] = json.dumps(config).encode()
        root = h5.create_group("model_weights")
        root.attrs["layer_names"] = np.array([name.encode() for name in groups])
        root.attrs["backend"] = b"tensorflow"
        root.attrs["keras_version"] = KERAS_VERSION.encode()
        for name, variables in groups.items():
            group = root.create_group(name)
            group.attrs["weight_names"] = np.array([p.encode() for p, _ in variables])
            for p, value in variables:
                group.create_dataset(p, data=value)
        top = root.create_group("top_level_model_weights")
        top.attrs["weight_names"] = np.array([], dtype="S1")
    return w
