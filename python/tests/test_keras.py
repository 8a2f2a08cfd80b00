"""engram.keras: tensorflow-engram models in, against engram.torch.

Each fixture (keras_fixtures.py, laid out as Keras 3 saves them) converts to
a package; the package's outputs in the reference interpreter equal those of
engram.torch's EngramNetwork built from tensorflow-engram's arguments with
the same weights (given to it by the test, not by the converter): within
1e-9 relative in float64, 1e-4 in float32.
"""
import json
import os
import zipfile

import numpy as np
import pytest
import torch

import engram
import engram.keras
from engram.torch import EngramNetwork

import keras_fixtures as fx


def torch_network(weights, **arguments):
    network = EngramNetwork(dtype=torch.float64, **arguments)
    with torch.no_grad():
        for name in list(network.params.keys()):
            network.params[name].copy_(torch.from_numpy(
                weights[name.replace("/", ".")].astype(np.float64)))
    return network


def relative(a, b):
    return float(np.max(np.abs(np.asarray(a, np.float64) - b)) / np.max(np.abs(b)))


def check(package, network, batching="batch_mean"):
    x = np.random.default_rng(3).uniform(0, 1, (4, 7, 5))
    with torch.no_grad():
        truth = network(torch.from_numpy(x))[0].numpy()
    y64 = engram.load(package, precision="f64").run(x)[0]
    y32 = engram.load(package).run(x.astype(np.float32))[0]
    assert y64.shape == truth.shape
    assert relative(y64, truth) <= 1e-9
    assert relative(y32, truth) <= 1e-4
    assert json.load(open(os.path.join(package, "model.json")))["trace_batching"] == batching
    return truth


@pytest.mark.parametrize("activation", [None, "softmax"])
def test_network_every_step(tmp_path, activation):
    w = fx.engram_network(tmp_path / "m.keras", np.random.default_rng(1), activation=activation)
    package = engram.keras.convert(tmp_path / "m.keras", tmp_path / "pkg")
    head = json.load(open(package + "/model.json"))["head"]
    assert head == {"pooling": "sequence", "units": 4,
                    "activation": activation or "linear"}
    truth = check(package, torch_network(
        w, input_dim=5, hidden_dim=12, memory_size=6, output_units=4,
        output_activation=activation, return_sequences=True))
    assert truth.shape == (4, 7, 4)


def test_network_attention(tmp_path):
    w = fx.engram_network(tmp_path / "m.keras", np.random.default_rng(2),
                          activation="softmax", use_attention=True)
    package = engram.keras.convert(tmp_path / "m.keras", tmp_path / "pkg")
    assert json.load(open(package + "/model.json"))["head"]["pooling"] == "attention"
    check(package, torch_network(w, input_dim=5, hidden_dim=12, memory_size=6,
                                 output_units=4, output_activation="softmax",
                                 return_sequences=True, use_attention=True))


def test_attention_is_not_applied_without_sequences(tmp_path):
    w = fx.engram_network(tmp_path / "m.keras", np.random.default_rng(4),
                          use_attention=True, return_sequences=False)
    package = engram.keras.convert(tmp_path / "m.keras", tmp_path / "pkg")
    assert json.load(open(package + "/model.json"))["head"]["pooling"] == "last"
    check(package, torch_network(w, input_dim=5, hidden_dim=12, memory_size=6,
                                 output_units=4, return_sequences=False))


def test_classifier(tmp_path):
    w = fx.engram_classifier(tmp_path / "c.keras", np.random.default_rng(5))
    package = engram.keras.convert(tmp_path / "c.keras", tmp_path / "pkg")
    truth = check(package, torch_network(
        w, input_dim=5, hidden_dim=12, memory_size=6, output_units=3,
        output_activation="softmax", return_sequences=False))
    assert np.allclose(truth.sum(axis=1), 1.0)


def test_functional_cell_and_per_sequence(tmp_path):
    w = fx.functional_rnn(tmp_path / "f.keras", np.random.default_rng(6))
    package = engram.keras.convert(tmp_path / "f.keras", tmp_path / "pkg",
                                   trace_batching="per_sequence")
    config = json.load(open(package + "/model.json"))
    assert config["cell"]["scale_factor"] == 0.7 and config["cell"]["temperature"] == 2.0
    assert config["cell"]["sparsity_strength"] == 0.05
    assert config["head"] == {"pooling": "last"}
    check(package, torch_network(w, input_dim=5, hidden_dim=12, memory_size=6,
                                 scale_factor=0.7, temperature=2.0, sparsity_strength=0.05,
                                 return_sequences=False, trace_batching="per_sequence"),
          batching="per_sequence")


def test_legacy_h5(tmp_path):
    w = fx.legacy_network(tmp_path / "m.h5", np.random.default_rng(7))
    package = engram.keras.convert(tmp_path / "m.h5", tmp_path / "pkg")
    check(package, torch_network(w, input_dim=5, hidden_dim=12, memory_size=6,
                                 output_units=4, return_sequences=True))


def test_sparsity_override_and_compiled(tmp_path):
    w = fx.engram_network(tmp_path / "m.keras", np.random.default_rng(8))
    package = engram.keras.convert(tmp_path / "m.keras", tmp_path / "pkg",
                                   sparsity_strength=0.3)
    network = torch_network(w, input_dim=5, hidden_dim=12, memory_size=6, output_units=4,
                            return_sequences=True, sparsity_strength=0.3)
    truth = check(package, network)
    # The package compiles: the CPU artifact agrees too.
    so = engram.compile(package, target="cpu", output=str(tmp_path / "m.so"))
    x = np.random.default_rng(3).uniform(0, 1, (4, 7, 5)).astype(np.float32)
    assert relative(engram.load(so)(x), truth) <= 1e-4


def test_errors(tmp_path):
    with pytest.raises(engram.keras.ConversionError, match="no such file"):
        engram.keras.convert(tmp_path / "missing.keras")
    (tmp_path / "text.keras").write_text("not a model")
    with pytest.raises(engram.keras.ConversionError, match="neither a .keras archive"):
        engram.keras.convert(tmp_path / "text.keras")
    with zipfile.ZipFile(tmp_path / "empty.keras", "w") as z:
        z.writestr("metadata.json", "{}")
    with pytest.raises(engram.keras.ConversionError, match="no config.json"):
        engram.keras.convert(tmp_path / "empty.keras")
    fx.engram_network(tmp_path / "relu.keras", np.random.default_rng(9), activation="relu")
    with pytest.raises(engram.keras.ConversionError, match="activation 'relu'"):
        engram.keras.convert(tmp_path / "relu.keras", tmp_path / "out")
    assert not (tmp_path / "out").exists()
    with pytest.raises(engram.keras.ConversionError, match="trace_batching"):
        engram.keras.convert(tmp_path / "relu.keras", trace_batching="shared")
