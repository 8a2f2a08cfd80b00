"""engram.dask on a LocalCluster of two worker processes: equal outputs.
(Under AddressSanitizer the two workers are threads of this process.)"""
import os

import numpy as np
import pytest

import engram
import engram.dask

distributed = pytest.importorskip("distributed")

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir)
MODEL = os.path.join(ROOT, "examples", "fashion", "model")


@pytest.fixture(scope="module")
def client():
    from conftest import ASAN_PRELOAD
    # Two worker processes; under ASan two workers in this process instead,
    # since a worker process would import the extensions without the
    # preloaded runtime (conftest.py).
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1,
                                       processes=not ASAN_PRELOAD,
                                       dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def per_sequence(tmp_path_factory):
    """The shipped model with per-sequence traces, as a package and a .so."""
    from engram.package import read_safetensors, write_safetensors
    import json
    out = tmp_path_factory.mktemp("dask") / "pkg"
    out.mkdir()
    config = json.load(open(os.path.join(MODEL, "model.json")))
    assert config["trace_batching"] == "per_sequence"
    (out / "model.json").write_text(json.dumps(config))
    write_safetensors(out / "model.safetensors",
                      read_safetensors(os.path.join(MODEL, config["weights"])))
    so = engram.compile(str(out), target="cpu", output=str(out.parent / "m.so"))
    return str(out), so


def single_run(model, x, chunks, **options):
    """The single-process run of `x` cut into the same batch chunks."""
    m = engram.load(model, **options)
    return np.concatenate([m(part) for part in np.split(x, np.cumsum(chunks)[:-1])])


def test_equals_single_process(client, per_sequence):
    x = np.random.default_rng(11).uniform(0, 1, (23, 28, 28)).astype(np.float32)
    for model in per_sequence:
        spread = engram.dask.run(model, x, client, chunk=5)
        assert spread.chunks[0] == (5, 5, 5, 5, 3)
        got = spread.compute()
        single = single_run(model, x, spread.chunks[0])
        assert got.dtype == single.dtype
        assert np.array_equal(got, single), model
        # One batch of 23: the same up to the last bits, which may depend on
        # how many sequences a kernel processes together (docs/python.md).
        whole = engram.load(model)(x)
        assert np.max(np.abs(got - whole)) <= 1e-6 * np.max(np.abs(whole))
    workers = client.run(lambda: len(engram.dask._MODELS))
    assert len(workers) == 2


def test_dask_input_and_float64(client, per_sequence):
    import dask.array as da
    x = np.random.default_rng(12).uniform(0, 1, (9, 6, 28))
    package = per_sequence[0]
    got = engram.dask.run(package, da.from_array(x, chunks=(4, 3, 28)), client,
                          precision="f64").compute()
    assert got.dtype == np.float64
    assert np.array_equal(got, single_run(package, x, (4, 4, 1), precision="f64"))


def test_refusals(client, tmp_path):
    import json
    with pytest.raises(engram.Error, match="batch_mean"):
        config = json.load(open(os.path.join(MODEL, "model.json")))
        config["trace_batching"] = "batch_mean"
        (tmp_path / "model.json").write_text(json.dumps(config))
        os.symlink(os.path.join(MODEL, config["weights"]), tmp_path / config["weights"])
        engram.dask.run(str(tmp_path), np.zeros((2, 3, 28), np.float32) + 0.5, client)
    with pytest.raises(engram.Error, match="expected BxSx28"):
        engram.dask.run(MODEL, np.full((2, 3, 5), 0.5, np.float32), client)
