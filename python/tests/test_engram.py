"""The Python package against engram-run, and its sessions against one long run.

Run by test/Python/pytest.test (lit puts build/python on PYTHONPATH and
build/bin on PATH). The shipped Fashion-MNIST model is the subject; inputs
are random rows of U(0, 1), never zeros.
"""
import os
import subprocess
import threading

import numpy as np
import pytest

import engram

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir)
MODEL = os.path.join(ROOT, "examples", "fashion", "model")


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("engram")


@pytest.fixture(scope="module")
def x():
    return np.random.default_rng(7).uniform(0, 1, (6, 28, 28)).astype(np.float32)


@pytest.fixture(scope="module")
def models(work):
    """The shipped model as a package, a CPU artifact and engram IR."""
    so = engram.compile(MODEL, target="cpu", output=str(work / "m.so"))
    ir = work / "m.mlir"
    ir.write_text(engram.compile(MODEL, emit="engram"))
    return {"package": MODEL, "cpu": so, "mlir": str(ir)}


def engram_run(model, x_path, work, tag, extra=()):
    y, s = str(work / f"y_{tag}.npy"), str(work / f"s_{tag}.npz")
    subprocess.run(["engram-run", model, "--input", str(x_path), "--output", y,
                    "--dump-state", s, *extra], check=True, capture_output=True)
    return np.load(y), engram.State.load(s)


@pytest.mark.parametrize("kind", ["package", "cpu", "mlir"])
def test_load_equals_engram_run(kind, models, x, work):
    x_path = work / "x.npy"
    np.save(x_path, x)
    model = engram.load(models[kind])
    assert model.kind == kind
    y, state = model.run(x)
    y_cli, state_cli = engram_run(models[kind], x_path, work, kind)
    assert y.dtype == np.float32 and y.shape == (6, 10)
    assert y.tobytes() == y_cli.tobytes()
    assert state.h.tobytes() == state_cli.h.tobytes()
    assert state.trace.tobytes() == state_cli.trace.tobytes()
    assert np.array_equal(model(x), y)


@pytest.mark.parametrize("kind", ["package", "cpu", "mlir"])
def test_session_equals_one_long_run(kind, models, x):
    model = engram.load(models[kind])
    y, state = model.run(x)
    session = engram.Session(model)
    for chunk in np.split(x, [5, 6, 20], axis=1):
        y_chunk = session.feed(chunk)
    assert session.steps == 28
    assert np.array_equal(y_chunk, y)  # pooling last: the last chunk's output
    assert np.array_equal(session.state.h, state.h)
    assert np.array_equal(session.state.trace, state.trace)
    # The state is used: the last chunk alone gives something else.
    assert not np.array_equal(model(x[:, 20:]), y)
    session.reset()
    assert session.state is None and session.steps == 0


def test_state_files_work_with_engram_run(models, x, work):
    model = engram.load(models["cpu"])
    _, state = model.run(x[:, :9])
    state.save(work / "state.npz")
    np.save(work / "rest.npy", x[:, 9:])
    y_cli, _ = engram_run(models["cpu"], work / "rest.npy", work, "resumed",
                          ["--initial-state", str(work / "state.npz")])
    assert np.array_equal(model.run(x[:, 9:], state=state)[0], y_cli)


def test_float64_package(models, x):
    y64, state = engram.load(models["package"], precision="f64").run(x)
    y32 = engram.load(models["package"]).run(x)[0]
    assert y64.dtype == np.float64 and state.trace.dtype == np.float64
    assert np.max(np.abs(y64 - y32)) < 1e-4


def test_metadata(models):
    meta = engram.load(models["cpu"]).metadata
    assert meta["abi_version"] == 2 and meta["config"]["hidden_dim"] == 64
    assert engram.load(models["package"]).metadata["cell"]["memory_size"] == 32
    assert engram.load(models["cpu"]).resumable


def test_threads_run_concurrently(models, x):
    """Two models run on two threads at once (the GIL is released); each
    gives what it gives alone."""
    a, b = engram.load(models["cpu"]), engram.load(models["package"])
    alone = [a(x), b(x)]
    results = [None, None]

    def work(i, model):
        results[i] = model(x)

    threads = [threading.Thread(target=work, args=(i, m)) for i, m in enumerate([a, b])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(np.array_equal(r, s) for r, s in zip(results, alone))


def test_errors(models, x, work):
    with pytest.raises(engram.Error, match="no such file"):
        engram.load(work / "missing.so")
    with pytest.raises(engram.Error, match="expected BxSx28"):
        engram.load(models["cpu"]).run(x[:, :, :5])
    with pytest.raises(engram.Error, match="expected BxSx28"):
        engram.load(models["mlir"]).run(x[:, :, :5])
    with pytest.raises(engram.Error, match="'h' has shape 5x64, expected 6x64"):
        engram.load(models["cpu"]).run(x, state=(np.zeros((5, 64)), np.zeros((6, 32, 64))))
    with pytest.raises(engram.Error, match="'trace' has shape"):
        engram.load(models["package"]).run(x, state=(np.zeros((6, 64)), np.zeros((6, 31, 64))))
    bad = np.zeros((6, 64))
    bad[0, 0] = np.nan
    with pytest.raises(engram.Error, match="not finite"):
        engram.load(models["cpu"]).run(x, state=(bad, np.zeros((6, 32, 64))))
    with pytest.raises(engram.Error, match="scale integer data"):
        engram.load(models["cpu"]).run((x * 255).astype(np.uint8))
    with pytest.raises(engram.Error, match="precision='f64' is for packages"):
        engram.load(models["cpu"], precision="f64").run(x)
    (work / "notamodel.txt").write_text("hello")
    with pytest.raises(engram.Error, match="not a model"):
        engram.load(work / "notamodel.txt")


def test_compile_errors(work):
    with pytest.raises(engram.CompileError, match="--quantize"):
        engram.compile(MODEL, target="cpu", output=str(work / "q.so"), quantize="int3")
    assert not (work / "q.so").exists()
    with pytest.raises(engram.CompileError):
        engram.compile(work / "nothing-here", target="cpu")


def test_compile_options_reach_engramc(work, x):
    so = engram.compile(MODEL, target="cpu", quantize="int8:memory,bf16:trace")
    meta = engram.load(so).metadata
    assert meta["quantization"]["trace"] == "bfloat16"
    assert meta["quantization"]["memory"].startswith("int8")
    assert engram.compile(MODEL, emit="engram", quantize="bf16:trace").count("#engram.bf16") > 0


def test_spiking_network_resumes(models, x, work):
    """A spiking network (snn MLIR) fed in two chunks: the whole run's output
    and simulator state, bit for bit; its state files are engram-run's."""
    calib = work / "calib.npy"
    np.save(calib, x)
    net = str(work / "net.mlir")
    (work / "net.mlir").write_text(engram.compile(MODEL, emit="snn", snn_calibration=str(calib),
                                                  snn_encoding="rate", snn_timesteps=4))
    model = engram.load(net)
    assert model.kind == "snn" and model.resumable
    xs = x[:3, :10]
    y, state = model.run(xs)
    session = engram.Session(model)
    session.feed(xs[:, :4])
    y2 = session.feed(xs[:, 4:])
    assert np.array_equal(y, y2)
    assert np.array_equal(state.values, session.state.values)
    assert list(session.state.timesteps) == [40, 40, 40]
    np.save(work / "xs.npy", xs[:, 4:])
    _, first = model.run(xs[:, :4])
    first.save(work / "snn-state.npz")
    y_cli = work / "y-snn.npy"
    subprocess.run(["engram-run", net, "--input", str(work / "xs.npy"), "--initial-state",
                    str(work / "snn-state.npz"), "--output", str(y_cli)], check=True)
    assert np.array_equal(np.load(y_cli), y)
    with pytest.raises(engram.Error, match="sequences, the input"):
        model.run(xs[:2], state=state)
